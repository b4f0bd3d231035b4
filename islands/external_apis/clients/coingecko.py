"""CoinGecko public API: `/simple/price` (the price fallback) and `/global` (market totals).

CoinGecko's free tier answers 429 often, sometimes with a Cloudflare HTML page instead of JSON.
"""

from __future__ import annotations

from islands.cache_system.market_schema import tracked_coins
from islands.external_apis.clients.base import Deadline, UpstreamClient, number
from islands.external_apis.clients.types import CoinQuote, GlobalMetrics, Prices
from islands.external_apis.errors import BadPayload

MAX_PRICE = 1e9
MAX_TOTAL_USD = 1e15


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


def metrics_nonzero(body: dict) -> bool:
    """An answer whose totals are all zero carries no real 24 h change either."""
    totals = body.get("total_market_cap")
    return isinstance(totals, dict) and bool(number(totals.get("usd"), low=1.0, high=MAX_TOTAL_USD))
