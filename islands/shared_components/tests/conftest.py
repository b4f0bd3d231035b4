"""Fixtures of the shared_components tests: the project's ASGI application (page cache in front of
Django) driven like a server, a fresh page cache per test, and a count of template renders."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from channels.testing import HttpCommunicator
from django.test.signals import template_rendered

from cryptodash.asgi import application


@pytest.fixture
def asgi(fresh_page_cache):
    """GET/HEAD through cryptodash.asgi.application on a thread with its own event loop."""

    async def call(method: str, path: str, query: bytes, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
        communicator = HttpCommunicator(application, method, path, headers=headers)
        communicator.scope["query_string"] = query
        return await communicator.get_response(timeout=10)

    def request(
        path: str, *, method: str = "GET", query: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None
    ) -> dict[str, Any]:
        all_headers = list(headers or [])
        if not any(name == b"host" for name, _value in all_headers):
            all_headers.append((b"host", b"127.0.0.1"))
        with ThreadPoolExecutor(max_workers=1) as pool:
            response = pool.submit(asyncio.run, call(method, path, query, all_headers)).result()
        response["header_map"] = {k.decode().lower(): v.decode("latin-1") for k, v in response["headers"]}
        return response

    return request


@pytest.fixture
def renders() -> Iterator[list[str]]:
    """Names of the templates Django renders during the test (any thread)."""
    seen: list[str] = []

    def record(sender, template=None, **kwargs) -> None:
        seen.append(template.name)

    template_rendered.connect(record)
    yield seen
    template_rendered.disconnect(record)


@pytest.fixture(autouse=True, scope="module")
def _sync_orm_beside_the_loop() -> Iterator[None]:
    # The tests make reports with the ORM while the ASGI app runs on another thread's loop.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield
