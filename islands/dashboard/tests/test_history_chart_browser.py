"""The home page's history chart in Chromium: 24 h of demo data, range buttons, the 503 state.

Set CRYPTODASH_SCREENSHOT_DIR to keep a picture of the 24 h chart (docs/screenshots/history-24h.png).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from islands.cache_system.services import summary_store
from islands.cache_system.tests.history_data import demo_history_write, summary_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True, scope="session")
def _sync_orm_beside_playwright():
    # Playwright's sync API keeps an event loop running in this thread, and Django then refuses
    # ORM calls from it; the test itself is plain synchronous code, so the check does not apply.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


def chart_state(page) -> str:
    page.wait_for_selector("#history-chart:not([data-state='loading'])", timeout=10_000)
    return page.get_attribute("#history-chart", "data-state")


def test_it_draws_24_hours_and_switches_ranges(live_server, page, tmp_path, wait_js):
    rows, entries = demo_history_write(hours=24, every_s=60)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/?lang=en")

    assert chart_state(page) == "ready"
    assert page.get_attribute("#history-chart button[data-range='24h']", "aria-pressed") == "true"
    assert 400 < int(page.get_attribute("#history-chart", "data-points")) <= 500
    line = page.get_attribute("#history-chart path.cd-line", "d")
    assert line.count("L") > 400
    assert f"{rows} entries from the database, {entries} from the live stream" in page.inner_text("#history-chart")
    shot_dir = Path(os.environ.get("CRYPTODASH_SCREENSHOT_DIR") or tmp_path)
    shot_dir.mkdir(parents=True, exist_ok=True)
    page.locator("#history-chart").screenshot(path=str(shot_dir / "history-24h.png"))

    page.click("#history-chart button[data-range='1h']")
    wait_js(page, "document.querySelector('#history-chart').dataset.points <= 60")
    assert page.get_attribute("#history-chart button[data-range='1h']", "aria-pressed") == "true"
    assert int(page.get_attribute("#history-chart", "data-points")) == 60

    page.select_option("#history-chart select", "fng_value")
    wait_js(page, "document.querySelector('#history-chart svg title').textContent === 'Fear & Greed'")
    assert chart_state(page) == "ready"


def test_without_history_it_says_so_instead_of_drawing(live_server, page):
    summary_store(summary={**summary_at(i=1), "btc_rsi_14": None})
    page.goto(f"{live_server.url}/?lang=en")
    assert chart_state(page) == "ready"
    page.select_option("#history-chart select", "btc_rsi_14")
    page.wait_for_selector("#history-chart[data-state='empty']", timeout=10_000)
    assert "No data in this range." in page.inner_text("#history-chart")
    assert page.query_selector("#history-chart path.cd-line") is None
