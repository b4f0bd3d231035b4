"""Binance spot: 24 h tickers of every tracked coin in one call (`symbols=[...]`, weight 2), and
klines (OHLC candles) of one symbol and interval."""

from __future__ import annotations

import json

from islands.cache_system.market_schema import tracked_coins
from islands.external_apis.clients.base import Deadline, UpstreamClient, number
from islands.external_apis.clients.types import Candle, CoinQuote, Prices
from islands.external_apis.errors import BadPayload

MAX_PRICE = 1e9


class BinanceClient(UpstreamClient):
    source = "binance"

    def ticker_24h(self, *, deadline: Deadline) -> Prices:
        coins = tracked_coins()
        symbols = json.dumps([coin.binance_symbol for coin in coins], separators=(",", ":"))
        data = self.get_json("/api/v3/ticker/24hr", deadline=deadline, params={"symbols": symbols})
        if not isinstance(data, list):
            raise BadPayload(self.source, "ticker answer is not a list")
        by_symbol = {row.get("symbol"): row for row in data if isinstance(row, dict)}
        quotes: dict[str, CoinQuote] = {}
        missing: dict[str, str] = {}
        for coin in coins:
            row = by_symbol.get(coin.binance_symbol)
            if row is None:
                missing[coin.key] = "not in the batch answer"
                continue
            price = number(row.get("lastPrice"), low=1e-12, high=MAX_PRICE)
            if price is None:
                missing[coin.key] = "invalid lastPrice"
                continue
            quotes[coin.key] = CoinQuote(price, number(row.get("priceChangePercent"), low=-100.0, high=1e6))
        if not quotes:
            raise BadPayload(self.source, "no usable ticker in the answer")
        return Prices(quotes=quotes, missing=missing)

    def klines(self, *, symbol: str, interval: str, limit: int, deadline: Deadline) -> list[Candle]:
        """The last `limit` candles, oldest first; rows that do not parse are left out."""
        params = {"symbol": symbol, "interval": interval, "limit": str(limit)}
        data = self.get_json("/api/v3/klines", deadline=deadline, params=params)
        if not isinstance(data, list):
            raise BadPayload(self.source, "klines answer is not a list")
        candles = []
        for row in data:
            candle = _candle(row)
            if candle is not None:
                candles.append(candle)
        if data and not candles:
            raise BadPayload(self.source, "no usable candle in the klines answer")
        candles.sort(key=lambda c: c.open_time_ms)
        return candles


def _candle(row: object) -> Candle | None:
    """[open time, "open", "high", "low", "close", "volume", close time, ...] -> Candle."""
    if not isinstance(row, list) or len(row) < 6:
        return None
    opened = row[0]
    if not isinstance(opened, int) or isinstance(opened, bool) or opened <= 0:
        return None
    o, h, low, c = (number(v, low=1e-18, high=MAX_PRICE) for v in row[1:5])
    volume = number(row[5], low=0.0, high=1e18)
    if None in (o, h, low, c, volume) or not low <= min(o, c) <= max(o, c) <= h:
        return None
    return Candle(opened, o, h, low, c, volume)
