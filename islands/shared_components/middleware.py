"""Applies the language and theme preferences to each Django request; remembers explicit choices.

A valid `?lang=` or `?theme=` is stored in a cookie for a year so the next page (and the cached
fast path, which only reads cookies) renders the same way. It must not do I/O.

Both sync- and async-capable: a sync-only middleware turns the chain around it sync under an async
handler (a thread hop per request); here it follows whichever mode the handler below it has.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from islands.shared_components.preferences import (
    COOKIE_MAX_AGE,
    LANGUAGE_COOKIE,
    THEME_COOKIE,
    language_detect,
    language_valid,
    theme_detect,
    theme_valid,
)


class DualMiddleware:
    """A middleware both sync- and async-capable: it follows the chain below it, so it never adds
    a sync/async switch. Subclasses give `__call__` (sync, returning `self.__acall__(request)`
    when `self.is_async`) and `__acall__`."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse | Awaitable[HttpResponse]]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)


class PreferencesMiddleware(DualMiddleware):
    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self.is_async:
            return self.__acall__(request)
        lang, query_lang, query_theme = _preferences_apply(request)
        with translation.override(lang):
            response = self.get_response(request)
        return _preferences_remember(response, lang=lang, query_lang=query_lang, query_theme=query_theme)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        lang, query_lang, query_theme = _preferences_apply(request)
        # The active language is an asgiref Local (a context variable here): it stays with this request.
        with translation.override(lang):
            response = await self.get_response(request)
        return _preferences_remember(response, lang=lang, query_lang=query_lang, query_theme=query_theme)


def _preferences_apply(request: HttpRequest) -> tuple[str, str | None, str | None]:
    """Set request.LANGUAGE_CODE and request.theme; the language and the valid query choices."""
    query_lang = language_valid(request.GET.get("lang"))
    query_theme = theme_valid(request.GET.get("theme"))
    lang = language_detect(
        query=query_lang,
        cookie=request.COOKIES.get(LANGUAGE_COOKIE),
        accept_language=request.headers.get("Accept-Language"),
    )
    request.LANGUAGE_CODE = lang
    request.theme = theme_detect(query=query_theme, cookie=request.COOKIES.get(THEME_COOKIE))
    return lang, query_lang, query_theme


def _preferences_remember(
    response: HttpResponse, *, lang: str, query_lang: str | None, query_theme: str | None
) -> HttpResponse:
    if query_lang:
        response.set_cookie(LANGUAGE_COOKIE, query_lang, max_age=COOKIE_MAX_AGE, samesite="Lax")
    if query_theme:
        response.set_cookie(THEME_COOKIE, query_theme, max_age=COOKIE_MAX_AGE, samesite="Lax")
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
    response.headers.setdefault("Content-Language", lang)
    return response
