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

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

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
    """The site's answer for route, as wrk gets it, as two ASGI messages.

    BENCH_BARE_HEADERS=same (bench/http.py's default): the status, every header and the body the
    site's application sends to wrk's request (a Host, nothing else), captured from it in a loop of
    its own, so the bare app sends the very same bytes and its rate is the server's ceiling for
    that answer. `minimal`: the body with a content type and length only, as before 2026-11-29:
    the ratio then also counts the server's cost of the site's other headers (CSP, ETag, Vary...).
    """
    if os.environ.get("BENCH_BARE_HEADERS", "same") == "minimal":
        response = Client(HTTP_HOST="127.0.0.1").get(route)
        if response.status_code != 200:
            raise SystemExit(f"bench/http_app: {route} answered {response.status_code}")
        body = response.content
        headers = [(b"content-type", response["Content-Type"].encode()), (b"content-length", str(len(body)).encode())]
        return {"type": "http.response.start", "status": 200, "headers": headers}, {
            "type": "http.response.body",
            "body": body,
        }
    # uvicorn imports this module inside its running loop: the capture gets a loop of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        start, body = pool.submit(asyncio.run, _site_answer(route)).result()
    if start["status"] != 200:
        raise SystemExit(f"bench/http_app: {route} answered {start['status']}")
    return start, body


async def _site_answer(route: str) -> tuple[dict, dict]:
    path, _, query = route.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        # As the "minimal" baseline's test client: links in the RSS feed and sitemap name this host.
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    messages: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        messages.append(message)

    for _ in range(2):  # the first renders and stores; the second is a replay, as wrk gets it
        messages.clear()
        await site(scope, receive, send)
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return dict(start, headers=list(start["headers"])), {"type": "http.response.body", "body": body}


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
