"""ASGI layer in front of Django for the two hot GETs: `/` and `/api/crypto/dashboard-summary`.

Stock Django under ASGI spends about 0.6 ms per request on thread hops and middleware
(PITFALLS.md); these two routes only ever serve stored bytes, so they are answered here, with the
same bytes and headers as the Django views (islands/dashboard/serving.py; the security headers
from settings, shared_components.security). Anything else — other paths and methods, a query
string (it may set a cookie), no data yet (Django renders "no data yet" / the 503), a plain-HTTP
request when SECURE_SSL_REDIRECT is on, the reports origin's host — goes to Django unchanged.

The latest snapshot is looked up at most once per SUMMARY_L1_TTL, in a thread; requests meanwhile
are answered from the one already known (only a process's very first request waits for it). A
variant for a new stream entry is rendered once in Django's sync thread; a page variant older than
PAGE_RENDER_MAX_AGE is re-rendered in the background while the old one is still served. Nothing
here blocks the loop on Redis or the database, and an unknown Host is left to Django's check.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.http.request import split_domain_port, validate_host

from islands.cache_system.selectors import SummarySnapshot, summary_latest
from islands.dashboard.rendered import Rendered, encoding_choose, not_modified
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
from islands.health_system.metrics import cache_counters_publish, request_observer
from islands.shared_components.preferences import LANGUAGE_COOKIE, THEME_COOKIE, language_detect, theme_detect
from islands.shared_components.security import is_reports_host, scope_is_secure

log = logging.getLogger(__name__)

# Values are the metric labels Django's middleware records for the same routes (view name for "",
# else the URL pattern), so the two paths add up in one series.
ROUTES = {"/": "home", "/api/crypto/dashboard-summary": "api/crypto/dashboard-summary"}
_WANTED = {b"host", b"accept-encoding", b"accept-language", b"cookie", b"if-none-match", b"if-modified-since"}


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


@functools.lru_cache(maxsize=256)
def _encoding_accepted(accept_encoding: str | None) -> str | None:
    """The encoding a client gets (br, gzip or None) for its header; clients send few distinct ones."""
    return encoding_choose(accept_encoding, _ALL_ENCODINGS)


_ALL_ENCODINGS = {"br": b"", "gzip": b""}


@functools.lru_cache(maxsize=64)
def _host_allowed(host: str | None) -> bool:
    """ALLOWED_HOSTS as Django applies it; anything else is left to Django (which answers 400).

    The reports origin's host is left to Django too: it serves report documents only (404 here).
    """
    if not host:
        return False
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS) and not is_reports_host(domain)


@functools.lru_cache(maxsize=1024)
def _preferences(cookie: str | None, accept_language: str | None) -> tuple[str, str]:
    """(language, theme) for these two headers, decided like the Django middleware does."""
    language = language_detect(query=None, cookie=_cookie(cookie, LANGUAGE_COOKIE), accept_language=accept_language)
    return language, theme_detect(query=None, cookie=_cookie(cookie, THEME_COOKIE))


def _home_render_sync(snapshot: SummarySnapshot, lang: str, theme: str) -> Rendered:
    try:
        return home_rendered(snapshot=snapshot, lang=lang, theme=theme)
    finally:
        close_old_connections()  # rendering may query the database outside a Django request


def _as_bytes(headers: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]


@dataclass(slots=True)
class _Prepared:
    """One variant's complete answer, headers already encoded: a hit sends it as is."""

    entry_id: str
    stale: bool
    expires: float  # time.monotonic()
    rendered: Rendered
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    not_modified_headers: list[tuple[bytes, bytes]]


def _prepare(
    rendered: Rendered,
    *,
    entry_id: str,
    stale: bool,
    max_age: float | None,
    encoding: str | None,
    vary: str,
    language: str | None,
    secure: bool,
) -> _Prepared:
    common = {
        "accept_encoding": encoding,
        "if_modified_since": None,
        "vary": vary,
        "language": language,
        "secure": secure,
    }
    full = reply_build(rendered, head=False, if_none_match=None, **common)
    current = reply_build(rendered, head=False, if_none_match="*", **common)
    return _Prepared(
        entry_id=entry_id,
        stale=stale,
        expires=rendered.rendered_at + max_age if max_age is not None else float("inf"),
        rendered=rendered,
        status=full.status,
        headers=_as_bytes(full.headers),
        body=full.body,
        not_modified_headers=_as_bytes(current.headers),
    )


_instances: list[DashboardFastPath] = []


def fastpath_reset() -> None:
    """Forget every instance's remembered snapshot and answers, and the stored bodies (tests)."""
    for instance in _instances:
        instance.reset()
    _preferences.cache_clear()
    _host_allowed.cache_clear()
    caches_reset()


def fastpath_stats() -> dict[str, int | None]:
    """Requests answered from prepared variants (hits) or after preparing one (misses), this process."""
    hits = sum(instance.hits for instance in _instances)
    misses = sum(instance.misses for instance in _instances)
    total = hits + misses
    return {"hits": hits, "misses": misses, "hit_ratio": round(hits / total, 4) if total else None}


