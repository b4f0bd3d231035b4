"""Django's ASGI handler for HTTP with one thread hop per request instead of a dozen.

Stock `get_asgi_application()` builds the middleware chain async and crosses between the event
loop and threads again and again: `request_started`'s sync receivers, each MiddlewareMixin's
`process_request`/`process_response` through `sync_to_async`, an `AsyncToSync` at every sync-only
middleware, `response.close()` — and asgiref's ThreadSensitiveContext starts (and joins) a fresh
thread for every request. On this project's 2-core VM that was 3-8 ms of CPU for a constant view.

Here the chain is built sync, as under WSGI, and a request makes a single trip into a fixed pool of
threads: `request_started`, the middleware and the view, the body, `response.close()` (and so
`request_finished`) all run there, in one thread, in a copy of the request task's context; the
loop only reads the request body and writes the response. That is a threaded WSGI server's model,
so each pool thread keeps its own database connection and CONN_MAX_AGE works again.

It must not run async views or async middleware for speed: an async view still works (Django wraps
it in `async_to_sync`) but costs an event loop of its own; the site's views are sync.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import weakref
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import django
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpRequest, HttpResponseBase
from django.urls import ResolverMatch, URLResolver, get_resolver, set_script_prefix, set_urlconf

_DONE = object()
_handlers: weakref.WeakSet[ThreadedASGIHandler] = weakref.WeakSet()


class ThreadedASGIHandler(ASGIHandler):
    """`ASGIHandler` whose sync middleware chain runs in one pooled thread per request."""

    def __init__(self, *, threads: int) -> None:
        base.BaseHandler.__init__(self)  # not ASGIHandler.__init__: it builds the chain async
        self.load_middleware(is_async=False)
        self._threads = threads
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="django-http")
        _handlers.add(self)

    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        """Django's resolve_request, with the match of a path remembered (_resolved).

        Resolving walks the URL patterns in order, nested includes and all: ~40 regex matches and
        a dozen objects for a route near the end, on every request. The same path always resolves
        to the same view and arguments for one URLconf (a new resolver after
        `clear_url_caches()`, e.g. in tests, is a new key) — as long as the URLconf does not
        depend on the active language: with `i18n_patterns` or translated routes, add the
        language to the key. Each request gets its own copy of the match and of its kwargs
        (a process_view middleware may change the kwargs it is handed).
        """
        if hasattr(request, "urlconf"):
            set_urlconf(request.urlconf)
            resolver = get_resolver(request.urlconf)
        else:
            resolver = get_resolver()
        path = request.path_info
        match = _resolved(resolver, path) if len(path) <= RESOLVED_PATH_MAX else resolver.resolve(path)
        request.resolver_match = match = _own_copy(match)
        return match

    def threads_renew(self) -> None:
        """Go on with new threads once the current ones are idle (and their connections gone)."""
        old, self._executor = self._executor, ThreadPoolExecutor(self._threads, thread_name_prefix="django-http")
        old.shutdown(wait=True)

    async def __call__(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        loop = asyncio.get_running_loop()
        # The request task's context (contextvars, asgiref Locals) goes with the request, as
        # sync_to_async would carry it; the pool thread's own context never leaks between requests.
        context = contextvars.copy_context()
        response = await loop.run_in_executor(self._executor, context.run, self._respond, scope, body_file)
        if not response.streaming:
            await self.send_response(response, send)
            return
        closed = False
        try:
            closed = await self._stream(response, send, loop, context)
        finally:
            if not closed:
                # Not awaited: a server cancelling this task (client gone) must not skip the close.
                self._executor.submit(context.run, response.close)

    def _respond(self, scope: dict[str, Any], body_file: Any) -> HttpResponseBase:
        """In a pool thread: what Django's ASGIHandler.handle does around the (sync) chain."""
        try:
            set_script_prefix(get_script_prefix(scope))
            signals.request_started.send(sender=self.__class__, scope=scope)
            request, response = self.create_request(scope, body_file)
            if request is not None:
                response = self.get_response(request)
                response._handler_class = self.__class__
                if isinstance(response, FileResponse):
                    response.block_size = self.chunk_size  # the server chunks; fewer hops
            if not response.streaming:
                # The body is in memory: close now (request_finished: this thread's database
                # connection) rather than in a second trip after sending.
                response.close()
            return response
        finally:
            body_file.close()

    async def _stream(
        self, response: HttpResponseBase, send: Callable[[dict], Awaitable[None]], loop: Any, context: Any
    ) -> bool:
        """Send a streaming response; True when it was closed (the sync case closes in its last trip)."""
        await send({"type": "http.response.start", "status": response.status_code, "headers": _headers(response)})
        closed = False
        if response.is_async:
            async for part in response.streaming_content:
                await self._send_part(part, send)
        else:
            # A sync iterator (files, generators) is read in the pool, one chunk per trip, instead of
            # Django's ASGI fallback that reads all of it into memory first.
            parts: Iterator[bytes] = iter(response.streaming_content)
            while (
                part := await loop.run_in_executor(self._executor, context.run, _next_or_close, parts, response)
            ) is not _DONE:
                await self._send_part(part, send)
            closed = True
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return closed

    async def _send_part(self, part: bytes, send: Callable[[dict], Awaitable[None]]) -> None:
        for chunk, _last in self.chunk_bytes(part):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})


# Longer paths are resolved every time: with catch-all routes (the admin's, a slug, a token) a
# scan of long random paths would otherwise fill the memo with them.
RESOLVED_PATH_MAX = 200


@functools.lru_cache(maxsize=2048)
def _resolved(resolver: URLResolver, path: str) -> ResolverMatch:
    """resolver.resolve(path), at most 2,048 paths of at most RESOLVED_PATH_MAX characters; a
    Resolver404 is raised again each time, never remembered."""
    return resolver.resolve(path)


def _own_copy(match: ResolverMatch) -> ResolverMatch:
    """A request's own ResolverMatch and kwargs (copy.copy refuses: ResolverMatch forbids pickling)."""
    own = object.__new__(ResolverMatch)
    own.__dict__.update(match.__dict__)
    own.kwargs = dict(match.kwargs)
    return own


def _next_or_close(parts: Iterator[bytes], response: HttpResponseBase) -> Any:
    """In a pool thread: the next part, or _DONE once the response is read and closed."""
    part = next(parts, _DONE)
    if part is _DONE:
        response.close()
    return part


def _headers(response: HttpResponseBase) -> list[tuple[bytes, bytes]]:
    """Response headers and cookies as ASGI wants them (as ASGIHandler.send_response builds them)."""
    headers = [(name.encode("ascii"), value.encode("latin1")) for name, value in response.items()]
    headers += [
        (b"Set-Cookie", cookie.output(header="").encode("ascii").strip()) for cookie in response.cookies.values()
    ]
    return headers


def django_threads_renew() -> None:
    """New threads for every handler: the test suite calls it after each test, since a pool
    thread keeps its (in-memory SQLite) connection, which pytest-django refuses in a later test
    that has no database access."""
    for handler in list(_handlers):
        handler.threads_renew()


def threaded_asgi_application(before_middleware: Callable[[], None] | None = None) -> ThreadedASGIHandler:
    """`django.core.asgi.get_asgi_application()` with the threaded handler (DJANGO_HTTP_THREADS threads).

    `before_middleware` runs once Django is set up, before the middleware chain is built.
    """
    django.setup(set_prefix=False)
    if before_middleware is not None:
        before_middleware()
    return ThreadedASGIHandler(threads=settings.DJANGO_HTTP_THREADS)
