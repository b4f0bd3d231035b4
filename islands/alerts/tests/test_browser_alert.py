"""End to end in Chromium: sign up, create an alert, the BTC price crosses it in the stream, the
notice appears without a reload; after a reload the alert is listed as fired, with its time.

The web server of `make run` and the `evaluate_alerts` command run as real processes on the
test's Redis; the crossing is an XADD of two summaries (as the ingest writes them)."""

from __future__ import annotations

import copy
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cryptodash.stack.processes import process_stop
from islands.cache_system.selectors import heartbeat_age
from islands.cache_system.services import summary_store
from islands.dashboard.tests.conftest import SUMMARY
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


def btc_summary(price: float) -> str:
    return summary_store(summary=copy.deepcopy(SUMMARY) | {"btc_price_usd": price})


def test_sign_up_create_an_alert_and_see_it_fire_without_a_reload(page, tmp_path, wait_js):
    btc_summary(99_000.0)
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

        btc_summary(100_500.0)
        page.wait_for_selector(".alert-toast", timeout=10_000)
        notice = page.locator(".alert-toast").inner_text()
        assert "BTC" in notice and "100,500" in notice and "take profit" in notice
        wait_js(page, "() => document.querySelectorAll('#fire-table tr[data-fire-id]').length === 1")
        assert page.evaluate("() => window.__notReloaded === true")

        page.reload()
        row = page.locator("#fire-table tr[data-fire-id]")
        assert row.count() == 1
        assert row.locator("time").get_attribute("datetime")
        assert row.locator("time").inner_text().strip()
        assert page.locator("#alert-table [data-last-fired] time").count() == 1
