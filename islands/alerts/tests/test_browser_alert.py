"""End to end in Chromium: sign up, create an alert, the fake upstream's BTC price is moved across
it, the notice appears without a reload; after a reload the alert is listed as fired, with its time.

The web server of `make run` and the `evaluate_alerts` command run as real processes on the
test's Redis; the summaries are fetched from the fake upstream by the real ingest (this process
stands in for the Celery worker), the price moved with the fake's `POST /__prices`."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from cryptodash.stack.processes import process_stop
from islands.cache_system.selectors import heartbeat_age
from islands.cache_system.stores import stream_store
from islands.external_apis.fake_upstream.server import FakeUpstream
from islands.external_apis.services import summary_refresh
from islands.websocket_service.tests.processes import BASE_DIR, child_env, web_process

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery 42"


@contextmanager
def evaluator_process(run_dir: Path) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(
        [sys.executable, str(BASE_DIR / "manage.py"), "evaluate_alerts", "--consumer", "alerts-e2e"],
        cwd=BASE_DIR,
        env=child_env(run_dir, CONSUMER_HEARTBEAT_INTERVAL="0.2", CONSUMER_BLOCK_MS="100"),
    )
    try:
        deadline = time.monotonic() + 30
        while heartbeat_age(name="alerts") is None:
            assert process.poll() is None, "evaluate_alerts exited"
            assert time.monotonic() < deadline, "the evaluator never recorded a heartbeat"
            time.sleep(0.05)
        yield process
    finally:
        process_stop(process)


@pytest.fixture
def upstream(settings) -> Iterator[FakeUpstream]:
    server = FakeUpstream(seed=7).start()
    for name, value in server.base_urls().items():
        setattr(settings, name, value)
    yield server
    server.stop()


def btc_moved_to(upstream: FakeUpstream, price: float) -> float:
    """The fake's price control, then one prices run of the ingest: the summary's BTC price."""
    request = urllib.request.Request(
        f"{upstream.url}/__prices", data=json.dumps({"BTCUSDT": price}).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
    summary_refresh(sources=["prices"])
    return stream_store().latest(settings.STREAM_MARKET_DATA).data["btc_price_usd"]


def test_sign_up_create_an_alert_and_see_it_fire_without_a_reload(page, tmp_path, wait_js, upstream):
    assert btc_moved_to(upstream, 95_000.0) < 100_000
    with web_process(tmp_path) as (url, _web), evaluator_process(tmp_path):
        page.goto(f"{url}/accounts/signup/?lang=en")
        page.fill("input[name=email]", "ann@example.org")
        page.fill("input[name=password1]", PASSWORD)
        page.fill("input[name=password2]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{url}/alerts")

        page.select_option("#id_kind", "price_above")
        page.select_option("#id_coin", "btc")
        page.select_option("#id_currency", "usd")
        page.fill("#id_threshold", "100000")
        page.fill("#id_note", "take profit")
        page.click("#alert-form button[type=submit]")
        page.wait_for_url(f"{url}/alerts")
        assert page.locator("#alert-table tr[data-alert-id]").count() == 1
        page.wait_for_selector('#connection-status[data-state="live"]', timeout=10_000)
        page.evaluate("() => { window.__notReloaded = true; }")

        crossed = btc_moved_to(upstream, 110_000.0)
        assert crossed > 100_000
        page.wait_for_selector(".alert-toast", timeout=10_000)
        notice = page.locator(".alert-toast").inner_text()
        assert "BTC" in notice and f"{crossed:,.2f}" in notice and "take profit" in notice
        wait_js(page, "() => document.querySelectorAll('#fire-table tr[data-fire-id]').length === 1")
        assert page.evaluate("() => window.__notReloaded === true")

        page.reload()
        row = page.locator("#fire-table tr[data-fire-id]")
        assert row.count() == 1
        assert row.locator("time").get_attribute("datetime")
        assert row.locator("time").inner_text().strip()
        assert page.locator("#alert-table [data-last-fired] time").count() == 1
