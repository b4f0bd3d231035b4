"""A coin page whose socket is down keeps its market-table numbers current: live.js polls the
table beside the summary (the page's [data-markets-poll]) and coin.js applies the coin's row."""

from __future__ import annotations

import copy

import pytest

from islands.shared_components.formatting import format_value

from .conftest import coins_usd

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAP = "#coin-facts tr[data-fact=market_cap] td.num"
CHANGE_7D = "#coin-facts tr[data-fact=change_7d] td.num"


@pytest.fixture(autouse=True)
def _sync_orm(sync_orm_beside_playwright):
    """Playwright's loop runs in this thread; the ORM calls here are plain synchronous code."""


def test_without_a_socket_the_coin_page_polls_the_market_table(live_server, page, store_table, store_fx, wait_js):
    store_fx()
    rows = coins_usd(100)
    store_table(rows)
    # The socket never opens: every /ws connection is closed before it reaches the server.
    page.route_web_socket("**/ws*", lambda ws: ws.close())
    polled: list[str] = []
    page.on("request", lambda request: polled.append(request.url) if "/api/crypto/markets" in request.url else None)
    page.goto(f"{live_server.url}/coin/bitcoin?lang=en")
    page.wait_for_selector('#connection-status[data-state="polling"]', timeout=10_000)
    assert page.get_attribute(CAP, "data-money") == repr(rows[0]["market_cap"])

    moved = copy.deepcopy(rows)
    moved[0]["market_cap"] = 1234567890123.0
    moved[0]["change_7d"] = 4.321
    store_table(moved)
    wait_js(page, f"document.querySelector('{CAP}').getAttribute('data-money') === '1234567890123'", timeout=15_000)
    wait_js(
        page, f"document.querySelector('{CHANGE_7D}').textContent.trim() === '{format_value(4.321, 'change', 'en')}'"
    )
    assert "1.23T" in page.inner_text(CAP)
    assert polled and all("currency=usd" in url for url in polled)
