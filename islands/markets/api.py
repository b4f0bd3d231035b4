"""The markets JSON API (SPEC §10): the table and a tracked coin's candles, thin views over selectors.

Never an upstream call inside a request: the table is the markets stream's newest entry, candles
are what beat stored in Redis (503 with a reason before the first fetch of either).
"""

from __future__ import annotations

import orjson
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.http import http_date

from islands.cache_system.market_schema import CANDLE_INTERVALS
from islands.markets.pages import markets_json
from islands.markets.params import QUERY_PARAMS, MarketsQueryError, markets_query_parse
from islands.markets.selectors import UnknownCandles, candles_of, markets_view
from islands.markets.views import MARKETS
from islands.shared_components.json_http import api_methods, json_error, params_check
from islands.shared_components.page_cache import SUMMARY, page_cacheable


def _no_data(reason: str) -> JsonResponse:
    response = json_error(503, "no data yet", reason=reason)
    response["Retry-After"] = "30"
    return response


@page_cacheable(query=QUERY_PARAMS, depends=(MARKETS, SUMMARY))
@api_methods("GET")
def markets(request: HttpRequest) -> HttpResponse:
    if bad := params_check(request, allowed=QUERY_PARAMS):
        return bad
    try:
        query = markets_query_parse(request.GET, currency_default=request.currency)
    except MarketsQueryError as exc:
        return json_error(400, str(exc), param=exc.param)
    view = markets_view()
    if view is None:
        return _no_data("the market table has not been fetched yet; beat fetches it once a minute")
    response = HttpResponse(markets_json(view=view, query=query), content_type="application/json")
    response["Cache-Control"] = "no-cache"
    response["Last-Modified"] = http_date(view.stored_at)
    return response


@api_methods("GET")
def coin_candles(request: HttpRequest, coin_id: str) -> HttpResponse:
    if bad := params_check(request, allowed=("interval",)):
        return bad
    interval = request.GET.get("interval", "1h")
    if interval not in CANDLE_INTERVALS:
        return json_error(400, f"interval must be one of {', '.join(CANDLE_INTERVALS)}", param="interval")
    try:
        candles = candles_of(coin_id=coin_id, interval=interval)
    except UnknownCandles as exc:
        return json_error(404, str(exc), param="id")
    if not candles.rows:
        return _no_data(f"{candles.reason or 'no candles stored yet'}; beat fetches them, a request never does")
    body = {
        "id": coin_id,
        "interval": interval,
        "source": candles.source or "binance",
        "updated_at": candles.updated_at,
        "age_s": candles.age_s,
        "stale": candles.stale,
        "reason": candles.reason,
        "candles": candles.rows,
    }
    payload = orjson.dumps(body)
    response = HttpResponse(b"" if request.method == "HEAD" else payload, content_type="application/json")
    response["Content-Length"] = str(len(payload))
    # Beat refreshes them every 5 to 60 minutes by interval: a short reuse costs no freshness.
    response["Cache-Control"] = "max-age=30"
    return response
