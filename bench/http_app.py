"""The ASGI application bench/http.py serves: the site itself plus its baselines, in one server.

- `/bench/asgi-page`, `/bench/asgi-summary`: a bare ASGI callable sending the bytes of `/` or of the
  summary API (the ceiling for each);
- `/bench/django-page`: a plain Django view returning the home page's bytes through the project's
  full middleware stack (the floor a hot GET must beat);
- `/bench/stock/<path>`: `<path>` through Django's stock `ASGIHandler` (same settings, middleware
  and views), the handler the site used before cryptodash/django_http.py — "before" in the same run;
- everything else: cryptodash.asgi.application, exactly as `make run` serves it.

Benchmark-only: the extra route is appended to the URLconf of this process, never to the site's.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cryptodash.settings")

import django

django.setup()

from django.core.handlers.asgi import ASGIHandler  # noqa: E402 - after django.setup()
from django.http import HttpRequest, HttpResponse  # noqa: E402 - after django.setup()
from django.urls import path  # noqa: E402 - after django.setup()

import cryptodash.urls  # noqa: E402 - after django.setup()
from cryptodash.asgi import application as site  # noqa: E402 - after django.setup()
from islands.cache_system.selectors import summary_latest  # noqa: E402 - after django.setup()
from islands.dashboard.pages import home_render, summary_render  # noqa: E402 - after django.setup()

_snapshot = summary_latest()
if _snapshot is None:
    raise SystemExit("bench/http_app: the stream is empty; bench/http.py stores a summary first")
PAGE = home_render(snapshot=_snapshot, lang="vi", theme="light").body
SUMMARY = summary_render(snapshot=_snapshot).body


def _constant(body: bytes, content_type: bytes) -> tuple[dict, dict]:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    return {"type": "http.response.start", "status": 200, "headers": headers}, {
        "type": "http.response.body",
        "body": body,
    }


CONSTANTS = {
    "/bench/asgi-page": _constant(PAGE, b"text/html; charset=utf-8"),
    "/bench/asgi-summary": _constant(SUMMARY, b"application/json"),
}


def django_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE, content_type="text/html; charset=utf-8")


cryptodash.urls.urlpatterns.append(path("bench/django-page", django_page))
stock = ASGIHandler()
STOCK_PREFIX = "/bench/stock"


async def application(scope, receive, send) -> None:
    constant = CONSTANTS.get(scope.get("path")) if scope["type"] == "http" else None
    if constant is not None:
        await send(constant[0])
        await send(constant[1])
        return
    if scope["type"] == "http" and scope["path"].startswith(STOCK_PREFIX + "/"):
        inner = scope["path"][len(STOCK_PREFIX) :]
        await stock({**scope, "path": inner, "raw_path": inner.encode()}, receive, send)
        return
    await site(scope, receive, send)
