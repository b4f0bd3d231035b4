"""The markets JSON API (SPEC §10): thin views over the selectors.

Never an upstream call inside a request: the table is the markets stream's newest entry (503 with
a reason before the first fetch).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.http import http_date

from islands.markets.pages import markets_json
from islands.markets.params import QUERY_PARAMS, MarketsQueryError, markets_query_parse
from islands.markets.selectors import markets_view
from islands.markets.views import MARKETS
from islands.shared_components.json_http import api_methods, json_error, params_check
from islands.shared_components.page_cache import page_cacheable


def _no_data(reason: str) -> JsonResponse:
    response = json_error(503, "no data yet", reason=reason)
    response["Retry-After"] = "30"
    return response


@page_cacheable(query=QUERY_PARAMS, depends=(MARKETS,))
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
