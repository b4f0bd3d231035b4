"""Keeps the reports origin (REPORTS_ORIGIN) to report documents: every other path there is a 404.

That host exists so the untrusted documents run where the site's cookies never go; serving the
site's pages (the admin login above all) from it would let cookies be set there after all. Static
files are served before this runs (WhiteNoise). Without REPORTS_ORIGIN it does nothing. No I/O.
"""

from __future__ import annotations

from collections.abc import Callable

from asgiref.sync import iscoroutinefunction
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase, HttpResponseNotFound
from django.http.request import split_domain_port
from django.urls import Resolver404, resolve
from django.utils.decorators import sync_and_async_middleware

from islands.shared_components.security import is_reports_host, reports_host

DOCUMENT_VIEW = "crypto_reports:document"


def _refusal(request: HttpRequest) -> HttpResponseBase | None:
    if reports_host() is None:
        return None
    try:
        domain, _port = split_domain_port(request.get_host())
    except DisallowedHost:
        return None  # Django's own check answers 400 further in
    if not is_reports_host(domain):
        return None
    try:
        if resolve(request.path_info).view_name == DOCUMENT_VIEW:
            return None
    except Resolver404:
        pass
    return HttpResponseNotFound("This host serves report documents only.\n", content_type="text/plain; charset=utf-8")


@sync_and_async_middleware
def reports_origin_middleware(get_response: Callable) -> Callable:
    if iscoroutinefunction(get_response):

        async def middleware(request: HttpRequest) -> HttpResponseBase:
            return _refusal(request) or await get_response(request)

    else:

        def middleware(request: HttpRequest) -> HttpResponseBase:
            return _refusal(request) or get_response(request)

    return middleware
