"""The ASGI application bench/http.py serves: the site itself plus its two baselines, in one server.

- `/bench/asgi-constant`: a bare ASGI callable sending the home page's bytes (the ceiling);
- `/bench/django-constant`: a plain Django view returning the same bytes through the project's full
  middleware stack (the floor a hot GET must beat);
- everything else: cryptodash.asgi.application, exactly as `make run` serves it.

Benchmark-only: the extra route is appended to the URLconf of this process, never to the site's.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cryptodash.settings")

import django

django.setup()

from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402

import cryptodash.urls  # noqa: E402
from cryptodash.asgi import application as site  # noqa: E402
from islands.cache_system.selectors import summary_latest  # noqa: E402
from islands.dashboard.pages import home_render  # noqa: E402

_snapshot = summary_latest()
if _snapshot is None:
    raise SystemExit("bench/http_app: the stream is empty; bench/http.py stores a summary first")
PAGE = home_render(snapshot=_snapshot, lang="vi", theme="light").body
_HEADERS = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(PAGE)).encode())]


def django_constant(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE, content_type="text/html; charset=utf-8")


cryptodash.urls.urlpatterns.append(path("bench/django-constant", django_constant))


async def application(scope, receive, send) -> None:
    if scope["type"] == "http" and scope["path"] == "/bench/asgi-constant":
        await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
        await send({"type": "http.response.body", "body": PAGE})
        return
    await site(scope, receive, send)
