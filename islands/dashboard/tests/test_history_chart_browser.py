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
    demo_history_write(hours=24, every_s=60)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/?lang=en")

    assert chart_state(page) == "ready"
    assert page.get_attribute("#history-chart button[data-range='24h']", "aria-pressed") == "true"
    assert 400 < int(page.get_attribute("#history-chart", "data-points")) <= 500
    assert page.get_attribute("#history-chart [data-history-plot]", "data-segments") == "1"
    assert page.locator("#history-chart canvas").count() >= 1
    meta = page.inner_text("#history-chart [data-history-meta]")
    assert "database" not in meta and "stream" not in meta
    assert "each the average of 3 min" in meta
    shot_dir = Path(os.environ.get("CRYPTODASH_SCREENSHOT_DIR") or tmp_path)
    shot_dir.mkdir(parents=True, exist_ok=True)
    page.locator("#history-chart").screenshot(path=str(shot_dir / "history-24h.png"))

    page.click("#history-chart button[data-range='1h']")
    wait_js(page, "document.querySelector('#history-chart').dataset.points <= 60")
    assert page.get_attribute("#history-chart button[data-range='1h']", "aria-pressed") == "true"
    assert int(page.get_attribute("#history-chart", "data-points")) == 60

    page.select_option("#history-chart select", "fng_value")
    wait_js(
        page,
        "document.querySelector('#history-chart [role=img]').getAttribute('aria-label')"
        ".startsWith('Fear & Greed, last hour')",
    )
    assert chart_state(page) == "ready"


def test_without_history_it_says_so_instead_of_drawing(live_server, page):
    summary_store(summary={**summary_at(i=1), "btc_rsi_14": None})
    page.goto(f"{live_server.url}/?lang=en")
    assert chart_state(page) == "ready"
    page.select_option("#history-chart select", "btc_rsi_14")
    page.wait_for_selector("#history-chart[data-state='empty']", timeout=10_000)
    assert "No data in this range." in page.inner_text("#history-chart")
    assert page.query_selector("#history-chart canvas") is None


def test_an_hour_of_10_s_data_is_one_line_with_a_tooltip(live_server, page, wait_js):
    """Data every 10 s: the 1 h chart is one unbroken line (the API's slots are never finer than
    the data), a real hole is a gap, and hovering shows the time and value under the crosshair."""
    demo_history_write(hours=1, every_s=10)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/?lang=en")
    assert chart_state(page) == "ready"
    page.click("#history-chart button[data-range='1h']")
    wait_js(page, "document.querySelector('#history-chart').dataset.points > 300")
    wait_js(page, "document.querySelector('#history-chart [data-history-plot]').dataset.segments === '1'")

    box = page.locator("#history-chart .u-over").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    tip = page.locator("#history-chart .cd-timechart__tip")
    tip.wait_for(state="visible", timeout=5_000)
    assert "$" in tip.inner_text()

    # The same chart code with a 5-minute hole in the data: exactly two segments.
    segments = page.evaluate(
        """() => {
          const el = document.createElement('div'); document.body.appendChild(el);
          const now = Date.now(), pts = [];
          for (let i = 0; i < 360; i++) if (i < 100 || i >= 130) pts.push([now - (360 - i) * 10000, 100 + i]);
          const c = CryptodashCharts.timeSeries(el, pts, {label: 'x', gapMs: 25000});
          const n = c.segments; c.destroy(); el.remove(); return n;
        }"""
    )
    assert segments == 2


def test_a_few_minutes_of_history_get_distinct_axis_labels(live_server, page):
    """A new site has a minute or two of its own history: the time axis then names seconds,
    instead of the same HH:MM under every tick."""
    demo_history_write(hours=1, every_s=60)
    page.goto(f"{live_server.url}/?lang=en")
    assert chart_state(page) == "ready"  # the chart code is loaded
    labels = page.evaluate(
        """() => {
          const el = document.createElement('div'); el.style.width = '900px'; document.body.appendChild(el);
          const now = Date.UTC(2026, 10, 29, 8, 38, 0), pts = [];
          for (let i = 0; i < 12; i++) pts.push([now + i * 10000, 65000 + i]);
          const c = CryptodashCharts.timeSeries(el, pts, {label: 'x', gapMs: 25000, timeZone: 'UTC'});
          // The labels the time axis gives ticks at the points' own times.
          const out = c.plot.axes[0].values(c.plot, pts.map((p) => p[0] / 1000));
          c.destroy(); el.remove(); return out;
        }"""
    )
    assert len(labels) >= 3
    assert len(set(labels)) == len(labels), labels
    assert all(label.count(":") == 2 for label in labels), labels
