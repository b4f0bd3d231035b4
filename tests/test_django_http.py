"""cryptodash/django_http.py: Django's HTTP requests under ASGI in one pooled thread each.

The views and URLconf below exist only for these tests (ROOT_URLCONF points at this module).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from asgiref.sync import iscoroutinefunction
from channels.testing import HttpCommunicator
from django.core.signals import request_finished, request_started
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import path

from cryptodash.asgi import application
from cryptodash.django_http import RESOLVED_PATH_MAX, ThreadedASGIHandler, _resolved
from islands.shared_components.preferences import LANGUAGE_COOKIE

seen: list[tuple[str, str]] = []


def _where(event: str) -> None:
    seen.append((event, threading.current_thread().name))


def plain(request: HttpRequest) -> HttpResponse:
    _where("view")
    return HttpResponse(b"plain", content_type="text/plain")


def streamed(request: HttpRequest) -> StreamingHttpResponse:
    def parts() -> Iterator[bytes]:
        for part in (b"one,", b"two,", b"three"):
            _where("part")
            yield part

    return StreamingHttpResponse(parts(), content_type="text/plain")


def item(request: HttpRequest, number: int) -> HttpResponse:
    return HttpResponse(f"item {number} of {request.resolver_match.url_name}".encode(), content_type="text/plain")


def other(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"other urlconf", content_type="text/plain")


class OtherURLconf:
    urlpatterns = [path("plain", other)]


def other_urlconf(get_response):
    """Gives requests with ?other a URLconf of their own, as request.urlconf allows."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if "other" in request.GET:
            request.urlconf = OtherURLconf
        return get_response(request)

    return middleware


async def async_view(request: HttpRequest) -> HttpResponse:
    await asyncio.sleep(0)
    return HttpResponse(b"async", content_type="text/plain")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    # The site's 404 page links to routes this URLconf does not have.
    return HttpResponse(b"not found", status=404, content_type="text/plain")


handler404 = not_found
urlpatterns = [
    path("plain", plain),
    path("streamed", streamed),
    path("async", async_view),
    path("item/<int:number>", item, name="item"),
]


@pytest.fixture
def recorded(settings) -> Iterator[list[tuple[str, str]]]:
    settings.ROOT_URLCONF = __name__
    seen.clear()

    def started(**kwargs: Any) -> None:
        _where("request_started")

    def finished(**kwargs: Any) -> None:
        _where("request_finished")

    request_started.connect(started, weak=False)
    request_finished.connect(finished, weak=False)
    yield seen
    request_started.disconnect(started)
    request_finished.disconnect(finished)


def _get(app: Any, url: str, headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    async def call() -> dict[str, Any]:
        communicator = HttpCommunicator(app, "GET", url, headers=[(b"host", b"127.0.0.1"), *(headers or [])])
        path_part, _, query = url.partition("?")
        communicator.scope["path"] = path_part
        communicator.scope["query_string"] = query.encode()
        return await communicator.get_response(timeout=10)

    # A thread with a loop of its own: pytest-asyncio may own this thread's loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        response = pool.submit(asyncio.run, call()).result()
    response["header_map"] = {k.decode().lower(): v.decode("latin-1") for k, v in response["headers"]}
    return response


def test_it_runs_request_started_the_view_and_request_finished_in_one_pool_thread(recorded):
    response = _get(ThreadedASGIHandler(threads=2), "/plain")

    assert response["status"] == 200
    assert response["body"] == b"plain"
    assert [event for event, _thread in recorded] == ["request_started", "view", "request_finished"]
    threads = {thread for _event, thread in recorded}
    assert len(threads) == 1, recorded  # one thread: its database connection is opened and closed there
    assert threads.pop().startswith("django-http")


def test_it_reuses_its_threads_instead_of_starting_one_per_request(recorded):
    handler = ThreadedASGIHandler(threads=2)

    for _ in range(12):
        assert _get(handler, "/plain")["status"] == 200

    assert len({thread for event, thread in recorded if event == "view"}) <= 2


def test_it_streams_a_sync_iterator_in_order_from_the_pool_and_closes_it_after(recorded):
    response = _get(ThreadedASGIHandler(threads=2), "/streamed")

    assert response["status"] == 200
    assert response["body"] == b"one,two,three"
    events = [event for event, _thread in recorded]
    assert events == ["request_started", "part", "part", "part", "request_finished"]
    assert all(thread.startswith("django-http") for _event, thread in recorded)


def test_it_still_serves_an_async_view(recorded):
    response = _get(ThreadedASGIHandler(threads=2), "/async")

    assert response["status"] == 200
    assert response["body"] == b"async"


def test_the_project_middleware_chain_is_built_sync_without_one_adaptation(settings, caplog):
    # Django logs "... handler adapted for middleware ..." (DEBUG only) for each switch between sync
    # and async it builds into the chain: an async-only middleware would bring them back.
    settings.DEBUG = True
    caplog.set_level(logging.DEBUG, logger="django.request")

    handler = ThreadedASGIHandler(threads=1)

    assert not iscoroutinefunction(handler._middleware_chain)
    assert [r.getMessage() for r in caplog.records if "adapted" in r.getMessage()] == []


def test_the_site_answers_a_django_route_with_its_headers_and_cookies(settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]

    # An HTML page: the preference cookies are remembered for pages, not for text or API answers.
    response = _get(application, "/admin/login/?lang=en")

    assert response["status"] == 200
    assert b"<form" in response["body"]
    assert response["header_map"]["content-language"] == "en"
    cookies = [value.decode() for name, value in response["headers"] if name.lower() == b"set-cookie"]
    assert any(cookie.startswith(f"{LANGUAGE_COOKIE}=en;") for cookie in cookies), cookies


def test_it_remembers_how_a_path_resolves_but_keeps_paths_urlconfs_and_unknown_paths_apart(settings, recorded):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.other_urlconf"]
    _resolved.cache_clear()
    handler = ThreadedASGIHandler(threads=1)

    for _ in range(3):  # the second and third are answered from the remembered match
        assert _get(handler, "/item/7")["body"] == b"item 7 of item"
    assert _get(handler, "/item/8")["body"] == b"item 8 of item"
    assert _get(handler, "/plain")["body"] == b"plain"
    assert _get(handler, "/plain?other=1")["body"] == b"other urlconf"
    assert _resolved.cache_info().hits == 2
    # Unknown paths are a 404 every time and take no room, nor do very long paths.
    for number in range(20):
        assert _get(handler, f"/nowhere/{number}")["status"] == 404
    assert _get(handler, "/item/" + "9" * RESOLVED_PATH_MAX)["status"] == 200
    assert _resolved.cache_info().currsize == 4
    # A new URLconf (here: the setting changed) is a new resolver, never the old one's matches.
    settings.ROOT_URLCONF = OtherURLconf
    assert _get(handler, "/plain")["body"] == b"other urlconf"
