"""The markets pages: `/markets` (the table) and `/coin/<coingecko id>` (one coin).

Rendered by Django once per new markets entry (and summary, for the coin page's live price) and
variant (language, theme, currency, time zone), then replayed by the page cache; rendered again
after PAGE_RENDER_MAX_AGE for the ages they show. They read Redis through the selectors only.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from islands.cache_system.selectors import summary_latest
from islands.markets.coin_page import coin_context
from islands.markets.pages import markets_html
from islands.markets.params import MarketsQuery, markets_query_lenient
from islands.markets.selectors import markets_version, markets_view, rates_now
from islands.shared_components.page_cache import SUMMARY, content_kind_register, page_cacheable

MARKETS = content_kind_register("markets", markets_version)


def _live(response: HttpResponse, stored_at: float | None) -> HttpResponse:
    # Live data: a browser may keep a copy but must ask (a 304 costs a few hundred bytes).
    response["Cache-Control"] = "no-cache"
    if stored_at is not None:
        response["Last-Modified"] = http_date(stored_at)
    return response


# The table shows the tracked coins' live prices and the rates, which come with the summary.
@page_cacheable(query=("sort", "order", "q"), depends=(MARKETS, SUMMARY), max_age=lambda: settings.PAGE_RENDER_MAX_AGE)
@csrf_exempt  # read-only: an unsafe method gets 405, not CSRF's 403
@require_safe
def markets_page(request: HttpRequest) -> HttpResponse:
    view = markets_view()
    query = markets_query_lenient(request.GET, currency_default=request.currency)
    body = markets_html(view=view, query=query, request=request)
    return _live(HttpResponse(body, content_type="text/html; charset=utf-8"), view.stored_at if view else None)


@page_cacheable(depends=(MARKETS, SUMMARY), max_age=lambda: settings.PAGE_RENDER_MAX_AGE)
@csrf_exempt
@require_safe
def coin_page(request: HttpRequest, coin_id: str) -> HttpResponse:
    view = markets_view()
    context = coin_context(
        view=view, summary=summary_latest(), rates=rates_now(), coin_id=coin_id, currency=request.currency
    )
    if context is None:
        query = MarketsQuery(currency=request.currency, q=coin_id[:64])
        missing = {"nav": "markets", "coin_id": coin_id, "query": query, "table_known": view is not None}
        return render(request, "markets/coin_missing.html", missing, status=404)
    response = render(request, "markets/coin.html", context)
    return _live(response, view.stored_at if view else None)
