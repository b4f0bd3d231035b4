"""What the interface tells people without words, in Chromium: a changed value flashes its
direction, sparklines say their range in the colour of that range's change, the connection
indicator appears only on pages with a live connection, the theme follows the system until one is
chosen, and sources have their human names."""

from __future__ import annotations

import pytest

from islands.cache_system.services import summary_store
from islands.cache_system.tests.history_data import demo_history_write, summary_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_FLASHES = """() => {
  window.__flashes = [];
  new MutationObserver((ms) => ms.forEach((m) => {
    const v = m.target.getAttribute('data-flash');
    if (v) window.__flashes.push([m.target.getAttribute('data-field'), v]);
  })).observe(document.body, {subtree: true, attributes: true, attributeFilter: ['data-flash']});
}"""


@pytest.fixture
def market(sync_orm_beside_playwright, fresh_page_cache):
    demo_history_write(hours=1, every_s=60)
    summary = {**summary_at(i=70), "mode": "simulated"}
    summary_store(summary=summary)
    return summary


def test_a_live_update_flashes_the_values_that_moved(live_server, page, market, wait_js):
    page.goto(f"{live_server.url}/?lang=en")
    page.wait_for_selector("#connection-status:not([hidden])")
    page.evaluate(RECORD_FLASHES)
    summary_store(summary={**market, "btc_price_usd": market["btc_price_usd"] + 500, "eth_price_usd": 100.0})
    wait_js(page, "window.__flashes.length >= 2", timeout=15_000)
    flashes = dict(page.evaluate("window.__flashes"))
    assert flashes["btc_price_usd"] == "up"
    assert flashes["eth_price_usd"] == "down"
    assert "sol_price_usd" not in flashes  # unchanged: no flash


def test_sparklines_say_their_range_in_the_colour_of_its_change(live_server, page, market):
    page.goto(f"{live_server.url}/?lang=en", wait_until="networkidle")
    page.wait_for_selector("#tile-coin-btc .spark svg")
    caption = page.locator("#tile-coin-btc [data-spark-range]")
    text = caption.inner_text()
    assert text.startswith("1 h ") and text.endswith("%")
    direction = "down" if text.split(" ", 2)[2].startswith("-") else "up"
    assert direction in caption.get_attribute("class")
    stroke = page.evaluate("getComputedStyle(document.querySelector('#tile-coin-btc .spark path')).stroke")
    expected = page.evaluate(
        "(d) => { const s = document.createElement('span'); s.style.color = `var(--${d})`;"
        " document.body.appendChild(s); const c = getComputedStyle(s).color; s.remove(); return c; }",
        direction,
    )
    assert stroke == expected


def test_the_status_dot_is_only_where_there_is_a_live_connection(live_server, page, market):
    for path in ("/crypto_reports_list", "/no-such-page"):
        page.goto(f"{live_server.url}{path}?lang=en")
        assert not page.locator("#connection-status").is_visible(), path
        assert "Offline" not in page.inner_text("header")
    page.goto(f"{live_server.url}/?lang=en")
    page.wait_for_selector("#connection-status:not([hidden])")


def test_the_theme_follows_the_system_until_one_is_chosen(live_server, browser, market):
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    page.goto(f"{live_server.url}/?lang=en")
    assert page.get_attribute("html", "data-theme") == "dark"
    page.goto(f"{live_server.url}/?theme=light")
    assert page.get_attribute("html", "data-theme") == "light"
    page.goto(f"{live_server.url}/")
    assert page.get_attribute("html", "data-theme") == "light"  # the choice is remembered
    context.close()


def test_sources_have_human_names_and_the_site_an_icon(live_server, page, market):
    page.goto(f"{live_server.url}/?lang=en")
    table = page.inner_text("#sources")
    assert "Binance" in table and "binance" not in table
    assert page.locator("#tile-coin-btc img.coin-icon").count() == 1
    icon = page.evaluate("document.querySelector('link[rel=icon]').href")
    assert page.request.get(icon).ok
    assert page.request.get(f"{live_server.url}/favicon.ico").ok


def test_the_keyboard_starts_at_the_skip_link_and_focus_is_visible(live_server, page, market):
    page.goto(f"{live_server.url}/?lang=en")
    page.keyboard.press("Tab")
    first = page.evaluate("[document.activeElement.className, getComputedStyle(document.activeElement).left]")
    assert first[0] == "skip-link" and first[1] == "8px"  # moved on screen while focused
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.className, s.outlineStyle, s.outlineWidth]; })()"
    )
    assert focused == ["brand", "solid", "2px"]
    page.keyboard.press("Enter")  # the brand link: home again, nothing trapped the keyboard
    page.wait_for_url(f"{live_server.url}/")


@pytest.mark.parametrize(("motion", "fades"), [("no-preference", True), ("reduce", False)])
def test_the_flash_fades_only_without_reduced_motion(live_server, browser, market, motion, fades):
    context = browser.new_context(reduced_motion=motion)
    page = context.new_page()
    page.goto(f"{live_server.url}/?lang=en")
    duration = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('[data-field=btc_price_usd]')).transitionDuration)"
    )
    assert (duration >= 1) is fades
    context.close()
