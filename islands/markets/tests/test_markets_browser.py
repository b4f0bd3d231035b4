"""/markets and /coin/<id> in Chromium: sorting, search, a row updated live, VND everywhere, and a
phone-sized table; screenshots (1366 and 390 px, vi/light and en/dark) when
CRYPTODASH_SCREENSHOT_DIR is set (docs/screenshots/markets-*.png, coin-*.png).

The test server speaks HTTP only: the page follows new tables by polling the markets API, as it
does while the socket is down (the socket's own markets_update frames: test_live_table.py).
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
from django.conf import settings

from islands.cache_system.stores import stream_store
from islands.cache_system.tests.history_data import demo_history_write
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


def test_switching_to_vnd_changes_every_price_and_the_next_update(live_server, page, table, store_table, wait_js):
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
    moved[0]["price_usd"] = 70000.0
    store_table(moved)
    expected = money_format(70000.0 * FX["vnd"], "vnd", "vi")
    wait_js(page, f"document.querySelector('tr[data-id=bitcoin] [data-cell=price]').textContent === '{expected}'")


def test_the_coin_page_is_in_vnd_too(live_server, page, table):
    page.context.add_cookies([{"name": "cryptodash_currency", "value": "vnd", "url": live_server.url}])
    page.goto(f"{live_server.url}/coin/ethereum?lang=vi", wait_until="networkidle")
    price = page.inner_text("#coin-price")
    assert price == money_format(2512.2 * FX["vnd"], "vnd", "vi")
    money = page.evaluate("() => [...document.querySelectorAll('#coin-facts [data-money]')].map(e => e.textContent)")
    assert money and all("₫" in text or text.startswith("\u2014") for text in money)
    _clean(page)


@pytest.fixture
def table_with_history(store_table, store_fx):
    """A day of the site's own history before the newest summary, so the coin chart has its line."""
    demo_history_write(hours=24, every_s=300)
    last = stream_store().latest(settings.STREAM_MARKET_DATA).data
    prices = {key: value for key, value in last.items() if key.endswith(("_price_usd", "_change_24h"))}
    store_fx(mode="simulated", **prices)
    rows = coins_usd(100)
    rows[0]["price_usd"] = prices["btc_price_usd"]  # the table agrees with the summary it came beside
    store_table(rows)
    return rows


# (language, theme, the visitor's zone): the page names the zone the browser reports.
LOOKS = [("vi", "light", "Asia/Ho_Chi_Minh"), ("en", "dark", "Europe/London")]


@pytest.mark.parametrize("look", LOOKS, ids=["vi-light", "en-dark"])
@pytest.mark.parametrize("width", [1366, 390])
def test_screenshots(live_server, browser, table_with_history, tmp_path, look, width):  # noqa: PLR0917
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
    page.screenshot(path=str(shots / f"markets-{lang}-{theme}-{width}.png"))
    page.goto(f"{live_server.url}/coin/bitcoin?lang={lang}", wait_until="networkidle")
    page.wait_for_timeout(300)
    _clean(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.wait_for_selector("#coin-chart[data-state=ready]")
    # Named as the browser reports it (Chromium says Asia/Saigon, the older name of the same zone).
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") in page.inner_text(".site-footer")
    page.screenshot(path=str(shots / f"coin-{lang}-{theme}-{width}.png"), full_page=True)
    context.close()
