"""Binance spot 24 h tickers: every tracked coin in one call (`symbols=[...]`, weight 2)."""

from __future__ import annotations

import json

from islands.cache_system.market_schema import tracked_coins
from islands.external_apis.clients.base import Deadline, UpstreamClient, number
from islands.external_apis.clients.types import CoinQuote, Prices
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
