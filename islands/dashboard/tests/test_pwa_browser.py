"""The installable app in Chromium: the manifest is parsed, the worker takes control, and a reload
without network shows the last prices with an "offline — data from HH:MM" banner, which goes when
the network is back."""

from __future__ import annotations

import pytest

from islands.cache_system.services import summary_store
from islands.cache_system.tests.history_data import summary_at
from islands.shared_components.formatting import format_value

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORKER_ACTIVE = """async () => {
  const reg = await navigator.serviceWorker.getRegistration('/');
  return Boolean(reg && reg.active && reg.active.state === 'activated' && navigator.serviceWorker.controller);
}"""


def test_it_installs_and_reloads_offline_with_the_last_prices(
    live_server, page, wait_js, sync_orm_beside_playwright, fresh_page_cache
):
    summary = {**summary_at(i=3), "btc_price_usd": 91234.5}
    summary_store(summary=summary)
    page.goto(f"{live_server.url}/?lang=en")

    # Install criteria: a manifest the browser fetched and parsed, with its icons.
    manifest_url = page.evaluate("document.querySelector('link[rel=manifest]').href")
    manifest = page.evaluate("async (u) => (await fetch(u)).json()", manifest_url)
    assert manifest["display"] == "standalone" and manifest["icons"]
    wait_js(page, WORKER_ACTIVE, timeout=15_000)
    page.reload()  # now through the worker: the page and its data go into its cache
    wait_js(page, "Boolean(navigator.serviceWorker.controller)")
    price = format_value(91234.5, "price", "en")
    assert price in page.inner_text("#tile-coin-btc")

    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("#offline-banner:not([hidden])", timeout=10_000)
    banner = page.inner_text("#offline-banner")
    assert banner.startswith("Offline — data from ")
    assert price in page.inner_text("#tile-coin-btc")
    assert page.get_attribute("#connection-status", "data-state") == "offline"

    page.context.set_offline(False)
    page.wait_for_selector("#offline-banner", state="hidden", timeout=15_000)
    wait_js(page, "document.querySelector('#connection-status').dataset.state !== 'offline'", timeout=15_000)


def test_a_report_still_opens_in_its_frame_under_the_worker(
    live_server, page, wait_js, sync_orm_beside_playwright, fresh_page_cache
):
    """A framed report document answers only a frame's own request (Sec-Fetch-Dest: iframe): the
    worker leaves it to the browser, so the report shows under the worker, online and offline
    (from the browser's HTTP cache: its address is versioned)."""
    from islands.crypto_reports.services import report_create  # noqa: PLC0415 - models after set-up

    summary_store(summary=summary_at(i=1))
    report = report_create(html_content="<h1>Báo cáo</h1><p>Nội dung.</p>", html_content_en="<h1>Report</h1>")
    page.goto(f"{live_server.url}/?lang=en")
    wait_js(page, WORKER_ACTIVE, timeout=15_000)
    page.goto(f"{live_server.url}/crypto_report/{report.id}?lang=en")
    wait_js(page, "Boolean(navigator.serviceWorker.controller)")
    page.frame_locator("#report-frame").locator("h1", has_text="Report").wait_for(timeout=15_000)

    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("#offline-banner:not([hidden])", timeout=10_000)
    page.frame_locator("#report-frame").locator("h1", has_text="Report").wait_for(timeout=15_000)
