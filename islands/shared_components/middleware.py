"""Applies the language, theme, currency and time-zone preferences to each Django request;
remembers explicit choices.

A valid `?lang=`, `?theme=`, `?currency=` or `?tz=` is stored in a cookie for a year so the next
page (and the cached fast path, which only reads cookies) renders the same way. The time zone is
made the display zone of the request (formatting.display_zone), which time_format and the
templates' |local_time follow. It must not do I/O.

Both sync- and async-capable: a sync-only middleware turns the chain around it sync under an async
handler (a thread hop per request); here it follows whichever mode the handler below it has.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from islands.shared_components.formatting import display_zone
from islands.shared_components.preferences import (
    COOKIE_MAX_AGE,
    CURRENCY_COOKIE,
    LANGUAGE_COOKIE,
    THEME_COOKIE,
    TIME_ZONE_COOKIE,
    currency_detect,
    currency_valid,
    language_detect,
    language_valid,
    theme_detect,
    theme_valid,
    time_zone_detect,
    time_zone_valid,
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
        lang, chosen = _preferences_apply(request)
        with translation.override(lang), display_zone(request.time_zone):
            response = self.get_response(request)
        return _preferences_remember(response, lang=lang, chosen=chosen)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        lang, chosen = _preferences_apply(request)
        # The active language and zone are context variables: they stay with this request.
        with translation.override(lang), display_zone(request.time_zone):
            response = await self.get_response(request)
        return _preferences_remember(response, lang=lang, chosen=chosen)


def _preferences_apply(request: HttpRequest) -> tuple[str, dict[str, str]]:
    """Set request.LANGUAGE_CODE, .theme, .currency and .time_zone; the language and the valid
    choices the query made (cookie name -> value)."""
    query = {
        LANGUAGE_COOKIE: language_valid(request.GET.get("lang")),
        THEME_COOKIE: theme_valid(request.GET.get("theme")),
        CURRENCY_COOKIE: currency_valid(request.GET.get("currency")),
        TIME_ZONE_COOKIE: time_zone_valid(request.GET.get("tz")),
    }
    lang = language_detect(
        query=query[LANGUAGE_COOKIE],
        cookie=request.COOKIES.get(LANGUAGE_COOKIE),
        accept_language=request.headers.get("Accept-Language"),
    )
    request.LANGUAGE_CODE = lang
    request.theme = theme_detect(query=query[THEME_COOKIE], cookie=request.COOKIES.get(THEME_COOKIE))
    request.currency = currency_detect(query=query[CURRENCY_COOKIE], cookie=request.COOKIES.get(CURRENCY_COOKIE))
    request.time_zone = time_zone_detect(query=query[TIME_ZONE_COOKIE], cookie=request.COOKIES.get(TIME_ZONE_COOKIE))
    return lang, {name: value for name, value in query.items() if value}


def _preferences_remember(response: HttpResponse, *, lang: str, chosen: dict[str, str]) -> HttpResponse:
    # Remembered for pages a visitor reads, not for API answers: `GET /api/crypto/markets?currency=vnd`
    # is a parameter of that request, and an answer that sets a cookie is never stored for others.
    if response.get("Content-Type", "").startswith("text/html"):
        for name, value in chosen.items():
            response.set_cookie(name, value, max_age=COOKIE_MAX_AGE, samesite="Lax")
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
    response.headers.setdefault("Content-Language", lang)
    return response