class DashboardFastPath:
    def __init__(self, app: Any) -> None:
        _instances.append(self)
        self.app = app
        self.hits = 0
        self.misses = 0
        self.reset()

    def reset(self) -> None:
        self._snapshot: SummarySnapshot | None = None
        self._checked_at = float("-inf")
        self._ttl = 0.0
        self._stale_at = float("inf")
        self._inflight: asyncio.Future | None = None
        self._prepared: dict[tuple, _Prepared] = {}
        self._published_at = float("-inf")
        self._observers: dict[tuple[str, str, int], Callable[[float], None]] = {}
        self._rebuilding: set[tuple] = set()
        self._background: set[asyncio.Task] = set()

    def _in_background(self, coro: Any) -> None:
        # Requests keep being answered from what is known while this runs: under CPU contention a
        # thread hop can take tens of milliseconds, and no request should wait for it.
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _latest(self) -> SummarySnapshot | None:
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
            self._ttl = settings.SUMMARY_L1_TTL
            self._stale_at = snapshot.stored_at + settings.SUMMARY_STALE_AFTER if snapshot else float("inf")
        return snapshot

    async def _rebuild(self, key: tuple, **variant: Any) -> None:
        try:
            self._prepared[key] = await self._variant(key[0], **variant)
        except Exception:
            log.exception("re-rendering %s failed; the previous answer stays", key[0])
        finally:
            self._rebuilding.discard(key)

    async def _variant(
        self,
        route: str,
        *,
        snapshot: SummarySnapshot,
        stale: bool,
        language: str | None,
        theme: str | None,
        encoding: str | None,
        secure: bool,
    ) -> _Prepared:
        if route == "home":
            rendered = home_cached(snapshot=snapshot, lang=language, theme=theme)
            if rendered is None:
                rendered = await sync_to_async(_home_render_sync, thread_sensitive=True)(snapshot, language, theme)
            max_age, vary = settings.PAGE_RENDER_MAX_AGE, PAGE_VARY
        else:
            rendered, max_age, vary = summary_rendered(snapshot=snapshot), None, API_VARY
        return _prepare(
            rendered,
            entry_id=snapshot.stream_id,
            stale=stale,
            max_age=max_age,
            encoding=encoding,
            vary=vary,
            language=language,
            secure=secure,
        )

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        route = ROUTES.get(scope.get("path", "")) if scope["type"] == "http" else None
        method = scope.get("method")
        if route is None or method not in ("GET", "HEAD") or scope.get("query_string"):
            await self.app(scope, receive, send)
            return
        secure = scope_is_secure(scope)
        if settings.SECURE_SSL_REDIRECT and not secure:
            await self.app(scope, receive, send)  # Django's SecurityMiddleware redirects it
            return
        started = time.perf_counter()
        now = time.monotonic()
        snapshot = self._snapshot
        since_check = now - self._checked_at
        if since_check >= self._ttl:
            # Under steady traffic the lookup runs every TTL in the background and no request
            # waits for it. After an idle spell the remembered snapshot may be minutes old, and
            # serving it "while revalidating" would hand out stale prices: look it up first.
            if snapshot is None or since_check >= self._ttl + settings.FASTPATH_REVALIDATE_AFTER:
                snapshot = await self._latest()
            elif self._inflight is None:
                self._in_background(self._latest())
        if snapshot is None:
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        if not _host_allowed(headers.get(b"host")):
            await self.app(scope, receive, send)
            return
        language = theme = None
        if route == "home":
            language, theme = _preferences(headers.get(b"cookie"), headers.get(b"accept-language"))
        encoding = _encoding_accepted(headers.get(b"accept-encoding"))
        stale = snapshot.offline or time.time() > self._stale_at
        key = (route, language, theme, encoding, secure)
        prepared = self._prepared.get(key)
        variant = {
            "snapshot": snapshot,
            "stale": stale,
            "language": language,
            "theme": theme,
            "encoding": encoding,
            "secure": secure,
        }
        if prepared is None or prepared.entry_id != snapshot.stream_id or prepared.stale != stale:
            self.misses += 1
            prepared = self._prepared[key] = await self._variant(route, **variant)
        else:
            self.hits += 1
            if now >= prepared.expires and key not in self._rebuilding:
                self._rebuilding.add(key)
                self._in_background(self._rebuild(key, **variant))
        if_none_match, if_modified_since = headers.get(b"if-none-match"), headers.get(b"if-modified-since")
        if (if_none_match is not None or if_modified_since) and not_modified(
            prepared.rendered, if_none_match=if_none_match, if_modified_since=if_modified_since
        ):
            status, reply_headers, body = 304, prepared.not_modified_headers, b""
        else:
            status, reply_headers = prepared.status, prepared.headers
            body = b"" if method == "HEAD" else prepared.body
        await send({"type": "http.response.start", "status": status, "headers": reply_headers})
        await send({"type": "http.response.body", "body": body})
        self._observe(route, method, status, time.perf_counter() - started)

    def _observe(self, route: str, method: str, status: int, seconds: float) -> None:
        observer = self._observers.get((route, method, status))
        if observer is None:
            observer = self._observers[(route, method, status)] = request_observer(
                route=route, method=method, status=status
            )
        observer(seconds)
        if time.monotonic() - self._published_at >= 1.0:
            self._published_at = time.monotonic()
            cache_counters_publish(
                extra={
                    "fastpath": fastpath_stats(),
                    "rendered_page": page_cache.stats(),
                    "rendered_api": api_cache.stats(),
                },
                every=0.0,
            )
