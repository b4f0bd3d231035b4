"""Fixtures of the bad-input suite: a stored summary, the ASGI app as a server drives it, and a
log check that fails any test whose request logged an error or a traceback."""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from channels.layers import channel_layers
from channels.testing import HttpCommunicator

from cryptodash.asgi import application
from islands.cache_system.services import summary_store
from islands.dashboard.tests.conftest import SUMMARY
from islands.shared_components.page_cache import page_cache_reset


@pytest.fixture(autouse=True)
def _no_errors_logged(caplog) -> Iterator[None]:
    """Bad input is the client's problem: it may log a warning, never an error or a traceback."""
    caplog.set_level(logging.INFO)
    yield
    records = caplog.get_records("setup") + caplog.get_records("call")
    bad = [r for r in records if r.levelno >= logging.ERROR or r.exc_info]
    assert not bad, [(r.name, r.levelname, r.getMessage()[:200]) for r in bad]


@pytest.fixture(autouse=True)
def _fresh_process_state(settings) -> Iterator[None]:
    # Each test sees what it just stored, and each async test gets channel layers of its own loop.
    settings.SUMMARY_L1_TTL = 0.0
    page_cache_reset()
    channel_layers.backends.clear()
    yield
    page_cache_reset()
    channel_layers.backends.clear()


@pytest.fixture
def stored() -> str:
    """A complete summary in the real stream, so the page cache answers `/` and the summary API."""
    return summary_store(summary=copy.deepcopy(SUMMARY))


@pytest.fixture
def asgi():
    """Request `cryptodash.asgi.application` (page cache in front of Django) as a server would."""

    async def call(method: str, path: str, query: bytes, headers: list, body: bytes) -> dict[str, Any]:
        communicator = HttpCommunicator(application, method, path, body=body, headers=headers)
        communicator.scope["query_string"] = query
        return await communicator.get_response(timeout=10)

    def request(
        path: str,
        *,
        method: str = "GET",
        query: bytes = b"",
        headers: list[tuple[bytes, bytes]] | None = None,
        body: bytes = b"",
    ) -> dict[str, Any]:
        all_headers = list(headers or [])
        if not any(name == b"host" for name, _ in all_headers):
            all_headers.append((b"host", b"127.0.0.1"))
        # A thread with a loop of its own: pytest-asyncio may own this thread's loop.
        with ThreadPoolExecutor(max_workers=1) as pool:
            response = pool.submit(asyncio.run, call(method, path, query, all_headers, body)).result()
        response["header_map"] = {k.decode().lower(): v.decode("latin-1") for k, v in response["headers"]}
        return response

    return request
