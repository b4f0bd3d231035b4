"""ASGI layer in front of Django for the two hot GETs: `/` and `/api/crypto/dashboard-summary`.

Stock Django under ASGI spends about 0.6 ms per request on thread hops and middleware
(PITFALLS.md); these two routes only ever serve stored bytes, so they are answered here, with the
same bytes and headers as the Django views (islands/dashboard/serving.py). Anything else — other
paths and methods, a query string (it may set a cookie), no data yet (Django renders "no data
yet" / the 503) — goes to Django unchanged.

The latest snapshot is looked up at most once per SUMMARY_L1_TTL, off the event loop, and shared by
every request meanwhile; a missing page variant is rendered in Django's sync thread. Nothing here
blocks the loop on Redis or the database.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from islands.cache_system.selectors import SummarySnapshot, summary_latest
from islands.dashboard.rendered import Rendered
from islands.dashboard.serving import (
    API_VARY,
    PAGE_VARY,
    api_cache,
    caches_reset,
    home_cached,
    home_rendered,
    page_cache,
    reply_build,
    summary_rendered,
)
from islands.health_system.metrics import cache_counters_publish, request_observe
from islands.shared_components.preferences import LANGUAGE_COOKIE, THEME_COOKIE, language_detect, theme_detect

log = logging.getLogger(__name__)

ROUTES = {"/": "home", "/api/crypto/dashboard-summary": "dashboard-summary"}
_WANTED = {b"accept-encoding", b"accept-language", b"cookie", b"if-none-match", b"if-modified-since"}


def _headers(scope: dict[str, Any]) -> dict[bytes, str]:
    found: dict[bytes, str] = {}
    for name, value in scope["headers"]:
        if name in _WANTED:
            found[name] = value.decode("latin-1")
    return found


def _cookie(header: str | None, name: str) -> str | None:
    if not header:
        return None
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value.strip('"')
    return None


def _home_render_sync(snapshot: SummarySnapshot, lang: str, theme: str) -> Rendered:
    try:
        return home_rendered(snapshot=snapshot, lang=lang, theme=theme)
    finally:
        close_old_connections()  # rendering may query the database outside a Django request


_instances: list[DashboardFastPath] = []


def fastpath_reset() -> None:
    """Forget every instance's remembered snapshot and the stored bodies (tests that empty Redis)."""
    for instance in _instances:
        instance.reset()
    caches_reset()


class DashboardFastPath:
    def __init__(self, app: Any) -> None:
        _instances.append(self)
        self.app = app
        self._snapshot: SummarySnapshot | None = None
        self._checked_at = float("-inf")
        self._inflight: asyncio.Future | None = None

    def reset(self) -> None:
        """Forget the remembered snapshot (tests that empty Redis between cases)."""
        self._snapshot = None
        self._checked_at = float("-inf")
        self._inflight = None

    async def _latest(self) -> SummarySnapshot | None:
        if time.monotonic() - self._checked_at < settings.SUMMARY_L1_TTL:
            return self._snapshot
        future = self._inflight
        if future is None or future.get_loop() is not asyncio.get_running_loop():
            future = self._inflight = asyncio.ensure_future(asyncio.to_thread(summary_latest))
        try:
            snapshot = await asyncio.shield(future)
        except Exception:
            log.exception("summary lookup failed; Django answers this request")
            self._inflight = None
            return None
        if self._inflight is future:
            self._snapshot, self._checked_at, self._inflight = snapshot, time.monotonic(), None
        return snapshot

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        route = ROUTES.get(scope.get("path", "")) if scope["type"] == "http" else None
        if route is None or scope["method"] not in ("GET", "HEAD") or scope.get("query_string"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        snapshot = await self._latest()
        if snapshot is None:
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        language = None
        if route == "home":
            cookie = headers.get(b"cookie")
            language = language_detect(
                query=None,
                cookie=_cookie(cookie, LANGUAGE_COOKIE),
                accept_language=headers.get(b"accept-language"),
            )
            theme = theme_detect(query=None, cookie=_cookie(cookie, THEME_COOKIE))
            rendered = home_cached(snapshot=snapshot, lang=language, theme=theme)
            if rendered is None:
                rendered = await sync_to_async(_home_render_sync, thread_sensitive=True)(snapshot, language, theme)
            vary = PAGE_VARY
        else:
            rendered = summary_rendered(snapshot=snapshot)
            vary = API_VARY
        reply = reply_build(
            rendered,
            head=scope["method"] == "HEAD",
            accept_encoding=headers.get(b"accept-encoding"),
            if_none_match=headers.get(b"if-none-match"),
            if_modified_since=headers.get(b"if-modified-since"),
            vary=vary,
            language=language,
        )
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in reply.headers],
            }
        )
        await send({"type": "http.response.body", "body": reply.body})
        request_observe(route=route, method=scope["method"], status=reply.status, seconds=time.perf_counter() - started)
        cache_counters_publish(extra={"rendered_page": page_cache.stats(), "rendered_api": api_cache.stats()})
