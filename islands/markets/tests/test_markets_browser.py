"""/markets and /coin/<id> in Chromium: sorting, search, a row updated live, VND everywhere, and a
phone-sized table; screenshots (1366 and 390 px, vi/light and en/dark) when
CRYPTODASH_SCREENSHOT_DIR is set (docs/screenshots/markets-*.png, coin-*.png).

The test server speaks HTTP only: the page follows new tables by polling the markets API, as it
does while the socket is down (over a real socket: test_live_table_browser.py).
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest

from islands.cache_system.tests.history_data import demo_history_write
from islands.external_apis.market_ingest import candles_refresh, markets_refresh
from islands.external_apis.services import summary_refresh
from islands.external_apis.tests.conftest import fake_upstream  # noqa: F401 - a fixture used here
from islands.shared_components.formatting import money_format

from .conftest import FX, coins_usd

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROW_PRICES = (
    "() => [...document.querySelectorAll('#markets-rows tr:not([hidden]) [data-cell=price]')].map(e => e.textContent)"
)
ROW_IDS = "() => [...document.querySelectorAll('#markets-rows tr:not([hidden])')].map(e => e.dataset.id)"


@pytest.fixture(autouse=True)
def _sync_orm(sync_orm_beside_playwright):
    """Playwright's loop runs in this thread; the ORM calls here are plain synchronous code."""


@pytest.fixture
def table(store_table, store_fx):
    store_fx(mode="simulated")
    rows = coins_usd(100)
    store_table(rows)
    return rows


