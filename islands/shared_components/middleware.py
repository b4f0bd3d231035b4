"""Applies the language and theme preferences to each Django request; remembers explicit choices.

A valid `?lang=` or `?theme=` is stored in a cookie for a year so the next page (and the cached
fast path, which only reads cookies) renders the same way. It must not do I/O.
"""

from __future__ import annotations

from collections.abc import Callable

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


class PreferencesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query_lang = language_valid(request.GET.get("lang"))
        query_theme = theme_valid(request.GET.get("theme"))
        lang = language_detect(
            query=query_lang,
            cookie=request.COOKIES.get(LANGUAGE_COOKIE),
            accept_language=request.headers.get("Accept-Language"),
        )
        request.LANGUAGE_CODE = lang
        request.theme = theme_detect(query=query_theme, cookie=request.COOKIES.get(THEME_COOKIE))
        with translation.override(lang):
            response = self.get_response(request)
        if query_lang:
            response.set_cookie(LANGUAGE_COOKIE, query_lang, max_age=COOKIE_MAX_AGE, samesite="Lax")
        if query_theme:
            response.set_cookie(THEME_COOKIE, query_theme, max_age=COOKIE_MAX_AGE, samesite="Lax")
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        response.headers.setdefault("Content-Language", lang)
        return response
