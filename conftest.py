"""Fixtures shared by every island's tests.

The suite runs on a real Redis (REDIS_URL, exported by `python -m cryptodash.stack test`): each
test starts from an empty database and fresh process-wide stores. Tests that need to stop or
restart Redis get a disposable server of their own from `redis_server_factory`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from playwright.sync_api import sync_playwright

from cryptodash.django_http import django_threads_renew
from cryptodash.stack.redis_server import EmbeddedRedis
from islands.cache_system.redis_client import redis_clients_reset
from islands.cache_system.stores import stores_reset


@pytest.fixture
def redis_server_factory(tmp_path: Path) -> Iterator:
    """A redis-server of the test's own (the launcher's embedded one, password included), which the
    test may stop and start again on the same port."""
    servers: list[EmbeddedRedis] = []

    def make() -> EmbeddedRedis:
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
    client = redis.Redis.from_url(settings.REDIS_URL)
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
    client = redis.Redis.from_url(settings.REDIS_URL)
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
