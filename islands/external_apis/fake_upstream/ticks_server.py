"""The fake upstream's Binance combined-stream WebSocket: `/stream?streams=btcusdt@miniTicker/...`.

Started and stopped with the HTTP server (server.py), on a port of its own, and on its own event
loop thread. Every 1/rate_hz seconds it sends each subscribed symbol's 24 h mini ticker as Binance
does (`{"stream": ..., "data": {"e": "24hrMiniTicker", "E": ms, "s", "c", "o", "h", "l", "v",
"q"}}`), the price moved by the server's seeded random walk (the same walk as the REST answers,
so both sources agree); `E` is the send time, which the latency bench measures from.

Modes, switched like the HTTP scenarios (`POST /__ticks {"mode": ...}` on the HTTP server):
- normal: ticks at rate_hz;
- stall: connections stay open (pings are still answered) but no message is sent;
- drop: every open connection is cut without a close frame, and each new one right after its
  handshake;
- garbage: before each round of valid ticks, one frame that is not a mini ticker (not JSON, a
  JSON array, a missing price, a non-numeric price, an unknown symbol, a binary frame).
`{"push": {"BTCUSDT": 70000.5}}` sets a price and sends it at once (browser test, demos).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, broadcast, serve

if TYPE_CHECKING:
    from islands.external_apis.fake_upstream.server import RandomWalk

PAYLOADS = Path(__file__).resolve().parent / "payloads"
MODES = ("normal", "stall", "drop", "garbage")
GARBAGE: tuple[str | bytes, ...] = (
    "this is not JSON {",
    "[1, 2, 3]",
    '{"stream": "btcusdt@miniTicker", "data": {"e": "24hrMiniTicker", "E": 1, "s": "BTCUSDT"}}',
    '{"stream": "btcusdt@miniTicker", "data": {"e": "24hrMiniTicker", "E": 1, "s": "BTCUSDT", "c": "lots", "o": "1"}}',
    '{"stream": "dogeusdt@miniTicker", "data": {"e": "24hrMiniTicker", "E": 1, "s": "DOGEUSDT", "c": "1", "o": "1"}}',
    b"\x00\x01binary",
)


def _tickers() -> dict[str, dict[str, float]]:
    """Start values per symbol, from the REST payload the HTTP server answers with."""
    rows = json.loads((PAYLOADS / "binance" / "ticker_24hr_7_ok.json").read_text())
    return {
        row["symbol"]: {key: float(row[name]) for key, name in (("c", "lastPrice"), ("o", "openPrice"),
                        ("h", "highPrice"), ("l", "lowPrice"), ("v", "volume"), ("q", "quoteVolume"))}
        for row in rows
    }  # fmt: skip


class FakeTickStream:
    """The WebSocket server, its mode and rate, and counters the tests read."""

    def __init__(
        self,
        *,
        walk: RandomWalk,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_hz: float = 4.0,
        ping_interval: float = 20.0,
    ) -> None:
        self.walk = walk
        # Bound now, so the URL is known before start() (the HTTP server's base_urls()).
        self._sock = socket.create_server((host, port))
        self.host, self.port = self._sock.getsockname()[:2]
        self.rate_hz = rate_hz
        self.ping_interval = ping_interval
        self.mode = "normal"
        self.base = _tickers()
        self.connections: dict[ServerConnection, tuple[str, ...]] = {}
        self.counters = {"connections": 0, "sent": 0, "garbage_sent": 0, "dropped": 0}
        self._garbage = itertools.cycle(GARBAGE)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._wake: asyncio.Event | None = None
        # Called with (symbol, E) for each tick sent (bench/ticks.py measures from E).
        self.on_send: Callable[[str, int], None] | None = None

    async def _listen(self) -> Server:
        return await serve(
            self._serve,
            sock=self._sock,
            ping_interval=self.ping_interval,
            ping_timeout=self.ping_interval,
            compression=None,
        )

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    # --- life -------------------------------------------------------------------------------
    def start(self) -> FakeTickStream:
        ready = threading.Event()

        def run() -> None:
            loop = self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._wake = asyncio.Event()
            # ping_timeout: a client that stops answering pings is dropped, as Binance does.
            self._server = loop.run_until_complete(self._listen())
            pacer = loop.create_task(self._pace())
            ready.set()
            loop.run_forever()
            pacer.cancel()
            self._server.close()
            loop.run_until_complete(asyncio.gather(pacer, self._server.wait_closed(), return_exceptions=True))
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-upstream-ticks", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    # --- control (from the HTTP server's threads) ---------------------------------------------
    def control(self, *, mode: str | None = None, rate_hz: float | None = None, push: dict | None = None) -> dict:
        """Switch mode or rate, or push prices; returns the state. ValueError for a bad value."""
        if mode is not None and mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if rate_hz is not None and not (isinstance(rate_hz, int | float) and 0 < rate_hz <= 1000):
            raise ValueError("rate_hz must be a number in (0, 1000]")
        if push is not None and not (
            isinstance(push, dict)
            and all(s in self.base and isinstance(p, int | float) and p > 0 for s, p in push.items())
        ):
            raise ValueError(f"push must map symbols ({', '.join(sorted(self.base))}) to positive prices")
        asyncio.run_coroutine_threadsafe(self._control(mode, rate_hz, push), self._loop).result(5)
        return self.state()

    def state(self) -> dict[str, Any]:
        return {"mode": self.mode, "rate_hz": self.rate_hz, "open": len(self.connections), **self.counters}

    async def _control(self, mode: str | None, rate_hz: float | None, push: dict | None) -> None:
        if rate_hz is not None:
            self.rate_hz = float(rate_hz)
        if mode is not None:
            self.mode = mode
            if mode == "drop":
                for connection in list(self.connections):
                    self._cut(connection)
        if push:
            for symbol, price in push.items():
                with self.walk.lock:
                    self.walk.start.setdefault(symbol, self.base[symbol]["c"])
                    self.walk.now[symbol] = float(price)
                self._send_symbol(symbol, float(price))
        self._wake.set()  # a new rate takes effect now, not after the old period

    # --- serving ------------------------------------------------------------------------------
    async def _serve(self, connection: ServerConnection) -> None:
        parts = urlsplit(connection.request.path)
        names = (parse_qs(parts.query).get("streams") or [""])[0].split("/")
        symbols = tuple(
            name.split("@")[0].upper()
            for name in names
            if name.endswith("@miniTicker") and name.split("@")[0].upper() in self.base
        )
        self.counters["connections"] += 1
        if parts.path != "/stream" or not symbols:
            await connection.close(1008, "expected /stream?streams=<symbol>@miniTicker/...")
            return
        if self.mode == "drop":
            self._cut(connection)
            return
        self.connections[connection] = symbols
        try:
            await connection.wait_closed()
        finally:
            self.connections.pop(connection, None)

    def _cut(self, connection: ServerConnection) -> None:
        """Drop the TCP connection without a close frame, as a network failure would."""
        self.counters["dropped"] += 1
        self.connections.pop(connection, None)
        connection.transport.abort()

    async def _pace(self) -> None:
        while True:
            self._wake.clear()
            try:
                async with asyncio.timeout(1 / self.rate_hz):
                    await self._wake.wait()
                continue  # woken by a control: start a new period
            except TimeoutError:
                pass
            if self.mode in ("stall", "drop") or not self.connections:
                continue
            if self.mode == "garbage":
                garbage = next(self._garbage)
                broadcast(list(self.connections), garbage)
                self.counters["garbage_sent"] += len(self.connections)
            for symbol in sorted({s for symbols in self.connections.values() for s in symbols}):
                price, _ = self.walk.step(symbol, self.base[symbol]["c"], sigma=0.0005)
                self._send_symbol(symbol, price)

    def _send_symbol(self, symbol: str, price: float) -> None:
        base = self.base[symbol]
        sent_ms = int(time.time() * 1000)
        message = json.dumps(
            {
                "stream": f"{symbol.lower()}@miniTicker",
                "data": {
                    "e": "24hrMiniTicker",
                    "E": sent_ms,
                    "s": symbol,
                    "c": f"{price:.8f}",
                    "o": f"{base['o']:.8f}",
                    "h": f"{max(base['h'], price):.8f}",
                    "l": f"{min(base['l'], price):.8f}",
                    "v": f"{base['v']:.8f}",
                    "q": f"{base['q']:.8f}",
                },
            }
        )
        targets = [c for c, symbols in self.connections.items() if symbol in symbols]
        broadcast(targets, message)
        self.counters["sent"] += len(targets)
        if self.on_send is not None and targets:
            self.on_send(symbol, sent_ms)
