"""Rendered response bodies kept in memory: each page or API body is rendered once per new stream
entry (and per language, theme and staleness), compressed once, and served as stored bytes.

Rendering a template costs about 0.7 ms and a hot GET must not pay it (PITFALLS.md). This module
only stores bytes and answers HTTP caching questions (ETag, Last-Modified, 304, Accept-Encoding);
it must not read the stream or render anything itself: callers pass a render function.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime

import brotli

# Below this size compression saves less than the headers it costs.
MIN_COMPRESS_BYTES = 512


@dataclass(frozen=True, slots=True)
class Rendered:
    status: int
    content_type: str
    body: bytes
    etag: str  # opaque tag without quotes or suffix
    last_modified: float  # epoch seconds
    rendered_at: float  # time.monotonic()
    encoded: dict[str, bytes] = field(default_factory=dict)  # "br" / "gzip" -> body

    @property
    def last_modified_http(self) -> str:
        return formatdate(self.last_modified, usegmt=True)

    def etag_for(self, encoding: str | None) -> str:
        return f'"{self.etag}-{encoding}"' if encoding else f'"{self.etag}"'

    def body_for(self, encoding: str | None) -> bytes:
        return self.encoded[encoding] if encoding else self.body


def rendered_build(*, status: int, content_type: str, body: bytes, last_modified: float) -> Rendered:
    """Hash and compress a freshly rendered body."""
    encoded: dict[str, bytes] = {}
    if len(body) >= MIN_COMPRESS_BYTES:
        encoded["br"] = brotli.compress(body, quality=5)
        encoded["gzip"] = gzip.compress(body, compresslevel=6, mtime=0)
    return Rendered(
        status=status,
        content_type=content_type,
        body=body,
        etag=hashlib.blake2b(body, digest_size=12).hexdigest(),
        last_modified=last_modified,
        rendered_at=time.monotonic(),
        encoded=encoded,
    )


def encoding_choose(accept_encoding: str | None, available: dict[str, bytes]) -> str | None:
    """br, else gzip, when the client accepts it (q > 0) and we have it; None for identity."""
    if not accept_encoding or not available:
        return None
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
        quality = accepted[name] if name in accepted else accepted.get("*", 0.0)
        if quality > 0 and name in available:
            return name
    return None


def not_modified(rendered: Rendered, *, if_none_match: str | None, if_modified_since: str | None) -> bool:
    """True when the client's copy is current (RFC 9110 §13.1: If-None-Match wins when present)."""
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        for tag in if_none_match.split(","):
            opaque = tag.strip().removeprefix("W/").strip('"')
            if opaque.split("-", 1)[0] == rendered.etag:
                return True
        return False
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
        return int(rendered.last_modified) <= since
    return False


def _id_key(entry_id: str) -> tuple[int, ...]:
    return tuple(int(part) for part in entry_id.split("-") if part.isdigit())


class RenderedCache:
    """Bodies for the newest stream entry only: a new entry id drops every older variant.

    Each body is also re-rendered after `max_age` seconds, because a page shows how old its data
    is and whether it is stale; the JSON API passes max_age=None (its body depends only on the entry).
    """

    def __init__(self) -> None:
        self._entries: dict[Hashable, Rendered] = {}
        self._entry_id: str | None = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_render(
        self, *, entry_id: str, key: Hashable, max_age: float | None, render: Callable[[], Rendered]
    ) -> Rendered:
        found = self.get(entry_id=entry_id, key=key, max_age=max_age)
        if found is not None:
            return found
        rendered = render()
        self.put(entry_id=entry_id, key=key, rendered=rendered)
        return rendered

    def get(self, *, entry_id: str, key: Hashable, max_age: float | None) -> Rendered | None:
        if entry_id == self._entry_id:
            found = self._entries.get(key)
            if found is not None and (max_age is None or time.monotonic() - found.rendered_at < max_age):
                self.hits += 1
                return found
        self.misses += 1
        return None

    def put(self, *, entry_id: str, key: Hashable, rendered: Rendered) -> None:
        with self._lock:
            if self._entry_id is not None and _id_key(entry_id) < _id_key(self._entry_id):
                return  # a slow render of an older entry must not evict the newer one
            if entry_id != self._entry_id:
                self._entries = {}
                self._entry_id = entry_id
            self._entries[key] = rendered

    def clear(self) -> None:
        with self._lock:
            self._entries = {}
            self._entry_id = None

    def stats(self) -> dict[str, int | None]:
        total = self.hits + self.misses
        return {
            "hits": self.hits,
            "misses": self.misses,
            "hit_ratio": round(self.hits / total, 4) if total else None,
            "entries": len(self._entries),
        }
