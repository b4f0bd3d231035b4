"""Scenario `markets_rate_limited`: CoinGecko answers 429 (Retry-After 30) to /coins/markets and
/exchange_rates. The last market table stays, marked stale with the reason; no process calls
CoinGecko again before the Retry-After ends (a second OS process, checked in the request log)."""

import subprocess
import sys

import pytest
from django.conf import settings

from islands.cache_system.market_selectors import fx_rates, markets_latest
from islands.external_apis import resilience
from islands.external_apis.market_ingest import markets_refresh
from islands.external_apis.selectors import source_states
from islands.external_apis.services import summary_refresh
from islands.external_apis.tests.conftest import calls, process_env


def _markets_calls(server) -> list[dict]:
    return [row for row in calls(server, "coingecko") if row["path"].endswith("/coins/markets")]


@pytest.fixture(autouse=True)
def _no_l1(settings):
    # Each read sees what the last fetch just stored (pages are up to SUMMARY_L1_TTL behind).
    settings.SUMMARY_L1_TTL = 0.0


def test_the_table_stays_marked_stale_with_the_reason(fake_upstream, redis_conn):
    first = markets_refresh()
    assert first is not None and len(markets_latest().coins) == 100

    fake_upstream.scenario_set("markets_rate_limited")
    assert markets_refresh() is None

    snapshot = markets_latest()
    assert snapshot.stream_id == first  # the last table, not an empty one
    assert len(snapshot.coins) == 100 and snapshot.coins[0]["price_usd"] > 0
    assert snapshot.stale is True
    assert "rate_limited" in snapshot.reason and "429" in snapshot.reason
    assert redis_conn.xlen(settings.STREAM_MARKETS) == 1
    assert 0 < source_states()["coingecko"]["retry_after_s"] <= 30


def test_no_process_calls_coingecko_again_before_the_retry_after(fake_upstream, redis_conn):
    fake_upstream.scenario_set("markets_rate_limited")
    markets_refresh()
    assert [row["status"] for row in _markets_calls(fake_upstream)] == [429]

    # This process with no guard in memory, then another OS process: only Redis knows the cooldown.
    resilience._guards.clear()
    assert markets_refresh() is None
    other = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from islands.external_apis.market_ingest import markets_refresh; print('entry', markets_refresh())"],
        env=process_env(fake_upstream, settings.REDIS_URL),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )  # fmt: skip
    assert "entry None" in other.stdout
    summary = summary_refresh(sources=["fx"])  # the rates share the quota and the cooldown

    assert [row["status"] for row in _markets_calls(fake_upstream)] == [429]
    assert [row for row in calls(fake_upstream, "coingecko") if row["path"].endswith("/exchange_rates")] == []
    assert summary["fx"]["vnd"] is None and "rate_limited" in summary["fx"]["reason"]
    assert fx_rates().rate("vnd") is None


def test_the_rates_stay_unknown_with_the_reason_never_made_up(fake_upstream, redis_conn):
    fake_upstream.scenario_set("markets_rate_limited")

    summary = summary_refresh(sources=["fx"])

    assert summary["fx"]["vnd"] is None and summary["fx"]["eur"] is None
    assert summary["fx"]["age_s"] is None
    assert "429" in summary["fx"]["reason"]
    assert summary["btc_price_usd"] is None or summary["btc_price_usd"] > 0  # prices untouched: USD
    rates = fx_rates()
    assert rates.rates == {"vnd": None, "eur": None} and "429" in rates.reason
