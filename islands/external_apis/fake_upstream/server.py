"""The fake upstream: all six upstream APIs on one stdlib HTTP server, for the offline demo, the
tests and load tests.

Routes and answers come from `payloads/scenarios.json` (modelled on the real APIs' payloads and
error shapes): scenario "normal" plus the overrides of the active one; a list of answers is served
in order, its last one repeating. Successful price payloads move by a seeded random walk, one step
per request. Control routes: `POST /__scenario` {"name": ...} switches scenario, `GET /__requests`
returns the request log (`?since=<seq>`), `DELETE /__requests` clears it, `POST /__prices`
{"BTCUSDT": 101000.5} moves assets of the walk to those prices. Binance's tick WebSocket is served
beside it (ticks_server.py), controlled by `GET`/`POST /__ticks`. It must never be
reachable from production settings: only `make demo` and the tests point base URLs at it.
"""

from __future__ import annotations

import collections
import json
import math
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from islands.external_apis.fake_upstream.ticks_server import FakeTickStream

PAYLOADS = Path(__file__).resolve().parent / "payloads"
PREFIXES = ("coingecko", "binance", "alternative_me", "taapi", "finnhub", "coinmarketcap")
LOG_MAX = 20_000
# Where each key travels, so the log can say a key was sent without recording it.
KEY_CARRIERS = {"taapi": ("query", "secret"), "finnhub": ("header", "X-Finnhub-Token"),
                "coinmarketcap": ("header", "X-CMC_PRO_API_KEY")}  # fmt: skip


def scenarios_load() -> dict[str, dict[str, Any]]:
    data = json.loads((PAYLOADS / "scenarios.json").read_text())
    return {name: routes for name, routes in data.items() if not name.startswith("_")}


class Route:
    """One key of scenarios.json: `METHOD /path[?param=value]` ('*' matches any value)."""

    def __init__(self, key: str, answers: Any, rank: int) -> None:
        self.key = key
        self.rank = rank
        self.method, _, target = key.partition(" ")
        self.path, _, condition = target.partition("?")
        self.param, _, self.value = condition.partition("=")
        self.answers = answers if isinstance(answers, list) else [answers]

    def specificity(self, method: str, path: str, query: dict[str, list[str]]) -> int | None:
        """None if the route does not match; else higher = more specific."""
        if method != self.method or path != self.path:
            return None
        if not self.param:
            return 10 * self.rank
        values = query.get(self.param)
        if not values:
            return None
        if self.value == "*":
            return 10 * self.rank + 1
        return 10 * self.rank + 2 if values[0] == self.value else None


