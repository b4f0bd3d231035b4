"""The watchlist on /markets in Chromium: the same stars as the home tiles on each row of the table,
operated by keyboard, starred rows first, "Watchlist only", a compact row at 390 px, axe clean
with stars pressed in both themes; a signed-in user's stars go to the account."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
from django.test import Client

from islands.alerts.models import WatchlistItem
from islands.alerts.tests.conftest import user_make
from islands.cache_system.services import markets_store, summary_store
from islands.dashboard.tests.conftest import SUMMARY
from islands.markets.tests.conftest import FX, coins_usd
from islands.shared_components.page_cache import page_cache_reset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOWN = "() => [...document.querySelectorAll('#markets-rows tr:not([hidden])')].map((tr) => tr.dataset.id)"
STARS = "#markets-rows .star"


@pytest.fixture(autouse=True)
def _site(sync_orm_beside_playwright, settings) -> Iterator[None]:
    settings.SUMMARY_L1_TTL = 0.0
    page_cache_reset()
    summary_store(summary={**copy.deepcopy(SUMMARY), "fx": FX})
    table = {"coins": coins_usd(30), "updated_at": "2026-11-29T00:00:00Z", "source": "coingecko", "top_n": 100}
    markets_store(table=table)
    yield
    page_cache_reset()


@pytest.fixture
def phone(browser) -> Iterator:
    context = browser.new_context(bypass_csp=True, viewport={"width": 390, "height": 800})
    yield context.new_page()
    context.close()


def _star_by_keyboard(page, coin: str) -> None:
    page.focus(f'{STARS}[data-coin="{coin}"]')
    page.keyboard.press("Enter")


def test_stars_on_the_table_are_the_home_pages_and_order_and_filter_the_rows(live_server, phone, wait_js):
    page = phone
    page.goto(f"{live_server.url}/markets?lang=en")
    wait_js(page, f"() => document.querySelectorAll('{STARS}').length === 30")
    assert page.evaluate(SHOWN)[:3] == ["bitcoin", "ethereum", "tether"]
    # A tracked coin is named by its key (as on the home tiles), any other by its CoinGecko id.
    _star_by_keyboard(page, "dogecoin")
    page.focus(f'{STARS}[data-coin="eth"]')
    page.keyboard.press("Space")

    wait_js(page, f"() => ({SHOWN})()[0] === 'ethereum'")
    assert page.evaluate(SHOWN)[:3] == ["ethereum", "dogecoin", "bitcoin"]  # starred first, by rank
    assert page.get_attribute(f'{STARS}[data-coin="eth"]', "aria-pressed") == "true"
    assert page.get_attribute(f'{STARS}[data-coin="eth"]', "aria-label") == "Remove from watchlist: ETH"
    assert page.evaluate("() => JSON.parse(localStorage.getItem('cryptodash:watchlist'))") == ["dogecoin", "eth"]
    # Compact at 390 px: one short row, no sideways scroll.
    assert page.locator("tr[data-id=dogecoin]").bounding_box()["height"] < 60
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert page.evaluate(
        "() => { const w = document.querySelector('.markets-wrap'); return w.scrollWidth <= w.clientWidth; }"
    )

    page.focus("button.watchlist-only")
    page.keyboard.press("Enter")
    wait_js(page, f"() => ({SHOWN})().length === 2")
    assert page.evaluate(SHOWN) == ["ethereum", "dogecoin"]
    assert page.inner_text("#markets-count") == "2 coins shown"
    assert page.get_attribute("button.watchlist-only", "aria-pressed") == "true"

    # The home page shows the same watchlist: ETH's tile is starred, and "only" holds there too.
    page.goto(f"{live_server.url}/?lang=en")
    wait_js(page, "() => document.querySelector('.tile .star[data-coin=\"eth\"]')")
    assert page.get_attribute('.tile .star[data-coin="eth"]', "aria-pressed") == "true"
    assert page.get_attribute('.tile .star[data-coin="btc"]', "aria-pressed") == "false"

    # A reload of /markets keeps both.
    page.goto(f"{live_server.url}/markets?lang=en")
    wait_js(page, f"() => ({SHOWN})().length === 2")
    page.click("button.watchlist-only")
    wait_js(page, f"() => ({SHOWN})().length === 30")
    assert page.evaluate(SHOWN)[:3] == ["ethereum", "dogecoin", "bitcoin"]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_pressed_and_unpressed_stars_pass_axe(live_server, browser, theme, axe_violations):
    context = browser.new_context(bypass_csp=True, viewport={"width": 1366, "height": 900})
    context.add_init_script("localStorage.setItem('cryptodash:watchlist', JSON.stringify(['eth', 'dogecoin']))")
    page = context.new_page()
    found = {}
    for path in ("/markets", "/"):
        page.goto(f"{live_server.url}{path}?theme={theme}", wait_until="networkidle")
        assert page.get_attribute('.star[data-coin="eth"]', "aria-pressed") == "true"
        violations = axe_violations(page)
        if violations:
            found[path] = violations
    context.close()
    assert found == {}


def test_a_signed_in_users_star_on_the_table_is_kept_on_the_account(live_server, browser, wait_js):
    user = user_make()
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/markets?lang=en")
    wait_js(page, f"() => document.querySelectorAll('{STARS}').length === 30")
    assert page.get_attribute(".account-nav", "data-signed-in") == "1"

    page.click(f'{STARS}[data-coin="dogecoin"]')
    wait_js(page, "() => fetch('/api/watchlist').then((r) => r.json()).then((b) => b.coins.length === 1)")

    assert list(WatchlistItem.objects.filter(user=user).values_list("coin", flat=True)) == ["dogecoin"]
    assert page.evaluate("() => localStorage.getItem('cryptodash:watchlist')") is None
    context.close()
