"""The live tiles beside a report follow new summaries (static/js/live.js) and show their age."""

import pytest

from islands.cache_system.services import summary_store
from islands.crypto_reports.services import report_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_tiles_pick_up_a_new_summary_without_a_reload(live_server, page, wait_js):
    report = report_create(html_content="<h1>Báo cáo</h1>")
    summary_store(summary={"btc_price_usd": 60000.0, "btc_change_24h": 1.0})
    page.goto(f"{live_server.url}/crypto_report/{report.id}?lang=en")
    assert page.text_content("[data-field='btc_price_usd']") == "$60,000.00"
    wait_js(page, "/ago|just now/.test(document.querySelector('[data-updated]').textContent)")

    summary_store(summary={"btc_price_usd": 61234.5, "btc_change_24h": -0.5})

    # The test server speaks no WebSocket: live.js falls back to polling the summary API.
    wait_js(
        page, "document.querySelector(\"[data-field='btc_price_usd']\").textContent === '$61,234.50'", timeout=15_000
    )
    assert page.text_content("[data-field='btc_change_24h']") == "-0.50%"
