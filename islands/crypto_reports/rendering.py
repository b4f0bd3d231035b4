"""Rendered-page reuse for the report pages: an ETag known before rendering, and stored bytes.

Rendering a report page through Django templates costs several milliseconds of CPU. The page
is a function of a few inputs (the report's content fingerprint, its neighbours, the latest
summary's stream id, language, theme, path, host and the deployed templates), so the ETag is a
digest of those: a conditional GET is answered 304 without rendering, and other requests for
the same inputs get the bytes rendered before (a small per-process LRU). It must be given every
input a page depends on; anything it is not given would be served stale.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import get_language

from islands.crypto_reports.content import fingerprint

STORED_PAGES = 128


class _PageStore:
    """A bounded LRU of rendered pages by ETag, shared by the threads of one process."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pages: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, etag: str) -> bytes | None:
        with self._lock:
            body = self._pages.get(etag)
            if body is not None:
                self._pages.move_to_end(etag)
            return body

    def put(self, etag: str, body: bytes) -> None:
        with self._lock:
            self._pages[etag] = body
            self._pages.move_to_end(etag)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


page_store = _PageStore(STORED_PAGES)


def _build_files() -> Iterable[Path]:
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += [Path(__file__).resolve().parent.parent]  # every island's templates and catalogues
    for root in roots:
        yield from sorted(root.rglob("*.html"))
        yield from sorted(root.rglob("*.mo"))
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists():
        yield manifest


@cache
def build_id() -> str:
    """Digest of the deployed templates, catalogues and static manifest: a deploy changes ETags."""
    return fingerprint(*(path.read_text(encoding="utf-8", errors="replace") for path in _build_files()))


def page_render(
    request: HttpRequest,
    *,
    template: str,
    inputs: tuple,
    context: Callable[[], dict],
    max_age: int,
) -> HttpResponse:
    """The page for inputs: 304 when the client has it, else stored or freshly rendered bytes."""
    user = request.user.pk if request.user.is_authenticated else None
    etag = (
        '"'
        + fingerprint(
            build_id(),
            request.scheme,
            request.get_host(),
            request.get_full_path(),
            get_language(),
            getattr(request, "theme", ""),
            str(user),
            repr(inputs),
        )
        + '"'
    )
    response = get_conditional_response(request, etag=etag)
    if response is None:
        body = page_store.get(etag)
        if body is None:
            body = render_to_string(template, context(), request).encode("utf-8")
            page_store.put(etag, body)
        response = HttpResponse(body)
    response["ETag"] = etag
    patch_cache_control(response, private=True, max_age=max_age)
    return response
