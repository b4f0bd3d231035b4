"""TAAPI.io BTC/USDT daily RSI-14. The secret travels in the query string (TAAPI's only GET form),
so it is redacted from logs; TAAPI may answer 200 with an error body, e.g. its rate limit."""

from __future__ import annotations

from islands.external_apis.clients.base import Deadline, UpstreamClient, number
from islands.external_apis.clients.types import Rsi
from islands.external_apis.errors import AuthError, BadPayload, RateLimited, UpstreamError
from islands.external_apis.redaction import redact


class TaapiClient(UpstreamClient):
    source = "taapi"
    # Free plan: one call per 15 s.
    default_retry_after = 15.0

    def rsi(self, *, deadline: Deadline) -> Rsi:
        params = {"secret": self.key, "exchange": "binance", "symbol": "BTC/USDT", "interval": "1d"}
        data = self.get_json("/rsi", deadline=deadline, params=params)
        if not isinstance(data, dict):
            raise BadPayload(self.source, "answer is not an object")
        error = data.get("error") or (data.get("errors") or [None])[0]
        if error:
            text = redact(str(error))[:160]
            if "limit" in text.lower():
                raise RateLimited(self.source, f"error body: {text}", retry_after=self.default_retry_after)
            if "auth" in text.lower() or "secret" in text.lower():
                raise AuthError(self.source, f"error body: {text}")
            raise UpstreamError(self.source, f"error body: {text}")
        value = number(data.get("value"), low=0.0, high=100.0)
        if value is None:
            raise BadPayload(self.source, "RSI value missing or outside 0-100")
        return Rsi(value)
