"""CoinGecko public API: `/simple/price` (the price fallback), `/global` (market totals),
`/coins/markets` (the top-N table) and `/exchange_rates` (BTC-based rates: the display currencies).

CoinGecko's free tier answers 429 often, sometimes with a Cloudflare HTML page instead of JSON.
"""

from __future__ import annotations

from islands.cache_system.market_schema import tracked_coins
from islands.external_apis.clients.base import Deadline, UpstreamClient, number
from islands.external_apis.clients.types import CoinQuote, GlobalMetrics, MarketTable, Prices
from islands.external_apis.errors import BadPayload

MAX_PRICE = 1e9
MAX_TOTAL_USD = 1e15
MAX_SUPPLY = 1e18
MAX_ID = 100
SPARKLINE_POINTS = 168


class CoinGeckoClient(UpstreamClient):
    source = "coingecko"

    def simple_price(self, *, deadline: Deadline) -> Prices:
        coins = tracked_coins()
        params = {
            "ids": ",".join(coin.coingecko_id for coin in coins),
            "vs_currencies": "usd",
            "include_24hr_change": "true",
        }
        data = self.get_json("/api/v3/simple/price", deadline=deadline, params=params)
        if not isinstance(data, dict):
            raise BadPayload(self.source, "simple/price answer is not an object")
        quotes: dict[str, CoinQuote] = {}
        missing: dict[str, str] = {}
        for coin in coins:
            row = data.get(coin.coingecko_id)
            price = number(row.get("usd"), low=1e-12, high=MAX_PRICE) if isinstance(row, dict) else None
            if price is None:
                missing[coin.key] = "no usable usd price"
                continue
            quotes[coin.key] = CoinQuote(price, number(row.get("usd_24h_change"), low=-100.0, high=1e6))
        if not quotes:
            raise BadPayload(self.source, "no usable price in the answer")
        return Prices(quotes=quotes, missing=missing)

    def global_metrics(self, *, deadline: Deadline) -> GlobalMetrics:
        data = self.get_json("/api/v3/global", deadline=deadline)
        body = data.get("data") if isinstance(data, dict) else None
        if not isinstance(body, dict):
            raise BadPayload(self.source, "global answer has no data object")

        def usd(key: str) -> float | None:
            values = body.get(key)
            # Zero is CoinGecko's "unknown" (global_zero_values): no market is worth $0.
            return number(values.get("usd"), low=1.0, high=MAX_TOTAL_USD) if isinstance(values, dict) else None

        shares = body.get("market_cap_percentage")
        shares = shares if isinstance(shares, dict) else {}
        metrics = GlobalMetrics(
            market_cap_usd=usd("total_market_cap"),
            volume_24h_usd=usd("total_volume"),
            market_cap_change_percentage_24h_usd=(
                number(body.get("market_cap_change_percentage_24h_usd"), low=-100.0, high=1e4)
                if metrics_nonzero(body)
                else None
            ),
            btc_market_cap_percentage=number(shares.get("btc"), low=1e-9, high=100.0),
            eth_market_cap_percentage=number(shares.get("eth"), low=1e-9, high=100.0),
        )
        if metrics.market_cap_usd is None and metrics.volume_24h_usd is None:
            raise BadPayload(self.source, "global totals missing or zero")
        return metrics

    def coins_markets(self, *, top_n: int, deadline: Deadline) -> MarketTable:
        """The top `top_n` coins by market cap with 1h/24h/7d changes and 7-day sparklines."""
        params = {
            "vs_currency": "usd",
            "order": "market_cap_desc",
            "per_page": str(top_n),
            "page": "1",
            "sparkline": "true",
            "price_change_percentage": "1h,24h,7d",
        }
        data = self.get_json("/api/v3/coins/markets", deadline=deadline, params=params)
        if not isinstance(data, list):
            raise BadPayload(self.source, "coins/markets answer is not a list")
        coins: list[dict] = []
        sparklines: dict[str, list[float]] = {}
        skipped = 0
        for rank, row in enumerate(data[:top_n], start=1):
            coin = _market_row(row, rank) if isinstance(row, dict) else None
            if coin is None:
                skipped += 1
                continue
            coins.append(coin)
            holder = row.get("sparkline_in_7d")
            spark = holder.get("price") if isinstance(holder, dict) else None
            if isinstance(spark, list):
                points = [number(p, low=0.0, high=MAX_PRICE) for p in spark[-SPARKLINE_POINTS:]]
                if points and all(p is not None for p in points):
                    sparklines[coin["id"]] = [float(f"{p:.6g}") for p in points]
        if not coins:
            raise BadPayload(self.source, "no usable coin in the coins/markets answer")
        return MarketTable(coins=coins, sparklines=sparklines, skipped=skipped)

    def exchange_rates(self, *, deadline: Deadline) -> dict[str, float]:
        """Currency code -> units per BTC (CoinGecko's rates are BTC-based), usable values only."""
        data = self.get_json("/api/v3/exchange_rates", deadline=deadline)
        rates = data.get("rates") if isinstance(data, dict) else None
        if not isinstance(rates, dict):
            raise BadPayload(self.source, "exchange_rates answer has no rates object")
        values = {}
        for code, entry in rates.items():
            value = number(entry.get("value"), low=1e-12, high=1e18) if isinstance(entry, dict) else None
            if value is not None:
                values[str(code).lower()] = value
        if "usd" not in values:
            raise BadPayload(self.source, "exchange_rates answer has no usable usd rate")
        return values


