"""Fixtures of the shared_components tests: the project's ASGI application (page cache in front of
Django) driven like a server, a fresh page cache per test, and a count of template renders."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test.signals import template_rendered


@pytest.fixture
def asgi(asgi, fresh_page_cache):
    """The root conftest's `asgi`, on a fresh page cache for every test."""
    return asgi


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
