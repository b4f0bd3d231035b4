"""The ASGI application bench/http.py serves: the site itself plus its baselines, in one server.

- `/bench/asgi/<route>`: a bare ASGI callable sending the bytes the site answers for `<route>` (each
  route in BENCH_PATHS, a comma-separated list, its `?` written `/`; the ceiling for that route);
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
from django.test import Client  # noqa: E402 - after django.setup()
from django.urls import path  # noqa: E402 - after django.setup()

import cryptodash.urls  # noqa: E402 - after django.setup()
from cryptodash.asgi import application as site  # noqa: E402 - after django.setup()
from islands.cache_system.selectors import summary_latest  # noqa: E402 - after django.setup()

if summary_latest() is None:
    raise SystemExit("bench/http_app: the stream is empty; bench/http.py stores a summary first")


def _constant(route: str) -> tuple[dict, dict]:
    """The site's answer for route (through Django, as a first visitor gets it) as two ASGI messages."""
    response = Client(HTTP_HOST="127.0.0.1").get(route)
    if response.status_code != 200:
        raise SystemExit(f"bench/http_app: {route} answered {response.status_code}")
    body = response.content
    headers = [(b"content-type", response["Content-Type"].encode()), (b"content-length", str(len(body)).encode())]
    return {"type": "http.response.start", "status": 200, "headers": headers}, {
        "type": "http.response.body",
        "body": body,
    }


# A route's query becomes a path segment: `/crypto_reports_list?page=2` -> `/bench/asgi/crypto_reports_list/page=2`.
CONSTANTS = {
    "/bench/asgi" + route.replace("?", "/"): _constant(route) for route in os.environ.get("BENCH_PATHS", "/").split(",")
}
PAGE = CONSTANTS["/bench/asgi/"][1]["body"]


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
