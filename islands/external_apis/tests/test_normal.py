"""Scenario `normal`: every feed answers, the summary is complete and appended once."""

from django.conf import settings

from islands.cache_system.market_schema import DEFAULT_COINS
from islands.cache_system.selectors import summary_latest
from islands.external_apis.services import summary_refresh
from islands.external_apis.tests.conftest import calls

COINS = tuple(coin.key for coin in DEFAULT_COINS)


def test_it_builds_a_complete_summary_from_every_feed(fake_upstream, redis_conn):
    summary = summary_refresh()

    for coin in COINS:
        assert summary[f"{coin}_price_usd"] > 0
        assert summary[f"{coin}_change_24h"] is not None
    for field in ("market_cap_usd", "volume_24h_usd", "btc_market_cap_percentage", "eth_market_cap_percentage"):
        assert summary[field] > 0
    assert summary["market_cap_change_percentage_24h_usd"] is not None
    assert isinstance(summary["fng_value"], int) and 0 <= summary["fng_value"] <= 100
    assert 0 < summary["btc_rsi_14"] < 100 and summary["rsi_14"] == summary["btc_rsi_14"]
    for symbol in ("DIA", "SPY", "QQQM"):
        index = summary["us_stock_indices"][symbol]
        assert index["price"] > 0 and index["status"] == "ok"
    assert summary["partial_failure"] is False
    assert summary["mode"] == "simulated"
    assert summary["timestamp"].endswith("Z") and summary["last_updated"].endswith("Z")
    assert isinstance(summary["fetch_duration_ms"], int)
    assert {name: s["status"] for name, s in summary["data_sources"].items()} == {
        "binance": "ok",
        "coingecko": "ok",
        "alternative_me": "ok",
        "taapi": "ok",
        "finnhub": "ok",
    }
    assert redis_conn.xlen(settings.STREAM_MARKET_DATA) == 1
    assert summary_latest().data == summary
    assert redis_conn.xlen(settings.STREAM_BTC_PRICE) == 1


def test_it_only_fetches_feeds_that_are_due(fake_upstream):
    summary_refresh()
    summary_refresh()

    assert len(calls(fake_upstream, "taapi")) == 1
    assert len(calls(fake_upstream, "alternative_me")) == 1
    assert len(calls(fake_upstream, "binance")) == 1


def test_it_appends_a_new_entry_only_when_the_summary_changed(fake_upstream, redis_conn):
    summary_refresh()
    summary_refresh(sources=[])  # nothing fetched: same values, same statuses
    assert redis_conn.xlen(settings.STREAM_MARKET_DATA) == 1

    summary_refresh(sources=["prices"])  # the random walk moved the prices
    assert redis_conn.xlen(settings.STREAM_MARKET_DATA) == 2
