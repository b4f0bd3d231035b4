"""One response cache for every cacheable page: Django renders, this ASGI layer replays.

A view declares itself cacheable with `@page_cacheable(...)`: the query parameters it reads and
the content it is a function of ("summary": the latest stream entry and whether it is stale;
"reports": a counter every report save or delete bumps, see `content_changed()`). For a GET or
HEAD of such a route the layer keys the answer by (path, declared query, host, scheme, language,
theme, currency, time zone) — the variant derived from the request exactly as PreferencesMiddleware derives it — and
replays Django's stored response: status, headers (the security headers included, as Django's
middleware set them), body in identity, gzip or br, ETag, 304 and HEAD. The validators are
Django's own: `conditional_page` on the view (ETag, 304 for answers Django gives itself) and
`get_conditional_response` here. A stored answer whose content version changed is rendered again
before it is served (a first request after a change costs one render); one older than the view's
max age (pages that show ages, PAGE_RENDER_MAX_AGE) is re-rendered in the background while it is
still served. Stored bytes are bounded by PAGE_CACHE_MAX_BYTES (least recently used go first).

Anything user-specific is never stored, as Django's cache middleware does it: requests with any
cookie but the preference cookies (a session, a CSRF token), an Authorization header, a
query parameter the view does not declare, an unknown or the reports host, plain HTTP under
SECURE_SSL_REDIRECT, other methods, conditional headers other than If-None-Match /
If-Modified-Since all go to Django untouched; a response that is not a 200, sets a cookie, says
`no-store` or varies on a header outside the key is passed on and never stored. Nothing here
blocks the event loop on Redis or the database: versions are looked up in a thread at most once
per SUMMARY_L1_TTL, renders run in Django.

A hit also remembers its whole answer for that exact request (path, query, method, scheme and
every header: a `_Replay`), so the same request again — a poller, a load balancer, the same
browser — is answered from it after a few identity checks instead of deriving key, variant,
version and encoding again: valid while the versions it was decided under are the current ones,
its page is still the one stored (any render or eviction forgets every replay), the summary's
staleness has not flipped and the page is within its max age.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import brotli
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.http.request import split_domain_port, validate_host
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe
from django.views.decorators.http import conditional_page

from islands.cache_system.selectors import content_versions, summary_latest
from islands.shared_components.preferences import (
    CURRENCY_COOKIE,
    LANGUAGE_COOKIE,
    PREFERENCE_COOKIES,
    THEME_COOKIE,
    TIME_ZONE_COOKIE,
    currency_detect,
    language_detect,
    theme_detect,
    time_zone_detect,
)
from islands.shared_components.security import is_reports_host, scope_is_secure

log = logging.getLogger(__name__)

SUMMARY = "summary"
# Content kinds a page may depend on beside the summary: each is a counter in Redis.
COUNTED = ("reports",)
# Content kinds whose version an island above reads itself (the markets table's newest stream
# entry): name -> reader, see content_kind_register().
_READERS: dict[str, Callable[[], Hashable | None]] = {}
# Below this size compression saves less than the headers it costs.
MIN_COMPRESS_BYTES = 512
# Headers a stored answer may vary on: Accept-Encoding is served from the stored encodings, the
# others are in the key (language, theme) or keep a request out of the cache (other cookies).
KEYED_VARY = frozenset({"accept-encoding", "accept-language", "cookie"})
# Conditional headers Django's get_conditional_response answers here; the others go to Django.
_OTHER_CONDITIONS = (b"if-match", b"if-unmodified-since")
_STRIPPED_FOR_RENDER = frozenset({b"accept-encoding", b"if-none-match", b"if-modified-since"})
_REPRESENTATION = frozenset({b"content-length", b"content-encoding", b"etag"})
_NOT_IN_304 = frozenset({b"content-type", b"content-length", b"content-encoding", b"content-language"})
# Remembered answers per exact request; all are forgotten when this many are kept (a client that
# varies its headers on every request just keeps replacing them). Each holds its request's
# headers (a few KB at most): ~1024 x headers of memory beside the stored pages they share.
REPLAYS_MAX = 1024


@dataclass(frozen=True, slots=True)
class Cacheable:
    """What a view declares: the query parameters it reads, the content it shows, its max age."""

    query: frozenset[str]
    depends: tuple[str, ...]
    max_age: float | Callable[[], float] | None

    def max_age_now(self) -> float | None:
        return self.max_age() if callable(self.max_age) else self.max_age


def page_cacheable(
    *,
    query: tuple[str, ...] = (),
    depends: tuple[str, ...] = (),
    max_age: float | Callable[[], float] | None = None,
) -> Callable:
    """Declare a GET view cacheable by the page cache (and give Django's own answers ETag/304).

    `query`: the parameters the view reads (a request with any other is not cached); `depends`:
    "summary" and/or the names in COUNTED; `max_age`: seconds (or a function reading them from
    settings) after which a stored page is rendered again although its content did not change.
    """
    unknown = set(depends) - {SUMMARY, *COUNTED, *_READERS}
    if unknown:
        known = ", ".join([SUMMARY, *COUNTED, *_READERS])
        raise ValueError(f"unknown content kinds {sorted(unknown)}; known: {known}")
    declared = Cacheable(query=frozenset(query), depends=tuple(depends), max_age=max_age)

    def decorator(view: Callable) -> Callable:
        wrapped = conditional_page(view)
        wrapped.page_cache = declared
        return wrapped

    return decorator


def content_kind_register(name: str, reader: Callable[[], Hashable | None]) -> str:
    """Let pages depend on `name`, whose current version `reader()` returns; returns name.

    For content kept by an island above this one (the markets stream): the island registers its
    reader before declaring pages that depend on it. The reader runs in a thread with the other
    look-ups, at most once per SUMMARY_L1_TTL, so it must be cheap (an L1-cached read); None or an
    exception means "not known now" (Redis down), and Django answers those pages meanwhile. A
    version that includes whether the content is stale makes a page say so within that TTL.
    """
    if name in (SUMMARY, *COUNTED):
        raise ValueError(f"content kind {name!r} is built in")
    _READERS[name] = reader
    return name


def render_request(request: HttpRequest) -> HttpRequest | None:
    """The request to render a cacheable page with: itself when it carries a session cookie, else None.

    A page cached for every anonymous visitor of a variant is rendered without the request, so its
    render reads neither the session nor the user and sets no CSRF cookie (its bytes are the same
    for everyone of the variant, and storable). A request with a session cookie never reaches the
    store (see the module's docstring): it is rendered with the request, so the header shows who
    is signed in and the log-out form carries its CSRF token.
    """
    return request if settings.SESSION_COOKIE_NAME in request.COOKIES else None


# --- The store --------------------------------------------------------------------------------


def _encoded(body: bytes) -> dict[str | None, bytes]:
    bodies: dict[str | None, bytes] = {None: body}
    if len(body) >= MIN_COMPRESS_BYTES:
        bodies["br"] = brotli.compress(body, quality=5)
        bodies["gzip"] = gzip.compress(body, compresslevel=6, mtime=0)
    return bodies


@dataclass(slots=True)
class Stored:
    """One variant's answer, each encoding's headers already built: a hit sends them as they are."""

    version: tuple
    rendered_at: float  # time.monotonic()
    status: int
    etag: str
    last_modified: int | None  # epoch seconds
    answers: dict[str | None, tuple[list[tuple[bytes, bytes]], bytes]]
    not_modified: dict[str | None, list[tuple[bytes, bytes]]]
    size: int


@dataclass(frozen=True, slots=True)
class _Replay:
    """A hit's answer to one exact request, and what it was decided under."""

    key: tuple
    stored: Stored
    versions: dict[str, Any]
    stale: bool | None  # the summary's staleness in its version; None: the page does not show it
    fresh_until: float  # time.monotonic() after which the page is due for a re-render
    label: str
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


def _vary_accept_encoding(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """headers with Accept-Encoding in Vary (patch_vary_headers' rule: added once, order kept)."""
    for index, (name, value) in enumerate(headers):
        if name == b"vary":
            if b"accept-encoding" in value.lower():
                return headers
            return [*headers[:index], (name, value + b", Accept-Encoding"), *headers[index + 1 :]]
    return [*headers, (b"vary", b"Accept-Encoding")]


def stored_build(*, version: tuple, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Stored:
    """Compress a rendered answer and prepare its headers per encoding (as GZipMiddleware does:
    a compressed representation carries the ETag as weak, so If-None-Match matches any of them)."""
    found = {name: value for name, value in headers}
    etag = found.get(b"etag", b"").decode("latin-1") or '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    modified = found.get(b"last-modified")
    kept = [(name, value) for name, value in headers if name not in _REPRESENTATION]
    bodies = _encoded(body)
    if len(bodies) > 1:
        kept = _vary_accept_encoding(kept)
    answers: dict[str | None, tuple[list[tuple[bytes, bytes]], bytes]] = {}
    not_modified: dict[str | None, list[tuple[bytes, bytes]]] = {}
    size = 0
    for encoding, encoded in bodies.items():
        tag = etag if encoding is None or etag.startswith("W/") else "W/" + etag
        own = [*kept, (b"etag", tag.encode("latin-1"))]
        if encoding:
            own.append((b"content-encoding", encoding.encode()))
        answers[encoding] = ([*own, (b"content-length", str(len(encoded)).encode())], encoded)
        not_modified[encoding] = [(name, value) for name, value in own if name not in _NOT_IN_304]
        size += len(encoded) + sum(len(n) + len(v) for n, v in own)
    return Stored(
        version=version,
        rendered_at=time.monotonic(),
        status=status,
        etag=etag,
        last_modified=parse_http_date_safe(modified.decode("latin-1")) if modified else None,
        answers=answers,
        not_modified=not_modified,
        size=size,
    )


class PageStore:
    """Stored answers by key, least recently used evicted beyond `budget` bytes."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.bytes = 0
        self.evictions = 0
        self._entries: OrderedDict[tuple, Stored] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple) -> Stored | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: tuple, stored: Stored) -> bool:
        """Keep stored (False when it alone takes more than a quarter of the budget)."""
        self.discard(key)
        if stored.size > self.budget // 4:
            return False
        self._entries[key] = stored
        self.bytes += stored.size
        while self.bytes > self.budget:
            _key, evicted = self._entries.popitem(last=False)
            self.bytes -= evicted.size
            self.evictions += 1
        return True

    def discard(self, key: tuple) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self.bytes -= old.size

    def clear(self) -> None:
        self._entries.clear()
        self.bytes = 0


# --- Request helpers --------------------------------------------------------------------------


@functools.lru_cache(maxsize=2048)
def _route(path: str) -> tuple[Cacheable, str] | None:
    """(declaration, metric label) of the view serving path, None when it is not cacheable."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    declared = getattr(match.func, "page_cache", None)
    if declared is None:
        return None
    # The label Django's metrics middleware records for the same route: one series for both.
    return declared, match.route or match.view_name


@functools.lru_cache(maxsize=64)
def _host_allowed(host: str) -> bool:
    """ALLOWED_HOSTS as Django applies it, and never the reports origin's host (Django 404s there)."""
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS) and not is_reports_host(domain)


@functools.lru_cache(maxsize=1024)
def _preferences(cookie: str) -> tuple[dict[str, str], bool]:
    """(the preference cookies' values by name, any other cookie present) of a Cookie header."""
    found: dict[str, str] = {}
    other = False
    for part in cookie.split(";"):
        name, _, value = part.strip().partition("=")
        if name in PREFERENCE_COOKIES:
            # A browser sends "Europe/Paris" as is; Django's SimpleCookie accepts the quoted form too.
            found[name] = value.strip('"')
        elif name:
            other = True
    return found, other


@functools.lru_cache(maxsize=1024)
def _variant(cookie: str, accept_language: str) -> tuple[str, str, str, str] | None:
    """(language, theme, currency, time zone) as PreferencesMiddleware decides them; None when
    another cookie is sent."""
    found, other = _preferences(cookie)
    if other:
        return None
    return (
        language_detect(query=None, cookie=found.get(LANGUAGE_COOKIE) or None, accept_language=accept_language or None),
        theme_detect(query=None, cookie=found.get(THEME_COOKIE) or None),
        currency_detect(query=None, cookie=found.get(CURRENCY_COOKIE) or None),
        time_zone_detect(query=None, cookie=found.get(TIME_ZONE_COOKIE) or None),
    )


@functools.lru_cache(maxsize=256)
def _encoding(accept_encoding: str) -> str | None:
    """br, else gzip, when the client accepts it (q > 0); None for identity."""
    accepted: dict[str, float] = {}
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        accepted[name.strip().lower()] = quality
    for name in ("br", "gzip"):
        if (accepted[name] if name in accepted else accepted.get("*", 0.0)) > 0:
            return name
    return None


@functools.lru_cache(maxsize=1024)
def _query_key(query_string: bytes, declared: frozenset[str]) -> tuple | None:
    """The declared parameters, sorted; None when one is undeclared, repeated or not text.

    Remembered: parsing is a few µs of a hit's ~5 µs on the full path, and pages are asked for
    with the same few queries (?page=2) again and again."""
    if not query_string:
        return ()
    try:
        pairs = parse_qsl(query_string.decode("ascii"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return None
    names = [name for name, _value in pairs]
    if len(set(names)) != len(names) or not set(names) <= declared:
        return None
    return tuple(sorted(pairs))


def _storable(status: int, headers: list[tuple[bytes, bytes]]) -> bool:
    """Django's cache middleware rules: a 200 without cookies, no-store or a Vary outside the key."""
    if status != 200:
        return False
    for name, value in headers:
        if name in {b"set-cookie", b"content-encoding"}:
            return False
        if name == b"cache-control" and b"no-store" in value.lower():
            return False
        if name == b"vary":
            varies = {token.strip().lower() for token in value.decode("latin-1").split(",")}
            if not varies <= KEYED_VARY:
                return False
    return True


def _no_body() -> Callable[[], Any]:
    """An ASGI `receive` for a GET rendered for the store: an empty body, then no disconnect
    (the render finishes even if the client that started it has gone)."""
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Future()  # Django cancels this wait when its response is sent
        raise AssertionError("unreachable")

    return receive


class _Captured:
    """An ASGI `send` that keeps the response instead of sending it."""

    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = [(bytes(name).lower(), bytes(value)) for name, value in message.get("headers", ())]
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))


# --- The layer --------------------------------------------------------------------------------

_instances: list[PageCache] = []


def page_cache_reset() -> None:
    """Forget every instance's versions, stored answers and counters (tests, a settings change)."""
    for instance in _instances:
        instance.reset()
    _decisions_forget()


def _decisions_forget() -> None:
    """Forget what was derived from the URLconf and settings: routes, allowed hosts, variants."""
    _route.cache_clear()
    _host_allowed.cache_clear()
    _variant.cache_clear()


@receiver(setting_changed)
def _settings_changed(**kwargs: Any) -> None:
    """A settings change (tests' override_settings): what was decided from settings is decided
    again — routes, hosts allowed, variants, and every remembered answer (SECURE_SSL_REDIRECT)."""
    for instance in _instances:
        instance._replays.clear()
    _decisions_forget()


def content_changed() -> None:
    """This process saw a change of counted content: look the versions up before the next answer.

    Other processes see the bumped counter within SUMMARY_L1_TTL.
    """
    for instance in _instances:
        instance.versions_expire()


def page_cache_stats() -> dict[str, int | float | None]:
    """Hits, misses (rendered before answering), passes (left to Django), bytes and entries."""
    hits = sum(instance.hits for instance in _instances)
    misses = sum(instance.misses for instance in _instances)
    total = hits + misses
    return {
        "hits": hits,
        "misses": misses,
        "passes": sum(instance.passes for instance in _instances),
        "hit_ratio": round(hits / total, 4) if total else None,
        "entries": sum(len(instance.store) for instance in _instances),
        "bytes": sum(instance.store.bytes for instance in _instances),
        "evictions": sum(instance.store.evictions for instance in _instances),
    }


Observer = Callable[..., Callable[[float], None]]


class PageCache:
    """ASGI middleware in front of Django's handler (cryptodash/asgi.py)."""

    def __init__(
        self,
        app: Any,
        *,
        observer: Observer | None = None,
        publish: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        _instances.append(self)
        self.app = app
        self.observer = observer
        self.publish = publish
        self.reset()

    def reset(self) -> None:
        self.hits = self.misses = self.passes = 0
        self.store = PageStore(settings.PAGE_CACHE_MAX_BYTES)
        self._versions: dict[str, Any] | None = None
        self._checked_at = float("-inf")
        self._ttl = 0.0
        self._stale_at = float("inf")
        self._offline = False
        self._lookup: asyncio.Future | None = None
        self._flights: dict[tuple, asyncio.Future] = {}
        self._background: set[asyncio.Task] = set()
        self._observers: dict[tuple[str, str, int], Callable[[float], None]] = {}
        self._published_at = float("-inf")
        self._replays: dict[tuple, _Replay] = {}

    def versions_expire(self) -> None:
        # A lookup already running may have read the counters before the change: its answer is
        # dropped (it is no longer `self._lookup`), and the next request looks them up again.
        self._lookup = None
        self._checked_at = float("-inf")

    # Versions ----------------------------------------------------------------------------------

    @staticmethod
    def _versions_read() -> dict[str, Any]:
        snapshot = summary_latest()
        counted = content_versions(names=COUNTED)
        versions: dict[str, Any] = {name: (counted or {}).get(name) for name in COUNTED}
        versions[SUMMARY] = snapshot.stream_id if snapshot else ""
        versions["_stale_at"] = snapshot.stored_at + settings.SUMMARY_STALE_AFTER if snapshot else float("inf")
        # Read while Redis did not answer: maybe not the newest there is, so pages say stale.
        versions["_offline"] = bool(snapshot and snapshot.offline)
        for name, reader in _READERS.items():
            try:
                versions[name] = reader()
            except Exception:
                log.exception("content version reader %r failed; its pages are answered by Django", name)
                versions[name] = None
        return versions

    async def _versions_lookup(self) -> dict[str, Any] | None:
        future = self._lookup
        if future is None or future.get_loop() is not asyncio.get_running_loop():
            future = self._lookup = asyncio.ensure_future(asyncio.to_thread(self._versions_read))
        try:
            versions = await asyncio.shield(future)
        except Exception:
            log.exception("content version lookup failed; Django answers this request")
            self._lookup = None
            return None
        if self._lookup is future:
            self._versions, self._checked_at, self._lookup = versions, time.monotonic(), None
            self._ttl = settings.SUMMARY_L1_TTL
            self._stale_at = versions["_stale_at"]
            self._offline = versions["_offline"]
        return versions

    async def _versions_current(self) -> dict[str, Any] | None:
        versions = self._versions
        since = time.monotonic() - self._checked_at
        if since >= self._ttl:
            # Under steady traffic the lookup runs every TTL beside the requests; after an idle
            # spell (or a change in this process) the remembered versions may be old: wait for it.
            if versions is None or since >= self._ttl + settings.PAGE_CACHE_REVALIDATE_AFTER:
                versions = await self._versions_lookup()
            elif self._lookup is None:
                self._in_background(self._versions_lookup())
        return versions

    def _in_background(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # Serving -----------------------------------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        found = _route(scope.get("path", ""))
        if found is None:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # A header carried per request (a proxy's request id) makes every request new: those are
        # answered by the full path below, as before replays existed.
        signature = (scope["path"], scope.get("query_string", b""), scope["method"], scope.get("scheme"))
        try:
            signature += tuple(scope["headers"])
            replay = self._replays.get(signature)
        except TypeError:  # ASGI allows [name, value] lists, which do not hash
            signature, replay = None, None
        if replay is not None and self._replay_valid(replay):
            self.hits += 1
            # New message dicts every time, as the full path sends: a receiver may change them
            # (a test client does). The headers list is the stored one, as on the full path.
            await send({"type": "http.response.start", "status": replay.status, "headers": replay.headers})
            await send({"type": "http.response.body", "body": replay.body})
            self._observe(replay.label, scope["method"], replay.status, time.perf_counter() - started)
            return
        declared, label = found
        key = self._key(scope, declared)
        versions = self._versions
        if key is not None and (versions is None or time.monotonic() - self._checked_at >= self._ttl):
            versions = await self._versions_current()
        version = self._version(declared, versions) if key is not None and versions is not None else None
        if key is None or version is None:
            self.passes += 1
            await self.app(scope, receive, send)
            return
        stored = self.store.get(key)
        if stored is None or stored.version != version:
            self.misses += 1
            stored, own = await self._rendered(key, version, scope)
            if not isinstance(stored, Stored):
                if own is not None:
                    # Rendered for this very request and not storable: it is still its answer.
                    await self._pass_on(scope, send, own)
                else:
                    await self.app(scope, receive, send)
                return
            start, body = self._answer(scope, stored)
        else:
            self.hits += 1
            max_age = declared.max_age_now()
            if max_age is not None and time.monotonic() - stored.rendered_at >= max_age and key not in self._flights:
                self._in_background(self._rendered(key, version, scope))
            start, body = self._answer(scope, stored)
            fresh_until = stored.rendered_at + max_age if max_age is not None else float("inf")
            if signature is not None and versions is self._versions and time.monotonic() < fresh_until:
                if len(self._replays) >= REPLAYS_MAX:
                    self._replays.clear()
                self._replays[signature] = _Replay(
                    key=key,
                    stored=stored,
                    versions=versions,
                    stale=version[declared.depends.index(SUMMARY) + 1] if SUMMARY in declared.depends else None,
                    fresh_until=fresh_until,
                    label=label,
                    status=start["status"],
                    headers=start["headers"],
                    body=body["body"],
                )
        await send(start)
        await send(body)
        self._observe(label, scope["method"], start["status"], time.perf_counter() - started)

    def _replay_valid(self, replay: _Replay) -> bool:
        """Whether a remembered answer is still the one the full path would give."""
        now = time.monotonic()
        return (
            replay.versions is self._versions
            and now - self._checked_at < self._ttl
            and now < replay.fresh_until
            and (replay.stale is None or replay.stale == (self._offline or time.time() > self._stale_at))
            and self.store.get(replay.key) is replay.stored
        )

    def _key(self, scope: dict[str, Any], declared: Cacheable) -> tuple | None:
        query = _query_key(scope.get("query_string", b""), declared.query)
        if query is None:
            return None
        secure = scope_is_secure(scope)
        if settings.SECURE_SSL_REDIRECT and not secure:
            return None  # Django's SecurityMiddleware redirects it
        host = cookie = accept_language = ""
        for name, value in scope["headers"]:
            if name == b"host":
                host = value.decode("latin-1")
            elif name == b"cookie":
                cookie = value.decode("latin-1")
            elif name == b"accept-language":
                accept_language = value.decode("latin-1")
            elif name == b"authorization" or name in _OTHER_CONDITIONS:
                return None
        if not host or not _host_allowed(host):
            return None  # Django answers 400 (or the reports host's 404)
        variant = _variant(cookie, accept_language)
        if variant is None:
            return None
        return (scope["path"], query, host.lower(), secure, *variant)

    def _version(self, declared: Cacheable, versions: dict[str, Any]) -> tuple | None:
        parts: list[Any] = []
        for name in declared.depends:
            value = versions.get(name)
            if value is None:
                return None  # not known (Redis down): Django answers
            parts.append(value)
            if name == SUMMARY:
                parts.append(self._offline or time.time() > self._stale_at)
        return tuple(parts)

    async def _rendered(
        self, key: tuple, version: tuple, scope: dict[str, Any]
    ) -> tuple[Stored | None, _Captured | None]:
        """The stored answer for key at version, rendered once however many requests wait for it.

        Second: the response Django gave when this request started the render and it could not be
        stored (a 404, a cookie): that answer was made for this request only, never for the others.
        """
        flight = self._flights.get(key)
        own = flight is None or flight.get_loop() is not asyncio.get_running_loop()
        if own:
            flight = self._flights[key] = asyncio.ensure_future(self._render(key, version, scope))
            flight.add_done_callback(lambda done, key=key: self._flight_done(key, done))
        try:
            result = await asyncio.shield(flight)
        except Exception:
            log.exception("rendering %s for the page cache failed; Django answers", key[0])
            return None, None
        if isinstance(result, Stored):
            return result, None
        return None, result if own else None

    def _flight_done(self, key: tuple, flight: asyncio.Future) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]

    async def _render(self, key: tuple, version: tuple, scope: dict[str, Any]) -> Stored | _Captured:
        # The full GET answer, identity encoded: the store compresses it and answers validators.
        headers = [(name, value) for name, value in scope["headers"] if name not in _STRIPPED_FOR_RENDER]
        captured = _Captured()
        await self.app({**scope, "method": "GET", "headers": headers}, _no_body(), captured.send)
        if not _storable(captured.status, captured.headers):
            self.store.discard(key)
            self._replays.clear()  # none may keep a page the store let go
            return captured
        # Compressing a large page (brotli and gzip of /markets' 160 KB) takes milliseconds: off the
        # event loop, so the hits it serves meanwhile are not held up behind it.
        stored = await asyncio.to_thread(
            functools.partial(
                stored_build,
                version=version,
                status=captured.status,
                headers=captured.headers,
                body=b"".join(captured.chunks),
            )
        )
        self.store.put(key, stored)
        self._replays.clear()  # the page they replay may be replaced or evicted now
        return stored

    @staticmethod
    async def _pass_on(scope: dict[str, Any], send: Any, captured: _Captured) -> None:
        body = b"" if scope["method"] == "HEAD" else b"".join(captured.chunks)
        await send({"type": "http.response.start", "status": captured.status, "headers": captured.headers})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _answer(scope: dict[str, Any], stored: Stored) -> tuple[dict[str, Any], dict[str, Any]]:
        """The two ASGI messages answering this request from stored (encoding, 304, HEAD)."""
        accept_encoding = if_none_match = if_modified_since = None
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                accept_encoding = value.decode("latin-1")
            elif name == b"if-none-match":
                if_none_match = value.decode("latin-1")
            elif name == b"if-modified-since":
                if_modified_since = value.decode("latin-1")
        encoding = _encoding(accept_encoding) if accept_encoding else None
        if encoding not in stored.answers:
            encoding = None
        headers, body = stored.answers[encoding]
        status = stored.status
        if if_none_match is not None or if_modified_since is not None:
            request = HttpRequest()
            request.method = "GET"
            if if_none_match is not None:
                request.META["HTTP_IF_NONE_MATCH"] = if_none_match
            if if_modified_since is not None:
                request.META["HTTP_IF_MODIFIED_SINCE"] = if_modified_since
            tag = stored.etag if encoding is None or stored.etag.startswith("W/") else "W/" + stored.etag
            if get_conditional_response(request, etag=tag, last_modified=stored.last_modified) is not None:
                status, headers, body = 304, stored.not_modified[encoding], b""
        return (
            {"type": "http.response.start", "status": status, "headers": headers},
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body},
        )

    def _observe(self, label: str, method: str, status: int, seconds: float) -> None:
        if self.observer is not None:
            observe = self._observers.get((label, method, status))
            if observe is None:
                observe = self._observers[(label, method, status)] = self.observer(
                    route=label, method=method, status=status
                )
            observe(seconds)
        if self.publish is not None and time.monotonic() - self._published_at >= 1.0:
            self._published_at = time.monotonic()
            self.publish({"page_cache": page_cache_stats()})
