"""Scenario `market_data_garbage`: 200 answers whose bodies are not what the documented formats
say (an object instead of the table, NaN rates, klines rows that do not parse). Each is a
failure with a reason; no value is invented from them."""

import pytest
from django.conf import settings

from islands.cache_system.market_schema import CANDLE_INTERVALS, tracked_coins
from islands.cache_system.market_selectors import candles_latest, fx_rates, markets_latest
from islands.external_apis.market_ingest import candles_refresh, markets_refresh
from islands.external_apis.services import summary_refresh


@pytest.fixture(autouse=True)
def _no_l1(settings):
    # Each read sees what the last fetch just stored (pages are up to SUMMARY_L1_TTL behind).
    settings.SUMMARY_L1_TTL = 0.0


def test_a_table_that_is_not_a_list_is_refused(fake_upstream, redis_conn):
    fake_upstream.scenario_set("market_data_garbage")

    assert markets_refresh() is None

    snapshot = markets_latest()
    assert snapshot.coins == []
    assert "bad_payload" in snapshot.reason or "not a list" in snapshot.reason


def test_rates_without_a_usable_usd_value_are_unknown(fake_upstream, redis_conn):
    fake_upstream.scenario_set("market_data_garbage")

    fx = summary_refresh(sources=["fx"])["fx"]

    assert (fx["vnd"], fx["eur"]) == (None, None)
    assert "usd" in fx["reason"]
    assert fx_rates().rate("eur") is None


def test_klines_rows_that_do_not_parse_are_refused(fake_upstream, redis_conn):
    fake_upstream.scenario_set("market_data_garbage")

    counts = candles_refresh()

    # Each refused answer counts against Binance's breaker: once open, the rest wait for the next run.
    assert counts["fetched"] == 0
    assert counts["failed"] == settings.UPSTREAM_BREAKER_FAIL_MAX
    assert counts["skipped"] == len(tracked_coins()) * len(CANDLE_INTERVALS) - counts["failed"]
    candles = candles_latest(coin_id="bitcoin", interval="1h")
    assert candles.rows == [] and "no usable candle" in candles.reason
