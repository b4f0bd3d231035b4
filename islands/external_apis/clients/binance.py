"""Binance spot 24 h tickers: all seven coins in one call (`symbols=[...]`, weight 2)."""

from __future__ import annotations

import json

from islands.external_apis.clients.base import Deadline, UpstreamClient, number
from islands.external_apis.clients.types import BINANCE_SYMBOLS, COINS, CoinQuote, Prices
from islands.external_apis.errors import BadPayload

MAX_PRICE = 1e9


class BinanceClient(UpstreamClient):
    source = "binance"

    def ticker_24h(self, *, deadline: Deadline) -> Prices:
        symbols = json.dumps([BINANCE_SYMBOLS[coin] for coin in COINS], separators=(",", ":"))
        data = self.get_json("/api/v3/ticker/24hr", deadline=deadline, params={"symbols": symbols})
        if not isinstance(data, list):
            raise BadPayload(self.source, "ticker answer is not a list")
        by_symbol = {row.get("symbol"): row for row in data if isinstance(row, dict)}
        quotes: dict[str, CoinQuote] = {}
        missing: dict[str, str] = {}
        for coin in COINS:
            row = by_symbol.get(BINANCE_SYMBOLS[coin])
            if row is None:
                missing[coin] = "not in the batch answer"
                continue
            price = number(row.get("lastPrice"), low=1e-12, high=MAX_PRICE)
            if price is None:
                missing[coin] = "invalid lastPrice"
                continue
            quotes[coin] = CoinQuote(price, number(row.get("priceChangePercent"), low=-100.0, high=1e6))
        if not quotes:
            raise BadPayload(self.source, "no usable ticker in the answer")
        return Prices(quotes=quotes, missing=missing)
