"""PreferencesMiddleware applies ?lang/?theme (and remembers them) alike in sync and async chains."""

import pytest
from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils import translation

from islands.shared_components.middleware import PreferencesMiddleware
from islands.shared_components.preferences import LANGUAGE_COOKIE, THEME_COOKIE


def _check(response: HttpResponse, seen: dict[str, str]) -> None:
    assert seen == {"lang": "en", "theme": "dark"}
    assert response.cookies[LANGUAGE_COOKIE].value == "en"
    assert response.cookies[THEME_COOKIE].value == "dark"
    assert response["Content-Language"] == "en"
    assert {"Cookie", "Accept-Language"} <= {part.strip() for part in response["Vary"].split(",")}


def test_it_applies_and_remembers_the_choices_in_a_sync_chain():
    seen: dict[str, str] = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen.update(lang=translation.get_language(), theme=request.theme)
        return HttpResponse("ok")

    middleware = PreferencesMiddleware(view)

    assert not iscoroutinefunction(middleware)
    _check(middleware(RequestFactory().get("/", {"lang": "en", "theme": "dark"})), seen)


@pytest.mark.asyncio
async def test_it_applies_and_remembers_the_choices_in_an_async_chain_without_a_thread_hop():
    seen: dict[str, str] = {}

    async def view(request: HttpRequest) -> HttpResponse:
        seen.update(lang=translation.get_language(), theme=request.theme)
        return HttpResponse("ok")

    middleware = PreferencesMiddleware(view)

    assert iscoroutinefunction(middleware)  # Django keeps the chain async around it
    _check(await middleware(RequestFactory().get("/", {"lang": "en", "theme": "dark"})), seen)
