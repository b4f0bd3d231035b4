"""End to end in Chromium: `make run`'s web server and a relay; an XADD moves the BTC tile without a reload."""

from __future__ import annotations

import copy
import time

import pytest

from cryptodash.stack.processes import process_stop
from islands.cache_system.selectors import heartbeat_age
from islands.cache_system.services import btc_price_store, summary_store
from islands.dashboard.tests.conftest import SUMMARY
from islands.websocket_service.tests.processes import relay_process, web_process

pytestmark = pytest.mark.browser

TILE = '[data-field="btc_price_usd"]'


def wait_for_relay() -> None:
    deadline = time.monotonic() + 20
    while heartbeat_age(name="relay") is None:
        assert time.monotonic() < deadline, "the relay never recorded a heartbeat"
        time.sleep(0.05)


def test_the_btc_tile_shows_a_new_price_after_an_xadd_without_a_reload(page, tmp_path, wait_js):
    summary_store(summary=copy.deepcopy(SUMMARY))
    with web_process(tmp_path) as (url, web), relay_process(tmp_path):
        wait_for_relay()
        page.goto(f"{url}/")
        page.wait_for_selector('#connection-status[data-state="live"]', timeout=10_000)
        assert page.locator("#connection-status").inner_text().strip()
        page.evaluate("() => { window.__notReloaded = true; }")
        before = page.locator(TILE).first.inner_text()

        newer = copy.deepcopy(SUMMARY) | {"btc_price_usd": 101234.56}
        summary_store(summary=newer)
        expected = page.evaluate(
            "([sel, v]) => window.CryptodashFormat.format(v, document.querySelector(sel).dataset.format,"
            " document.documentElement.lang)",
            [TILE, 101234.56],
        )
        assert expected != before
        wait_js(
            page,
            "([sel, text]) => document.querySelector(sel).textContent.trim() === text",
            arg=[TILE, expected],
            timeout=10_000,
        )

        tick = page.evaluate(
            "([sel, v]) => window.CryptodashFormat.format(v, document.querySelector(sel).dataset.format,"
            " document.documentElement.lang)",
            [TILE, 102000.25],
        )
        btc_price_store(price_usd=102000.25, change_24h=1.5, last_updated="2026-11-26T13:00:10Z")
        wait_js(
            page,
            "([sel, text]) => document.querySelector(sel).textContent.trim() === text",
            arg=[TILE, tick],
            timeout=10_000,
        )
        assert page.evaluate("() => window.__notReloaded === true")

        # The server goes away: the indicator says so (and polling finds nobody either).
        process_stop(web)
        page.wait_for_selector('#connection-status[data-state="reconnecting"]', timeout=10_000)
