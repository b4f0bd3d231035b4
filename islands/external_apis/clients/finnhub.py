"""Finnhub stock quotes for the three index ETFs (DIA, SPY, QQQM), one call per symbol.

The key goes in the `X-Finnhub-Token` header rather than the `token` query parameter, so it never
appears in a URL. Finnhub answers 200 with zeros for an unknown symbol and 200 with `{"error"}`
for some failures: the first nulls that one symbol, the second fails the call.
"""

from __future__ import annotations

from islands.external_apis.clients.base import Deadline, UpstreamClient, number
from islands.external_apis.clients.types import StockQuote
from islands.external_apis.errors import AuthError, BadPayload, RateLimited, UpstreamError
from islands.external_apis.redaction import redact

MAX_PRICE = 1e7


class FinnhubClient(UpstreamClient):
    source = "finnhub"

    def quote(self, *, symbol: str, deadline: Deadline) -> StockQuote | None:
        """The quote, or None when Finnhub does not know the symbol (all zeros)."""
        data = self.get_json(
            "/api/v1/quote", deadline=deadline, params={"symbol": symbol}, headers={"X-Finnhub-Token": self.key}
        )
        if not isinstance(data, dict):
            raise BadPayload(self.source, "quote answer is not an object")
        error = data.get("error")
        if error:
            text = redact(str(error))[:160]
            if "limit" in text.lower():
                raise RateLimited(self.source, f"error body: {text}", retry_after=self.default_retry_after)
            if "key" in text.lower():
                raise AuthError(self.source, f"error body: {text}")
            raise UpstreamError(self.source, f"error body: {text}")
        price = number(data.get("c"), low=1e-9, high=MAX_PRICE)
        if price is None:
            return None
        return StockQuote(
            price=price,
            change=number(data.get("d"), low=-MAX_PRICE, high=MAX_PRICE),
            change_percent=number(data.get("dp"), low=-100.0, high=1e4),
        )
