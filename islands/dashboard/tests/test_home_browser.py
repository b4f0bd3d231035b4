"""The home page in Chromium, vi/light and en/dark: every tile filled, gauges and sparklines drawn,
nothing overlapping, no "None"/"NaN"/"undefined", and the theme toggle remembered.

Set CRYPTODASH_SCREENSHOT_DIR to keep the pictures (docs/screenshots/home-vi-light.png, home-en-dark.png).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings

from islands.cache_system.market_schema import field_states
from islands.cache_system.services import summary_store
from islands.cache_system.stores import stream_store
from islands.cache_system.tests.history_data import demo_history_write
from islands.shared_components.formatting import format_value
from islands.shared_components.preferences import THEME_COOKIE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OVERLAPS = """() => {
  const boxes = [...document.querySelectorAll('.tile, .site-header a, .site-header #connection-status')]
    .map((el) => [el, el.getBoundingClientRect()]).filter(([, r]) => r.width && r.height);
  const hits = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, r] = boxes[i], [b, s] = boxes[j];
    if (a.contains(b) || b.contains(a)) continue;
    if (r.left < s.right - 1 && s.left < r.right - 1 && r.top < s.bottom - 1 && s.top < r.bottom - 1)
      hits.push((a.id || a.textContent.trim().slice(0, 20)) + ' / ' + (b.id || b.textContent.trim().slice(0, 20)));
  }
  return hits;
}"""


@pytest.fixture(autouse=True, scope="session")
def _sync_orm_beside_playwright():
    # Playwright's sync API keeps an event loop running in this thread; the test code is synchronous.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture
def market(summary):
    """A day of history, then a complete latest summary continuing it (so sparklines make sense)."""
    demo_history_write(hours=24, every_s=120)
    last = stream_store().latest(settings.STREAM_MARKET_DATA).data
    summary.update({key: value for key, value in last.items() if key.endswith(("_price_usd", "_change_24h"))})
    summary["mode"] = "simulated"
    fetched = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=8)
    for state in summary["data_sources"].values():
        state["updated_at"] = fetched.isoformat().replace("+00:00", "Z")
    summary["data_sources"]["coinmarketcap"] = {
        "status": "disabled",
        "updated_at": None,
        "error": "CMC_API_KEY is not set",
    }
    summary["us_stock_indices"]["QQQM"] = {"price": None, "change": None, "change_percent": None, "status": "failed"}
    summary["us_stock_indices"]["QQQM"]["error"] = "HTTP 429 from finnhub"
    summary_store(summary=summary)
    return summary


def _shot_dir(tmp_path: Path) -> Path:
    path = Path(os.environ.get("CRYPTODASH_SCREENSHOT_DIR") or tmp_path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _check_page(page) -> str:
    page.wait_for_selector(".gauge svg", timeout=10_000)
    page.wait_for_selector(".spark svg", timeout=10_000)
    text = page.inner_text("body")
    for bad in ("None", "NaN", "undefined", "null"):
        assert bad not in text, bad
    assert page.evaluate(OVERLAPS) == []
    assert page.locator(".gauge svg").count() == 2
    assert page.locator(".spark svg").count() == 7
    return text


def test_it_renders_vietnamese_light(live_server, page, market, tmp_path):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/?lang=vi", wait_until="networkidle")
    text = _check_page(page)
    assert page.get_attribute("html", "lang") == "vi"
    assert page.get_attribute("html", "data-theme") == "light"
    assert "Tổng quan thị trường" in text
    assert format_value(market["btc_price_usd"], "price", "vi") in text
    assert "Dữ liệu mô phỏng" in text
    assert page.get_attribute("#tile-index-qqqm", "data-state") == "unknown"
    assert "giây trước" in page.inner_text("#tile-coin-btc .tile__age")
    assert page.inner_text("#tile-index-qqqm .tile__age") == ""
    page.screenshot(path=str(_shot_dir(tmp_path) / "home-vi-light.png"), full_page=True)


def test_it_renders_english_dark_and_remembers_the_toggle(live_server, page, market, tmp_path):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/?lang=en", wait_until="networkidle")
    page.click("#theme-toggle")
    assert page.get_attribute("html", "data-theme") == "dark"
    assert page.context.cookies()[0]["name"] in (THEME_COOKIE, "cryptodash_lang")
    page.goto(f"{live_server.url}/", wait_until="networkidle")
    assert page.get_attribute("html", "data-theme") == "dark"  # rendered dark by the server: no flash
    assert page.get_attribute("html", "lang") == "en"
    text = _check_page(page)
    assert "Market overview" in text
    assert "$3.41T" in text
    page.screenshot(path=str(_shot_dir(tmp_path) / "home-en-dark.png"), full_page=True)


def test_it_keeps_moving_when_a_new_summary_arrives(live_server, page, market, wait_js):
    """live.js polls the summary API while no socket is up (this test server speaks HTTP only)."""
    page.goto(f"{live_server.url}/?lang=en", wait_until="networkidle")
    page.wait_for_selector("#connection-status:not([data-state='offline'])", timeout=5_000)
    new = {**market, "btc_price_usd": 123456.78, "btc_change_24h": -4.5, "fng_value": None}
    # As the ingest writes it: the tile states decided on the server, carried in the summary.
    summary_store(summary={**new, "field_states": field_states(new)})
    wait_js(page, "document.querySelector('[data-field=btc_price_usd]').textContent === '$123,456.78'", timeout=15_000)
    assert "down" in page.get_attribute(".tile__sub [data-field=btc_change_24h]", "class")
    assert page.get_attribute("#tile-fng", "data-state") == "unknown"
    assert page.inner_text("#tile-fng .gauge") == "\u2014"


def test_it_fits_a_phone_screen(live_server, page, market):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/?lang=en", wait_until="networkidle")
    _check_page(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
