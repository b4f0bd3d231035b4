"""End to end in Chromium: `make run`'s web server and a relay; a new market table moves a row of
/markets over the socket (a markets_update frame), without a reload and without polling."""

from __future__ import annotations

import copy

import pytest

from islands.websocket_service.tests.processes import relay_process, web_process
from islands.websocket_service.tests.test_browser_live_tile import wait_for_relay

from .conftest import coins_usd

pytestmark = pytest.mark.browser

CELL = "tr[data-id=dogecoin] [data-cell=price]"


def test_a_new_table_moves_its_row_over_the_socket(page, tmp_path, store_table, store_fx, wait_js):
    store_fx()
    rows = coins_usd(100)
    store_table(rows)
    with web_process(tmp_path) as (url, _web), relay_process(tmp_path):
        wait_for_relay()
        api_calls: list[str] = []
        page.on(
            "request", lambda request: api_calls.append(request.url) if "/api/crypto/markets" in request.url else None
        )
        page.goto(f"{url}/markets?lang=en")
        page.wait_for_selector('#connection-status[data-state="live"]', timeout=10_000)
        page.evaluate("() => { window.__notReloaded = true; }")
        assert page.inner_text(CELL) == "$0.1034"

        moved = copy.deepcopy(rows)
        moved[8]["price_usd"] = 0.1234
        store_table(moved)
        wait_js(page, f"document.querySelector('{CELL}').textContent === '$0.1234'", timeout=10_000)
        assert page.evaluate("() => window.__notReloaded === true")
        # The frame carried the row: the page did not read the table again from the API.
        assert [call for call in api_calls if "/api/crypto/markets" in call] == []
