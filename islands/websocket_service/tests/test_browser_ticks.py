"""End to end in Chromium: a tick the fake exchange sends moves the BTC tile within a second
(fake WebSocket → ticks_ingest → crypto:ticks → relay → web process → page), and once the ticks
stop, the next REST summary's price shows again, saying so."""

from __future__ import annotations

import copy
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cryptodash.stack.processes import process_stop
from islands.cache_system.market_schema import field_states
from islands.cache_system.selectors import heartbeat_age, ticks_latest
from islands.cache_system.services import summary_store
from islands.dashboard.tests.conftest import SUMMARY
from islands.external_apis.fake_upstream.server import FakeUpstream
from islands.websocket_service.tests.processes import BASE_DIR, child_env, relay_process, web_process

pytestmark = pytest.mark.browser

TILE = '[data-field="btc_price_usd"]'
SOURCE = '[data-source-for="btc_price_usd"]'


@contextmanager
def ticks_process(run_dir: Path, url: str) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(
        [sys.executable, str(BASE_DIR / "manage.py"), "ticks_ingest", "--name", "ticks-e2e"],
        cwd=BASE_DIR,
        env=child_env(run_dir, BINANCE_WS_URL=url, TICK_STALE_S="120"),
    )
    try:
        yield process
    finally:
        process_stop(process)


def wait_until(condition, what: str, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.05)


def formatted(page, value: float) -> str:
    return page.evaluate(
        "([sel, v]) => window.CryptodashFormat.format(v, document.querySelector(sel).dataset.format,"
        " document.documentElement.lang)",
        [TILE, value],
    )


def test_a_tick_sent_by_the_fake_exchange_moves_the_btc_tile_within_a_second(page, tmp_path, wait_js):
    summary_store(summary=copy.deepcopy(SUMMARY))
    fake = FakeUpstream(seed=9).start()
    try:
        # TICK_FRESH_S=2: the page stops preferring a tick 2 s after it (the socket "down").
        web = web_process(tmp_path, TICK_FRESH_S="2")
        with web as (url, _web), relay_process(tmp_path), ticks_process(tmp_path, fake.ticks.url):
            wait_until(lambda: heartbeat_age(name="relay") is not None, "the relay's heartbeat")
            wait_until(lambda: "btc" in ticks_latest(), "the ingest's first BTC tick")
            # Only pushed prices from now on: a random-walk tick must not overwrite the one we check.
            fake.ticks.control(mode="stall")
            page.goto(f"{url}/")
            page.wait_for_selector('#connection-status[data-state="live"]', timeout=10_000)

            # A first push warms every hop (the relay's read, the hub's join, the page's socket).
            fake.ticks.control(push={"BTCUSDT": 70_111.25})
            warm = formatted(page, 70_111.25)
            wait_js(page, "([s, t]) => document.querySelector(s).textContent.trim() === t", arg=[TILE, warm])
            assert page.locator(SOURCE).inner_text().strip() == "Binance WebSocket"

            fake.ticks.control(push={"BTCUSDT": 70_222.75})
            moved = formatted(page, 70_222.75)
            wait_js(
                page, "([s, t]) => document.querySelector(s).textContent.trim() === t", arg=[TILE, moved], timeout=1_000
            )

            # No more ticks (the fake stalls). A REST summary fetched before the last tick loses
            # to it while the tick is fresh, and wins once it is not: the REST feed keeps the price.
            fetched = time.time() - 1.0
            rest = copy.deepcopy(SUMMARY) | {"btc_price_usd": 69_999.5}
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(fetched)) + f".{int(fetched % 1 * 1000):03d}Z"
            for source in rest["data_sources"].values():
                source["updated_at"] = stamp
            rest["field_states"] = field_states(rest)
            time.sleep(2.5)
            summary_store(summary=rest)
            rested = formatted(page, 69_999.5)
            wait_js(
                page,
                "([s, t]) => document.querySelector(s).textContent.trim() === t",
                arg=[TILE, rested],
                timeout=20_000,
            )
            assert page.locator(SOURCE).inner_text().strip() == "Binance"
    finally:
        fake.stop()
