"""Serving stored bodies: the per-process caches of `/` and the summary API, and the HTTP
headers both the Django views and the ASGI fast path send with them.

It decides which stored variant a request gets (language, theme, staleness, encoding) and
whether it is a 304; it must not read the stream itself (callers pass the snapshot).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from islands.cache_system.selectors import SummarySnapshot
from islands.dashboard.pages import home_render, summary_render
from islands.dashboard.rendered import Rendered, RenderedCache, encoding_choose, not_modified
from islands.dashboard.selectors import summary_is_stale
from islands.shared_components.security import security_headers

page_cache = RenderedCache()
api_cache = RenderedCache()

PAGE_VARY = "Accept-Encoding, Cookie, Accept-Language"
API_VARY = "Accept-Encoding"


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def home_rendered(*, snapshot: SummarySnapshot, lang: str, theme: str) -> Rendered:
    stale = summary_is_stale(snapshot=snapshot)
    return page_cache.get_or_render(
        entry_id=snapshot.stream_id,
        key=(lang, theme, stale),
        max_age=settings.PAGE_RENDER_MAX_AGE,
        render=lambda: home_render(snapshot=snapshot, lang=lang, theme=theme),
    )


def home_cached(*, snapshot: SummarySnapshot, lang: str, theme: str) -> Rendered | None:
    """The stored page, or None when it must be rendered (the fast path renders off the event loop)."""
    stale = summary_is_stale(snapshot=snapshot)
    return page_cache.get(entry_id=snapshot.stream_id, key=(lang, theme, stale), max_age=settings.PAGE_RENDER_MAX_AGE)


def summary_rendered(*, snapshot: SummarySnapshot) -> Rendered:
    stale = summary_is_stale(snapshot=snapshot)
    return api_cache.get_or_render(
        entry_id=snapshot.stream_id, key=stale, max_age=None, render=lambda: summary_render(snapshot=snapshot)
    )


def reply_build(
    rendered: Rendered,
    *,
    head: bool,
    accept_encoding: str | None,
    if_none_match: str | None,
    if_modified_since: str | None,
    vary: str,
    language: str | None = None,
    secure: bool = False,
) -> Reply:
    """Status, headers and body for one request of a stored body (200, or 304 when current).

    The security headers are the site's (shared_components.security), the same for Django's
    answers and the fast path's; secure adds HSTS when it is enabled.
    """
    encoding = encoding_choose(accept_encoding, rendered.encoded)
    headers = [
        ("Content-Type", rendered.content_type),
        ("ETag", rendered.etag_for(encoding)),
        ("Last-Modified", rendered.last_modified_http),
        # Live data: a browser may keep a copy but must ask (a 304 costs a few hundred bytes).
        ("Cache-Control", "no-cache"),
        ("Vary", vary),
        *security_headers(secure=secure),
    ]
    if language:
        headers.append(("Content-Language", language))
    if not_modified(rendered, if_none_match=if_none_match, if_modified_since=if_modified_since):
        return Reply(status=304, headers=headers, body=b"")
    body = rendered.body_for(encoding)
    if encoding:
        headers.append(("Content-Encoding", encoding))
    headers.append(("Content-Length", str(len(body))))
    return Reply(status=rendered.status, headers=headers, body=b"" if head else body)


def caches_reset() -> None:
    page_cache.clear()
    api_cache.clear()
