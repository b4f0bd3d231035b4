"""GET /api/crypto/history?field=<summary field>&range=1h|24h|7d|30d: one field's time series.

A thin view over islands.cache_system.history.history_series (table for older entries, stream
for recent ones, at most 500 averaged points). It validates nothing itself beyond the query
parameter names: the selector's allow-lists answer unknown fields and ranges with 400.
"""

from __future__ import annotations

import orjson
from django.http import HttpRequest, HttpResponse

from islands.cache_system.history import HISTORY_RANGES, HistoryQueryError, history_fields, history_series
from islands.dashboard.http import api_methods, json_error, params_check

DEFAULT_FIELD = "btc_price_usd"
DEFAULT_RANGE = "24h"


@api_methods("GET")
def crypto_history(request: HttpRequest) -> HttpResponse:
    if bad := params_check(request, allowed=("field", "range")):
        return bad
    field = request.GET.get("field", DEFAULT_FIELD)
    range_ = request.GET.get("range", DEFAULT_RANGE)
    try:
        series = history_series(field=field, range_=range_)
    except HistoryQueryError as exc:
        return json_error(400, str(exc), fields=list(history_fields()), ranges=list(HISTORY_RANGES))
    if series.latest_ms is None:
        response = json_error(
            503, "no data yet", reason="no market data has been stored yet; the first ingest run stores it"
        )
        response["Retry-After"] = "10"
        return response
    body = orjson.dumps(
        {
            "field": series.field,
            "range": series.range,
            "start_ms": series.start_ms,
            "end_ms": series.end_ms,
            "bucket_ms": series.bucket_ms,
            "latest_ms": series.latest_ms,
            "points": series.points,
            # Entries averaged into the points, per store; table null: the database was unreachable.
            "sources": {"table": series.table_entries, "stream": series.stream_entries},
            "table_error": series.table_error,
        }
    )
    response = HttpResponse(b"" if request.method == "HEAD" else body, content_type="application/json")
    response["Content-Length"] = str(len(body))
    # A new summary arrives every ~10 s; a few seconds of reuse costs nothing in freshness.
    response["Cache-Control"] = "max-age=5"
    return response
