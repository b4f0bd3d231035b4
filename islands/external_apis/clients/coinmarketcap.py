"""CoinMarketCap global metrics: the fallback for CoinGecko's `/global` (key in a header)."""

from __future__ import annotations

from islands.external_apis.clients.base import Deadline, UpstreamClient, number
from islands.external_apis.clients.types import GlobalMetrics
from islands.external_apis.errors import BadPayload, UpstreamError
from islands.external_apis.redaction import redact

MAX_TOTAL_USD = 1e15


class CoinMarketCapClient(UpstreamClient):
    source = "coinmarketcap"

    def global_metrics(self, *, deadline: Deadline) -> GlobalMetrics:
        data = self.get_json(
            "/v1/global-metrics/quotes/latest", deadline=deadline, headers={"X-CMC_PRO_API_KEY": self.key}
        )
        if not isinstance(data, dict):
            raise BadPayload(self.source, "answer is not an object")
        status = data.get("status")
        if isinstance(status, dict) and status.get("error_code") not in (0, None):
            raise UpstreamError(self.source, f"error {status.get('error_code')}: {_status_message(status)}")
        body = data.get("data")
        usd = body.get("quote", {}).get("USD") if isinstance(body, dict) else None
        if not isinstance(usd, dict):
            raise BadPayload(self.source, "answer has no data.quote.USD")
        metrics = GlobalMetrics(
            market_cap_usd=number(usd.get("total_market_cap"), low=1.0, high=MAX_TOTAL_USD),
            volume_24h_usd=number(usd.get("total_volume_24h"), low=1.0, high=MAX_TOTAL_USD),
            market_cap_change_percentage_24h_usd=number(
                usd.get("total_market_cap_yesterday_percentage_change"), low=-100.0, high=1e4
            ),
            btc_market_cap_percentage=number(body.get("btc_dominance"), low=1e-9, high=100.0),
            eth_market_cap_percentage=number(body.get("eth_dominance"), low=1e-9, high=100.0),
        )
        if metrics.market_cap_usd is None and metrics.volume_24h_usd is None:
            raise BadPayload(self.source, "global totals missing")
        return metrics


def _status_message(status: dict) -> str:
    message = status.get("error_message")
    return redact(str(message))[:160] if message else "no message"
