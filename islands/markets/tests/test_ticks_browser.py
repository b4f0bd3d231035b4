"""End to end in Chromium, in VND: a tick the fake exchange sends moves the BTC row of /markets and
the price on /coin/bitcoin within a second (fake WebSocket → ticks_ingest → crypto:ticks → relay →
web process → page), with the change cue, the tick's 24 h change and, on the coin page, its
source and age."""

from __future__ import annotations

import pytest

from islands.cache_system.selectors import heartbeat_age, ticks_latest
from islands.external_apis.fake_upstream.server import FakeUpstream
from islands.shared_components.formatting import format_value, money_format
from islands.websocket_service.tests.processes import relay_process, web_process
from islands.websocket_service.tests.test_browser_ticks import ticks_process, wait_until

from .conftest import FX, coins_usd

pytestmark = pytest.mark.browser

ROW_PRICE = "tr[data-id=bitcoin] [data-cell=price]"
ROW_CHANGE = "tr[data-id=bitcoin] [data-cell=change_24h]"
COIN_PRICE = "#coin-price"
FACT_PRICE = "tr[data-fact=price] td.num"
FACT_CHANGE = "tr[data-fact=change_24h] td.num"
SHOWS = "([s, t]) => document.querySelector(s).textContent.trim() === t"
# The price moved to the pushed one and flashed its direction (static/js/flash.js).
SHOWS_AND_FLASHES = f"([s, t, d]) => ({SHOWS})([s, t]) && document.querySelector(s).getAttribute('data-flash') === d"


def vnd(page, usd: float) -> str:
    """As the server writes VND in the page's language."""
    return money_format(usd * FX["vnd"], "vnd", page.evaluate("() => document.documentElement.lang"))


def change(page, value: float | None) -> str:
    return format_value(value, "change", page.evaluate("() => document.documentElement.lang"))


def push_and_wait(fake, page, wait_js, selector: str, price: float, *, direction: str | None = None) -> None:
    fake.ticks.control(push={"BTCUSDT": price})
    if direction is None:  # a first push warms every hop (relay read, hub join, page socket)
        wait_js(page, SHOWS, arg=[selector, vnd(page, price)])
    else:
        wait_js(page, SHOWS_AND_FLASHES, arg=[selector, vnd(page, price), direction], timeout=1_000)


def test_a_tick_moves_the_btc_row_and_the_coin_page_in_vnd_within_a_second(
    page, tmp_path, store_table, store_fx, wait_js
):
    store_fx()
    store_table(coins_usd(30))
    fake = FakeUpstream(seed=11).start()
    try:
        with (
            web_process(tmp_path) as (url, _web),
            relay_process(tmp_path),
            ticks_process(tmp_path, fake.ticks.url),
        ):
            wait_until(lambda: heartbeat_age(name="relay") is not None, "the relay's heartbeat")
            wait_until(lambda: "btc" in ticks_latest(), "the ingest's first BTC tick")
            # Only pushed prices from now on: a random-walk tick must not overwrite the one we check.
            fake.ticks.control(mode="stall")
            page.context.add_cookies([{"name": "cryptodash_currency", "value": "vnd", "url": url}])

            page.goto(f"{url}/markets")
            page.wait_for_selector('#connection-status[data-state="live"]', timeout=10_000)
            push_and_wait(fake, page, wait_js, ROW_PRICE, 70_111.25)
            push_and_wait(fake, page, wait_js, ROW_PRICE, 70_222.75, direction="up")
            push_and_wait(fake, page, wait_js, ROW_PRICE, 70_100.5, direction="down")
            # The row's 24 h change is the exchange's, from the same tick.
            tick_change = ticks_latest()["btc"].change_24h
            assert tick_change is not None
            wait_js(page, SHOWS, arg=[ROW_CHANGE, change(page, tick_change)])
            # Only the tracked coins move with ticks: Ethereum's row still shows the table's price.
            assert page.inner_text("tr[data-id=ethereum] [data-cell=price]").strip() == vnd(page, 2512.2)

            page.goto(f"{url}/coin/bitcoin")
            page.wait_for_selector('#connection-status[data-state="live"]', timeout=10_000)
            push_and_wait(fake, page, wait_js, COIN_PRICE, 70_333.0)
            push_and_wait(fake, page, wait_js, COIN_PRICE, 70_444.5, direction="up")
            wait_js(page, SHOWS, arg=[FACT_PRICE, vnd(page, 70_444.5)])
            wait_js(page, SHOWS, arg=[FACT_CHANGE, change(page, ticks_latest()["btc"].change_24h)])
            # Where the price came from and how old it is: the tick's, under the price and in the facts.
            source = page.inner_text(".coin-price__source [data-source-for=price]").strip()
            assert source == "Binance WebSocket"
            assert page.inner_text("tr[data-fact=price] [data-source-for]").strip() == "Binance WebSocket"
            tick_at = ticks_latest()["btc"].exchange_ms
            shown_at = page.get_attribute(".coin-price__source time", "data-age-from")
            assert page.evaluate("(s) => Date.parse(s)", shown_at) == tick_at
    finally:
        fake.stop()