class RandomWalk:
    """Seeded geometric random walk per asset, starting from the payload's own values."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.start: dict[str, float] = {}
        self.now: dict[str, float] = {}

    def step(self, name: str, base: float, sigma: float = 0.002) -> tuple[float, float]:
        """(new value, percent change since the walk started) for `name`."""
        with self.lock:
            start = self.start.setdefault(name, base)
            value = self.now.get(name, start) * math.exp(self.rng.gauss(0.0, sigma))
            self.now[name] = value
            return value, (value / start - 1.0) * 100.0

    def bounded(self, name: str, base: float, low: float, high: float, step: float = 0.5) -> float:
        with self.lock:
            value = self.now.get(name, base) + self.rng.uniform(-step, step)
            value = min(high, max(low, value))
            self.now[name] = value
            return value


class FakeUpstream:
    """The server, its active scenario, its random walk and its request log."""

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, seed: int = 42, scenario: str = "normal", ws_port: int = 0
    ) -> None:
        self.scenarios = scenarios_load()
        self.walk = RandomWalk(seed)
        self.lock = threading.Lock()
        self.log: collections.deque[dict[str, Any]] = collections.deque(maxlen=LOG_MAX)
        self.seq = 0
        self.counters: collections.Counter[str] = collections.Counter()
        self.scenario = "normal"
        self.routes: list[Route] = []
        self.scenario_set(scenario)
        self.httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.thread: threading.Thread | None = None
        self.ticks = FakeTickStream(walk=self.walk, host=host, port=ws_port)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def base_urls(self) -> dict[str, str]:
        """The *_BASE_URL settings that point the clients at this server."""
        return {
            "COINGECKO_BASE_URL": f"{self.url}/coingecko",
            "BINANCE_BASE_URL": f"{self.url}/binance",
            "FNG_BASE_URL": f"{self.url}/alternative_me",
            "TAAPI_BASE_URL": f"{self.url}/taapi",
            "FINNHUB_BASE_URL": f"{self.url}/finnhub",
            "CMC_BASE_URL": f"{self.url}/coinmarketcap",
            "BINANCE_WS_URL": self.ticks.url,
        }

    def start(self) -> FakeUpstream:
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="fake-upstream", daemon=True)
        self.thread.start()
        self.ticks.start()
        return self

    def stop(self) -> None:
        self.ticks.stop()
        self.httpd.shutdown()
        self.httpd.server_close()

    def prices_set(self, prices: dict[str, float]) -> None:
        """Move assets of the random walk (Binance symbols: BTCUSDT) to these prices; the walk goes
        on from there. How a demo or a test makes the price cross a level on purpose."""
        with self.walk.lock:
            for name, value in prices.items():
                self.walk.start.setdefault(name, value)
                self.walk.now[name] = value

    # --- scenario and log -------------------------------------------------------------------
    def scenario_set(self, name: str) -> None:
        if name not in self.scenarios:
            raise KeyError(name)
        overrides = self.scenarios[name]
        # The scenario's own routes win over "normal" ones, however specific those are
        # (rate_limited's `symbol=*` must beat normal's `symbol=DIA`).
        routes = [Route(key, answers, 1) for key, answers in overrides.items()]
        routes += [Route(key, answers, 0) for key, answers in self.scenarios["normal"].items() if key not in overrides]
        with self.lock:
            self.scenario = name
            self.routes = routes
            self.counters.clear()

    def requests(self, *, since: int = 0, prefix: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            rows = [row for row in self.log if row["seq"] > since]
        return [row for row in rows if prefix is None or row["upstream"] == prefix]

    def requests_clear(self) -> None:
        with self.lock:
            self.log.clear()

    # --- answering --------------------------------------------------------------------------
    def answer(
        self, method: str, path: str, query: dict[str, list[str]], headers: Any
    ) -> tuple[int, dict, bytes, float]:
        """(status, headers, body, delay_s) for one upstream request, and log it."""
        with self.lock:
            matches = [(s, r) for r in self.routes if (s := r.specificity(method, path, query)) is not None]
            route = max(matches, key=lambda m: m[0])[1] if matches else None
            index = self.counters[route.key] if route else 0
            if route:
                self.counters[route.key] += 1
            scenario = self.scenario
        if route is None:
            status, body, delay = 404, b'{"error":"no route"}', 0.0
            response_headers = {"Content-Type": "application/json"}
        else:
            spec = route.answers[min(index, len(route.answers) - 1)]
            status, response_headers = spec["status"], dict(spec.get("headers", {}))
            body = self._body(spec["file"], status, query)
            delay = float(spec.get("delay_s", 0))
        upstream = path.split("/", 2)[1] if path.count("/") >= 1 else ""
        carrier = KEY_CARRIERS.get(upstream)
        key_sent = None
        if carrier:
            where, name = carrier
            key_sent = bool(query.get(name)) if where == "query" else bool(headers.get(name))
        with self.lock:
            self.seq += 1
            self.log.append(
                {
                    "seq": self.seq,
                    "time": time.time(),
                    "method": method,
                    "upstream": upstream,
                    "path": path,
                    # Keys are never logged, only whether one was sent.
                    "query": {k: v[0] for k, v in query.items() if k not in ("secret", "token")},
                    "key_sent": key_sent,
                    "status": status,
                    "route": route.key if route else None,
                    "scenario": scenario,
                }
            )
        return status, response_headers, body, delay

    def _body(self, file: str, status: int, query: dict[str, list[str]]) -> bytes:
        raw = (PAYLOADS / file).read_bytes()
        if status != 200 or not file.endswith(".json"):
            return raw
        transform = TRANSFORMS.get(Path(file).stem)
        if transform is None:
            return raw
        data = transform(self, json.loads(raw), query)
        return json.dumps(data).encode()


# --- payload transforms: the random walk applied to successful answers ----------------------------
Query = dict[str, list[str]]


def _binance_ticker(server: FakeUpstream, rows: list[dict], query: Query) -> list[dict]:
    # Like Binance, only the symbols asked for (the payload holds more than the default coins).
    asked = query.get("symbols")
    if asked:
        try:
            wanted = set(json.loads(asked[0]))
        except ValueError:
            wanted = set()
        rows = [row for row in rows if row["symbol"] in wanted]
    for row in rows:
        price, change = server.walk.step(row["symbol"], float(row["lastPrice"]))
        pct = float(row["priceChangePercent"]) + change
        row["lastPrice"] = f"{price:.8f}"
        row["priceChangePercent"] = f"{pct:.3f}"
        row["priceChange"] = f"{price - price / (1 + pct / 100):.8f}"
    return rows


COINGECKO_TO_BINANCE = {
    "bitcoin": "BTCUSDT", "ethereum": "ETHUSDT", "solana": "SOLUSDT", "ripple": "XRPUSDT",
    "cardano": "ADAUSDT", "chainlink": "LINKUSDT", "binancecoin": "BNBUSDT", "dogecoin": "DOGEUSDT",
}  # fmt: skip


def _simple_price(server: FakeUpstream, data: dict, query: Query) -> dict:
    asked = query.get("ids")
    if asked:
        wanted = set(asked[0].split(","))
        data = {coin_id: row for coin_id, row in data.items() if coin_id in wanted}
    for coin_id, row in data.items():
        price, change = server.walk.step(COINGECKO_TO_BINANCE.get(coin_id, coin_id), float(row["usd"]))
        row["usd"] = round(price, 6)
        row["usd_24h_change"] = float(row["usd_24h_change"]) + change
    return data


def _global(server: FakeUpstream, data: dict, query: Query) -> dict:
    body = data["data"]
    cap, change = server.walk.step("market_cap", body["total_market_cap"]["usd"], sigma=0.001)
    body["total_market_cap"]["usd"] = round(cap, 2)
    body["total_volume"]["usd"] = round(server.walk.step("volume", body["total_volume"]["usd"])[0], 2)
    body["market_cap_change_percentage_24h_usd"] += change
    shares = body["market_cap_percentage"]
    shares["btc"] = server.walk.bounded("btc_dominance", shares["btc"], 40.0, 70.0, 0.05)
    shares["eth"] = server.walk.bounded("eth_dominance", shares["eth"], 5.0, 25.0, 0.05)
    return data


def _cmc_global(server: FakeUpstream, data: dict, query: Query) -> dict:
    usd = data["data"]["quote"]["USD"]
    usd["total_market_cap"] = round(server.walk.step("market_cap", usd["total_market_cap"], sigma=0.001)[0], 2)
    return data


def _finnhub_quote(server: FakeUpstream, data: dict, symbol: str) -> dict:
    start = data["pc"]
    price, _ = server.walk.step(f"stock:{symbol}", data["c"], sigma=0.0005)
    data["c"] = round(price, 2)
    data["d"] = round(price - start, 2)
    data["dp"] = round((price / start - 1) * 100, 4)
    return data


# The walk's name for each coin of the market table: the tracked coins share Binance's, so the
# table and the tiles move together.
def _walk_name(coin_id: str) -> str:
    return COINGECKO_TO_BINANCE.get(coin_id, f"cg:{coin_id}")


def _coins_markets(server: FakeUpstream, rows: list[dict], query: Query) -> list[dict]:
    """The 100-coin universe, each price one walk step on, its 1h/24h/7d changes, 24 h range and
    market cap following; ranked by market cap, `per_page` of them (like CoinGecko)."""
    try:
        per_page = max(1, min(250, int(query.get("per_page", ["100"])[0])))
    except ValueError:
        per_page = 100
    for row in rows:
        base = float(row["current_price"])
        stable = row["symbol"] in ("usdt", "usdc", "dai", "fdusd")
        price, _ = server.walk.step(_walk_name(row["id"]), base, sigma=0.0002 if stable else 0.002)
        ratio = price / base
        row["current_price"] = float(f"{price:.8g}")
        if row.get("market_cap"):
            row["market_cap"] = round(row["market_cap"] * ratio)
        for key in ("1h", "24h", "7d"):
            name = f"price_change_percentage_{key}_in_currency"
            if row.get(name) is not None:
                row[name] = round((1 + row[name] / 100) * ratio * 100 - 100, 4)
        row["price_change_percentage_24h"] = row.get("price_change_percentage_24h_in_currency")
        row["high_24h"] = max(row.get("high_24h") or price, price)
        row["low_24h"] = min(row.get("low_24h") or price, price)
        spark = (row.get("sparkline_in_7d") or {}).get("price")
        if spark:
            spark[-1] = row["current_price"]
        row["last_updated"] = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    rows.sort(key=lambda r: -(r.get("market_cap") or 0))
    for rank, row in enumerate(rows, start=1):
        row["market_cap_rank"] = rank
    return rows[:per_page]


def _exchange_rates(server: FakeUpstream, data: dict, query: Query) -> dict:
    """BTC-based rates: `usd` follows the BTC walk, every other currency keeps its USD ratio
    (moved by a small walk of its own)."""
    rates = data["rates"]
    usd_base = rates["usd"]["value"]
    btc_usd = server.walk.now.get("BTCUSDT", usd_base)
    for code, entry in rates.items():
        if entry.get("type") != "fiat" or code == "usd":
            continue
        per_usd, _ = server.walk.step(f"fx:{code}", entry["value"] / usd_base, sigma=0.0003)
        entry["value"] = round(per_usd * btc_usd, 4)
    rates["usd"]["value"] = round(btc_usd, 2)
    return data


KLINE_MS = {"1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000, "4h": 14_400_000, "1d": 86_400_000}
TICKER_START = {"BTCUSDT": 67231.12, "ETHUSDT": 2511.98, "SOLUSDT": 168.39, "XRPUSDT": 0.5233,
                "ADAUSDT": 0.3511, "LINKUSDT": 11.228, "BNBUSDT": 578.9, "DOGEUSDT": 0.1745}  # fmt: skip


def _klines(server: FakeUpstream, rows: list[list], query: Query) -> list[list]:
    """`limit` candles of `symbol` at `interval` ending now, in the payload's row format: a walk
    seeded by (symbol, interval), run backwards from the symbol's current walk price."""
    symbol = query.get("symbol", ["BTCUSDT"])[0]
    interval = query.get("interval", ["1h"])[0]
    step_ms = KLINE_MS.get(interval, 3_600_000)
    try:
        limit = max(1, min(1000, int(query.get("limit", ["500"])[0])))
    except ValueError:
        limit = 500
    with server.walk.lock:
        close = server.walk.now.get(symbol) or TICKER_START.get(symbol, float(rows[-1][4]))
    rng = random.Random(f"{symbol}:{interval}")
    sigma = 0.004 * math.sqrt(step_ms / 3_600_000)
    last_open = int(time.time() * 1000) // step_ms * step_ms
    candles = []
    for i in range(limit):
        open_ = close / math.exp(rng.gauss(0.0, sigma))
        high = max(open_, close) * (1 + abs(rng.gauss(0.0, sigma / 2)))
        low = min(open_, close) * (1 - abs(rng.gauss(0.0, sigma / 2)))
        volume = rng.uniform(200, 2000) * 67000 / max(close, 1e-9) * step_ms / 3_600_000
        opened = last_open - i * step_ms
        candles.append([opened, f"{open_:.8f}", f"{high:.8f}", f"{low:.8f}", f"{close:.8f}", f"{volume:.5f}",
                        opened + step_ms - 1, f"{volume * close:.4f}", rng.randint(1000, 50000),
                        f"{volume / 2:.5f}", f"{volume * close / 2:.4f}", "0"])  # fmt: skip
        close = open_
    candles.reverse()
    return candles


