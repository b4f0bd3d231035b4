"""Fixtures shared by every island's tests.

The suite runs on a real Redis (REDIS_URL, exported by `python -m cryptodash.stack test`): each
test starts from an empty database and fresh process-wide stores. Tests that need to stop or
restart Redis get a disposable server of their own from `redis_server_factory`. With
REDIS_SENTINELS set (`REDIS_SENTINELS=... REDIS_URL=redis://:PW@<service>/0 make test`) the suite
runs on the primary the sentinels name, through the same client construction as the stack.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import redis
from channels.testing import HttpCommunicator
from playwright.sync_api import sync_playwright

from cryptodash.django_http import django_threads_renew
from cryptodash.stack.redis_server import EmbeddedRedis
from islands.cache_system.redis_client import redis_clients_reset, redis_connect, redis_topology
from islands.cache_system.stores import stores_reset
from islands.shared_components.page_cache import page_cache_reset


@pytest.fixture
def redis_server_factory(tmp_path: Path, settings) -> Iterator:
    """A redis-server of the test's own (the launcher's embedded one, password included), which the
    test may stop and start again on the same port. The test points REDIS_URL at it; a suite run on
    Sentinel stops following the sentinels for that test. (Child processes such tests start still
    inherit REDIS_SENTINELS from the environment: run those without it.)"""
    servers: list[EmbeddedRedis] = []

    def make() -> EmbeddedRedis:
        settings.REDIS_SENTINELS = ()
        server = EmbeddedRedis(tmp_path / f"redis-{len(servers)}", die_with_parent=False)
        server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture(autouse=True)
def _fresh_redis_state(settings) -> Iterator[None]:
    """Empty Redis database and new process-wide stores for every test."""
    stores_reset()
    redis_clients_reset()
    client = redis_connect(redis_topology())
    client.flushdb()
    client.close()
    yield
    stores_reset()
    redis_clients_reset()


@pytest.fixture(autouse=True)
def _fresh_django_threads() -> Iterator[None]:
    """Django's request threads (cryptodash/django_http.py) live as long as the process: start each
    test without the database connections an earlier test left in them."""
    yield
    django_threads_renew()


@pytest.fixture
def redis_conn(settings) -> Iterator[redis.Redis]:
    client = redis_connect(redis_topology())
    yield client
    client.close()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Debian's chromium driven by Playwright; skips, saying why, where it is not installed.

    Module-scoped: Playwright's sync API keeps an event loop running on the main thread while it
    is open, and pytest-asyncio cannot start the loops of later async tests beside it.
    """
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser test needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser) -> Iterator:
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def wait_js() -> Callable[..., None]:
    """wait_js(page_or_frame, expression, arg=None, timeout=10_000): until expression is truthy.

    Playwright's wait_for_function builds its predicate with new Function(), which the site's
    Content-Security-Policy (no 'unsafe-eval') refuses; evaluate() goes through DevTools, which
    the policy does not apply to, so this polls with it.
    """

    def wait(target: Any, expression: str, arg: Any = None, timeout: float = 10_000) -> None:
        deadline = time.monotonic() + timeout / 1000
        while not (target.evaluate(expression, arg) if arg is not None else target.evaluate(expression)):
            if time.monotonic() > deadline:
                raise AssertionError(f"not true within {timeout} ms: {expression}")
            target.wait_for_timeout(50)

    return wait


@pytest.fixture
def fresh_page_cache(settings) -> Iterator[None]:
    """No remembered content versions, no stored answers: a test sees what it just changed."""
    settings.SUMMARY_L1_TTL = 0.0
    settings.PAGE_CACHE_REVALIDATE_AFTER = 0.0
    page_cache_reset()
    yield
    page_cache_reset()


@pytest.fixture(scope="module")
def sync_orm_beside_playwright() -> Iterator[None]:
    """Playwright's sync API keeps an event loop running in the test thread; the ORM calls of a
    browser test module are plain synchronous code, so Django's async guard is lifted for it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture
def asgi() -> Callable[..., dict[str, Any]]:
    """Request `cryptodash.asgi.application` (page cache in front of Django) as a server would:
    `asgi(path, method=, query=, headers=, body=)` -> the response with a lower-cased `header_map`."""
    # Django is set up by now; at this module's import (an initial conftest) it is not yet.
    from cryptodash.asgi import application  # noqa: PLC0415 - see above

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


AXE = Path(__file__).resolve().parent / "tests" / "vendor" / "axe-core" / "axe.min.js"
AXE_RUN = """async () => {
  const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ' :: ' + (n.failureSummary || '').slice(0, 160)),
  }));
}"""


@pytest.fixture
def axe_violations() -> Callable[..., list[dict[str, Any]]]:
    """`axe_violations(page)`: axe-core's serious and critical WCAG 2 A/AA violations on the page as
    it is (axe is injected, so the page's context needs `bypass_csp=True`)."""

    def run(page: Any) -> list[dict[str, Any]]:
        page.add_script_tag(path=str(AXE))
        return page.evaluate(AXE_RUN)

    return run
