"""The home page view: the tiles of the newest stream entry, "no data yet" before the first.

Rendered by Django once per stream entry and variant, then replayed by the page cache
(shared_components/page_cache.py); rendered again after PAGE_RENDER_MAX_AGE for the ages it shows.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from islands.cache_system.selectors import summary_latest, ticks_latest
from islands.dashboard.pages import home_html
from islands.shared_components.page_cache import SUMMARY, page_cacheable, render_request


@page_cacheable(depends=(SUMMARY,), max_age=lambda: settings.PAGE_RENDER_MAX_AGE)
@csrf_exempt  # read-only: an unsafe method gets 405, not CSRF's 403
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    snapshot = summary_latest()
    ticks = ticks_latest() if snapshot is not None else None
    body = home_html(
        snapshot=snapshot,
        theme=request.theme,
        ticks=ticks,
        currency=request.currency,
        request=render_request(request),
    )
    response = HttpResponse(body, content_type="text/html; charset=utf-8")
    # Live data: a browser may keep a copy but must ask (a 304 costs a few hundred bytes).
    response["Cache-Control"] = "no-cache"
    if snapshot is not None:
        response["Last-Modified"] = http_date(snapshot.stored_at)
    return response