def _rsi(server: FakeUpstream, data: dict, query: Query) -> dict:
    data["value"] = server.walk.bounded("rsi", data["value"], 5.0, 95.0)
    return data


TRANSFORMS = {
    "ticker_24hr_7_ok": _binance_ticker,
    "ticker_24hr_6_missing_bnb": _binance_ticker,
    "simple_price_multi_ok": _simple_price,
    "simple_price_btc_ok": _simple_price,
    "global_ok": _global,
    "global_metrics_ok": _cmc_global,
    "quote_DIA_ok": lambda s, d, q: _finnhub_quote(s, d, "DIA"),
    "quote_SPY_ok": lambda s, d, q: _finnhub_quote(s, d, "SPY"),
    "quote_QQQM_ok": lambda s, d, q: _finnhub_quote(s, d, "QQQM"),
    "rsi_ok": _rsi,
    "coins_markets_ok": _coins_markets,
    "exchange_rates_ok": _exchange_rates,
    "klines_btcusdt_1h_ok": _klines,
}


def _handler_for(server: FakeUpstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "fake-upstream/1"
        # Headers and body leave in one segment: split writes meet the client's delayed ACK (~40 ms).
        wbufsize = 1 << 16
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            """Silent: the request log is the record (and a request line may carry a key)."""

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout): nothing to answer

        def _json(self, status: int, data: Any) -> None:
            self._send(status, {"Content-Type": "application/json"}, json.dumps(data).encode())

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            if parts.path == "/__requests":
                since = int(query.get("since", ["0"])[0] or 0)
                self._json(200, server.requests(since=since, prefix=query.get("upstream", [None])[0]))
                return
            if parts.path == "/__scenario":
                self._json(200, {"scenario": server.scenario, "scenarios": sorted(server.scenarios)})
                return
            if parts.path == "/__ticks":
                self._json(200, server.ticks.state())
                return
            status, headers, body, delay = server.answer("GET", parts.path, query, self.headers)
            if delay:
                time.sleep(delay)
            self._send(status, headers, body)

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/__ticks":
                self._ticks_control()
                return
            if parts.path == "/__prices":
                self._prices_post()
                return
            if parts.path != "/__scenario":
                self._json(404, {"error": "no route"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                name = body.get("name") or parse_qs(parts.query).get("name", [""])[0]
            except (ValueError, AttributeError):
                self._json(400, {"error": 'body must be a JSON object like {"name": "normal"}'})
                return
            try:
                server.scenario_set(name)
            except KeyError:
                self._json(400, {"error": f"unknown scenario {name!r}", "scenarios": sorted(server.scenarios)})
                return
            self._json(200, {"scenario": name})

        def _ticks_control(self) -> None:
            """{"mode": "normal|stall|drop|garbage", "rate_hz": 4, "push": {"BTCUSDT": 70000.5}}"""
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                if not isinstance(body, dict):
                    raise ValueError("body must be a JSON object")
                state = server.ticks.control(mode=body.get("mode"), rate_hz=body.get("rate_hz"), push=body.get("push"))
            except ValueError as exc:
                self._json(400, {"error": str(exc)})
                return
            self._json(200, state)

        def _prices_post(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
                prices = {str(k): float(v) for k, v in body.items() if float(v) > 0 and math.isfinite(float(v))}
            except (ValueError, AttributeError, TypeError):
                self._json(400, {"error": 'body must be a JSON object like {"BTCUSDT": 101000.5}'})
                return
            server.prices_set(prices)
            self._json(200, {"prices": prices})

        def do_DELETE(self) -> None:
            if urlsplit(self.path).path != "/__requests":
                self._json(404, {"error": "no route"})
                return
            server.requests_clear()
            self._json(200, {"cleared": True})

    return Handler
