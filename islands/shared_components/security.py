"""The security headers every response carries, from settings.

`security_headers()` is the one place they are decided: the Content-Security-Policy
(CONTENT_SECURITY_POLICY), nosniff, Referrer-Policy, X-Frame-Options, Cross-Origin-Opener-Policy
and, on secure requests, HSTS, each from the Django setting of that name. SecurityHeadersMiddleware
puts them on Django's responses (beside Django's SecurityMiddleware and XFrameOptionsMiddleware,
which set the same values from the same settings and which `check --deploy` looks for); the page
cache (page_cache.py) replays them with the rest of Django's answer. A response that sets one
itself keeps it (the report document's stricter CSP and its framing rules). Also the host of
REPORTS_ORIGIN, which the site's own pages are not served from. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.decorators import sync_and_async_middleware


def _referrer_policy(value: str | list[str] | tuple[str, ...]) -> str:
    # As SecurityMiddleware writes it: a comma-separated string or an iterable of values.
    values = value.split(",") if isinstance(value, str) else value
    return ",".join(v.strip() for v in values)


def _hsts() -> str:
    value = f"max-age={settings.SECURE_HSTS_SECONDS}"
    if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
        value += "; includeSubDomains"
    if settings.SECURE_HSTS_PRELOAD:
        value += "; preload"
    return value


def security_headers(*, secure: bool) -> tuple[tuple[str, str], ...]:
    """(name, value) of each security header for a response to a secure or plain request."""
    headers: list[tuple[str, str]] = []
    if settings.CONTENT_SECURITY_POLICY:
        headers.append(("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY))
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        headers.append(("Referrer-Policy", _referrer_policy(settings.SECURE_REFERRER_POLICY)))
    if settings.X_FRAME_OPTIONS:
        headers.append(("X-Frame-Options", settings.X_FRAME_OPTIONS.upper()))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    if secure and settings.SECURE_HSTS_SECONDS:
        headers.append(("Strict-Transport-Security", _hsts()))
    return tuple(headers)


def scope_is_secure(scope: dict[str, Any]) -> bool:
    """request.is_secure() for an ASGI scope: https, or the trusted proxy header says so."""
    if scope.get("scheme") in ("https", "wss"):
        return True
    proxy = settings.SECURE_PROXY_SSL_HEADER
    if not proxy:
        return False
    meta_name, secure_value = proxy
    # Django's META name (HTTP_X_FORWARDED_PROTO) back to the header as ASGI carries it.
    name = meta_name.removeprefix("HTTP_").lower().replace("_", "-").encode("latin-1")
    for header, value in scope.get("headers", ()):
        if header == name:
            return value.decode("latin-1").split(",", 1)[0].strip() == secure_value
    return False


@lru_cache(maxsize=8)
def _host_of(origin: str) -> str | None:
    return urlsplit(origin).hostname if origin else None


def reports_host() -> str | None:
    """The host of REPORTS_ORIGIN (lower case), or None when documents share the site's origin."""
    return _host_of(settings.REPORTS_ORIGIN)


def is_reports_host(domain: str) -> bool:
    """Whether domain (a Host header without its port) is the reports origin's host."""
    host = reports_host()
    return host is not None and domain.lower() == host


@sync_and_async_middleware
def security_headers_middleware(get_response: Callable) -> Callable:
    """Adds security_headers() to every Django response that does not set them itself."""

    def apply(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        exempt = getattr(response, "xframe_options_exempt", False)
        for name, value in security_headers(secure=request.is_secure()):
            if name == "X-Frame-Options" and exempt:
                continue
            response.headers.setdefault(name, value)
        return response

    if iscoroutinefunction(get_response):

        async def middleware(request: HttpRequest) -> HttpResponseBase:
            return apply(request, await get_response(request))

    else:

        def middleware(request: HttpRequest) -> HttpResponseBase:
            return apply(request, get_response(request))

    return middleware
