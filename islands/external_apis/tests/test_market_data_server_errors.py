"""Scenario `market_data_server_errors`: /coins/markets and /exchange_rates answer 503 (HTML),
/klines 503. Nothing stored is removed or replaced by a made-up value; each says why."""

import pytest
from django.conf import settings

from islands.cache_system.market_selectors import candles_latest, fx_rates, markets_latest
from islands.external_apis.market_ingest import candles_refresh, markets_refresh
from islands.external_apis.services import summary_refresh


@pytest.fixture(autouse=True)
def _no_l1(settings):
    # Each read sees what the last fetch just stored (pages are up to SUMMARY_L1_TTL behind).
    settings.SUMMARY_L1_TTL = 0.0


def test_a_first_fetch_that_fails_leaves_no_table_and_says_why(fake_upstream, redis_conn):
    fake_upstream.scenario_set("market_data_server_errors")

    assert markets_refresh() is None

    snapshot = markets_latest()
    assert snapshot.coins == [] and snapshot.stream_id is None
    assert "no market table" in snapshot.reason and "503" in snapshot.reason
    assert redis_conn.xlen(settings.STREAM_MARKETS) == 0


def test_candles_keep_their_rows_and_carry_the_error(fake_upstream, redis_conn):
    candles_refresh()
    before = candles_latest(coin_id="bitcoin", interval="1h")
    assert len(before.rows) == 168 and before.reason is None

    fake_upstream.scenario_set("market_data_server_errors")
    counts = candles_refresh(force=True)

    after = candles_latest(coin_id="bitcoin", interval="1h")
    assert counts["fetched"] == 0 and counts["failed"] > 0
    assert after.rows == before.rows
    assert after.stale is True and "503" in after.reason


def test_the_rates_keep_their_last_value_with_its_age(fake_upstream, redis_conn):
    good = summary_refresh(sources=["fx"])["fx"]
    assert good["vnd"] > 20_000 and 0.5 < good["eur"] < 1.5

    fake_upstream.scenario_set("market_data_server_errors")
    summary_refresh(sources=["fx"])

    rates = fx_rates()
    assert rates.rates == {"vnd": good["vnd"], "eur": good["eur"]}
    assert rates.age_s is not None and rates.age_s >= 0
