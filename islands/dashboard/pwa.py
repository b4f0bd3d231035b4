"""The installable app: the web app manifest, the service worker and /favicon.ico.

The worker is served from the site's root (its scope is every page) with `no-cache`, so a new
deploy's worker is picked up on the next visit; the hashed static URLs of the app shell are
written into it here, and its cache name is derived from them, so each deploy gets fresh caches
and the worker deletes the old ones on activate. Nothing here reads Redis or the database.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

# What a page needs to draw itself offline: the styles and scripts of the base template and the
# home page. Pages themselves and the summary API are cached as they are visited (network first).
SHELL = (
    "css/site.css",
    "css/timechart.css",
    "css/history_chart.css",
    "vendor/uplot/uPlot.min.css",
    "js/format.js",
    "js/site.js",
    "js/offline.js",
    "js/charts.js",
    "js/live.js",
    "js/flash.js",
    "js/theme.js",
    "js/timechart.js",
    "js/history_chart.js",
    "vendor/uplot/uPlot.iife.min.js",
    "dashboard/dashboard.js",
    "img/logo.svg",
    "img/icons/icon-192.png",
)


@lru_cache(maxsize=1)
def _worker_source() -> bytes:
    shell = [static(path) for path in SHELL]
    version = hashlib.sha256("\n".join(shell).encode()).hexdigest()[:12]
    return render_to_string(
        "dashboard/sw.js", {"shell_json": json.dumps(shell), "version_json": json.dumps(version)}
    ).encode()


@csrf_exempt
@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_worker_source(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@csrf_exempt
@require_safe
def manifest(request: HttpRequest) -> HttpResponse:
    body = {
        "name": _("cryptodash: crypto market dashboard"),
        "short_name": "cryptodash",
        "description": _("Live crypto prices, market data and reports."),
        "lang": request.LANGUAGE_CODE,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f4f6fa",
        "theme_color": "#1f56c7",
        "icons": [
            {"src": static("img/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("img/icons/maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": static("img/logo.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/manifest+json")
    response["Cache-Control"] = "max-age=3600"
    response["Vary"] = "Cookie, Accept-Language"
    return response


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    # Browsers and the admin ask for /favicon.ico whatever the page's <link rel=icon> says.
    return HttpResponsePermanentRedirect(static("img/favicon.ico"))