def _shots(tmp_path: Path) -> Path:
    path = Path(os.environ.get("CRYPTODASH_SCREENSHOT_DIR") or tmp_path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _clean(page) -> None:
    text = page.inner_text("body")
    for bad in ("None", "NaN", "undefined", "null"):
        assert bad not in text, bad


def test_it_sorts_searches_and_updates_a_row_live(live_server, page, table, store_table, wait_js):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/markets?lang=en", wait_until="networkidle")
    assert page.evaluate(ROW_IDS)[:3] == ["bitcoin", "ethereum", "tether"]
    _clean(page)

    page.click("th.col-price a")  # biggest price first
    prices = [row["price_usd"] for row in sorted(table, key=lambda r: -r["price_usd"])]
    assert page.evaluate(ROW_IDS)[0] == "bitcoin"
    assert page.get_attribute("th.col-price", "aria-sort") == "descending"
    page.focus("th.col-price a")
    page.keyboard.press("Enter")  # the keyboard flips the order
    assert page.get_attribute("th.col-price", "aria-sort") == "ascending"
    assert page.evaluate(ROW_IDS)[0] == min(table, key=lambda r: r["price_usd"])["id"]
    assert "sort=price" in page.url and "order=asc" in page.url
    assert prices  # the fixture's prices are all known

    page.fill("#markets-q", "doge")
    assert page.evaluate(ROW_IDS) == ["dogecoin"]
    assert page.inner_text("#markets-count") == "1 coin shown"
    page.fill("#markets-q", "")
    page.click("th.col-rank a")
    assert page.evaluate(ROW_IDS)[:2] == ["bitcoin", "ethereum"]

    moved = copy.deepcopy(table)
    moved[1]["price_usd"] = 2999.99
    store_table(moved)
    wait_js(page, "document.querySelector('tr[data-id=ethereum] [data-cell=price]').textContent === '$2,999.99'")


def test_switching_to_vnd_changes_every_price_and_the_next_update(  # noqa: PLR0917
    live_server, page, table, store_table, store_fx, wait_js
):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/markets?lang=vi", wait_until="networkidle")
    assert all(text.startswith("$") for text in page.evaluate(ROW_PRICES))
    with page.expect_navigation():
        page.select_option("#currency-select", "vnd")
    prices = page.evaluate(ROW_PRICES)
    assert len(prices) == 100 and all(text.endswith(" ₫") for text in prices)
    assert prices[0] == money_format(67012.34 * FX["vnd"], "vnd", "vi")
    caps = page.evaluate("() => [...document.querySelectorAll('[data-cell=market_cap]')].map(e => e.textContent)")
    assert all(text.endswith("₫") for text in caps)

    moved = copy.deepcopy(table)
    moved[8]["price_usd"] = 0.25  # dogecoin moves with the table
    store_table(moved)
    store_fx(btc_price_usd=70000.0)  # bitcoin, a tracked coin, with the summary
    for coin, usd in (("dogecoin", 0.25), ("bitcoin", 70000.0)):
        expected = money_format(usd * FX["vnd"], "vnd", "vi")
        wait_js(page, f"document.querySelector('tr[data-id={coin}] [data-cell=price]').textContent === '{expected}'")


def test_the_coin_page_is_in_vnd_too(live_server, page, table):
    page.context.add_cookies([{"name": "cryptodash_currency", "value": "vnd", "url": live_server.url}])
    page.goto(f"{live_server.url}/coin/ethereum?lang=vi", wait_until="networkidle")
    price = page.inner_text("#coin-price")
    assert price == money_format(2512.2 * FX["vnd"], "vnd", "vi")
    money = page.evaluate("() => [...document.querySelectorAll('#coin-facts [data-money]')].map(e => e.textContent)")
    assert money and all("₫" in text or text.startswith("\u2014") for text in money)
    _clean(page)


@pytest.fixture
def ingested(fake_upstream, settings):  # noqa: F811 - the imported fixture
    """The real pipeline against the project's fake upstream: a day of the site's own history, then
    a summary with its rates, the top-100 table and the tracked coins' candles, as beat stores them."""
    # Near the fake upstream's BTC (its fixture's 67,012.34), so the line meets the live price.
    demo_history_write(hours=24, every_s=300, btc_start=67_000.0, seed=30)
    settings.SUMMARY_L1_TTL = 0.0
    summary_refresh()
    assert markets_refresh() is not None
    assert candles_refresh(force=True)["fetched"] > 0
    return fake_upstream


def test_the_coin_page_draws_candles_from_redis_only(live_server, page, ingested):
    fetched = len(ingested.requests(prefix="binance"))
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/coin/bitcoin?lang=en", wait_until="networkidle")
    page.wait_for_selector("#coin-chart[data-state=ready]")
    assert page.locator("[data-chart-candles] canvas").count() == 1
    assert "Candles (Binance)" in page.inner_text("[data-chart-what]")
    page.click("button[data-range='1y']")
    page.wait_for_selector("#coin-chart[data-state=ready]")
    assert page.locator("[data-chart-candles] canvas").count() == 1
    assert len(ingested.requests(prefix="binance")) == fetched  # the page never made a request upstream


def test_a_coin_outside_the_tracked_ones_shows_its_7_day_prices(live_server, page, ingested):
    page.goto(f"{live_server.url}/coin/tether?lang=en", wait_until="networkidle")
    page.wait_for_selector("#coin-chart[data-state=ready]")
    assert page.get_attribute("button[data-range='7d']", "aria-pressed") == "true"
    assert "Price, last 7 days (CoinGecko)" in page.inner_text("[data-chart-what]")
    assert page.locator("[data-chart-line] canvas").count() == 1
    page.click("button[data-range='30d']")
    page.wait_for_selector("#coin-chart[data-state=empty]")
    assert page.inner_text("[data-chart-what]") == "No price history for this range."


# (language, theme, the visitor's zone): the page names the zone the browser reports.
LOOKS = [("vi", "light", "Asia/Ho_Chi_Minh"), ("en", "dark", "Europe/London")]


@pytest.mark.parametrize("look", LOOKS, ids=["vi-light", "en-dark"])
@pytest.mark.parametrize("width", [1366, 390])
def test_screenshots(live_server, browser, ingested, tmp_path, look, width):  # noqa: PLR0917
    lang, theme, zone = look
    context = browser.new_context(timezone_id=zone, viewport={"width": width, "height": 900})
    context.add_cookies([{"name": "cryptodash_theme", "value": theme, "url": live_server.url}])
    page = context.new_page()
    shots = _shots(tmp_path)
    page.goto(f"{live_server.url}/markets?lang={lang}", wait_until="networkidle")
    _clean(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    row = page.locator("tr[data-id=bitcoin]").bounding_box()
    assert row["height"] < 60  # one compact row per coin
    # Nothing of the table is cut off: it fits its box without a sideways scroll.
    assert page.evaluate(
        "(() => { const w = document.querySelector('.markets-wrap'); return w.scrollWidth <= w.clientWidth; })()"
    )
    page.screenshot(path=str(shots / f"markets-{lang}-{theme}-{width}.png"))
    # The browser's zone is remembered by its canonical name (Chromium says Asia/Saigon, the older
    # name of Asia/Ho_Chi_Minh), and the server renders the next page in it.
    browser_zone = page.evaluate(
        "window.CryptodashPrefs.zoneCanonical(Intl.DateTimeFormat().resolvedOptions().timeZone)"
    )
    assert {c["name"]: c["value"] for c in context.cookies()}["cryptodash_tz"] == browser_zone
    assert f'data-zone="{browser_zone}"' in page.request.get(f"{live_server.url}/markets").text()
    page.goto(f"{live_server.url}/coin/bitcoin?lang={lang}", wait_until="networkidle")
    page.wait_for_timeout(300)
    _clean(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.wait_for_selector("#coin-chart[data-state=ready]")
    assert browser_zone in page.inner_text(".site-footer")
    page.screenshot(path=str(shots / f"coin-{lang}-{theme}-{width}.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_pages_with_a_full_table_pass_axe(live_server, browser, ingested, theme, axe_violations):
    context = browser.new_context(bypass_csp=True, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    found = {}
    for path in ("/markets", "/markets?sort=price", "/coin/bitcoin", "/coin/tether", "/coin/nope"):
        sep = "&" if "?" in path else "?"
        page.goto(f"{live_server.url}{path}{sep}theme={theme}", wait_until="networkidle")
        violations = axe_violations(page)
        if violations:
            found[path] = violations
    context.close()
    assert found == {}