def _text(value: object, limit: int = MAX_ID) -> str | None:
    return value.strip()[:limit] if isinstance(value, str) and value.strip() else None


def _market_row(row: dict, rank: int) -> dict | None:
    """One /coins/markets row in market_schema.MARKET_COIN_FIELDS; None without an id or a price."""
    coin_id, price = _text(row.get("id")), number(row.get("current_price"), low=1e-18, high=MAX_PRICE)
    if coin_id is None or price is None:
        return None
    cap_rank = row.get("market_cap_rank")
    image = _text(row.get("image"), 500)
    return {
        "rank": cap_rank if isinstance(cap_rank, int) and not isinstance(cap_rank, bool) and cap_rank > 0 else rank,
        "id": coin_id,
        "symbol": (_text(row.get("symbol"), 20) or "").upper() or None,
        "name": _text(row.get("name")),
        "image": image if image and image.startswith("https://") else None,
        "price_usd": price,
        # 0 is CoinGecko's "unknown" market cap (as in /global): no listed coin is worth $0.
        "market_cap": number(row.get("market_cap"), low=1.0, high=MAX_TOTAL_USD),
        "volume_24h": number(row.get("total_volume"), low=0.0, high=MAX_TOTAL_USD),
        "change_1h": number(row.get("price_change_percentage_1h_in_currency"), low=-100.0, high=1e6),
        "change_24h": number(
            row.get("price_change_percentage_24h_in_currency", row.get("price_change_percentage_24h")),
            low=-100.0,
            high=1e6,
        ),
        "change_7d": number(row.get("price_change_percentage_7d_in_currency"), low=-100.0, high=1e6),
        "high_24h": number(row.get("high_24h"), low=0.0, high=MAX_PRICE),
        "low_24h": number(row.get("low_24h"), low=0.0, high=MAX_PRICE),
        "circulating_supply": number(row.get("circulating_supply"), low=0.0, high=MAX_SUPPLY),
        "total_supply": number(row.get("total_supply"), low=0.0, high=MAX_SUPPLY),
        "max_supply": number(row.get("max_supply"), low=0.0, high=MAX_SUPPLY),
        "ath": number(row.get("ath"), low=0.0, high=MAX_PRICE),
        "ath_date": _text(row.get("ath_date"), 40),
        "ath_change_percentage": number(row.get("ath_change_percentage"), low=-100.0, high=1e9),
        "last_updated": _text(row.get("last_updated"), 40),
    }


def metrics_nonzero(body: dict) -> bool:
    """An answer whose totals are all zero carries no real 24 h change either."""
    totals = body.get("total_market_cap")
    return isinstance(totals, dict) and bool(number(totals.get("usd"), low=1.0, high=MAX_TOTAL_USD))
