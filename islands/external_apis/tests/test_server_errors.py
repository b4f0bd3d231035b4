"""Scenario `server_errors`: 5xx answers are retried with backoff, fallbacks take over, and the
circuit breaker (state in Redis) opens after repeated failures and stops the calls."""

from islands.cache_system.redis_client import redis_client
from islands.external_apis import resilience
from islands.external_apis.selectors import source_states
from islands.external_apis.services import summary_refresh
from islands.external_apis.tests.conftest import calls


def test_it_retries_then_falls_back(fake_upstream, settings):
    fake_upstream.scenario_set("server_errors")

    summary = summary_refresh()

    attempts = settings.UPSTREAM_MAX_ATTEMPTS
    assert [r["status"] for r in calls(fake_upstream, "binance")] == [503] * attempts
    assert [r["status"] for r in calls(fake_upstream, "alternative_me")] == [502] * attempts
    assert summary["btc_price_usd"] > 0  # CoinGecko simple/price
    assert summary["market_cap_usd"] > 0  # CoinMarketCap
    assert summary["data_sources"]["coinmarketcap"]["status"] == "ok"
    assert summary["fng_value"] is None
    assert summary["data_sources"]["alternative_me"]["status"] == "failed"
    assert "HTTP 502" in summary["data_sources"]["alternative_me"]["error"]


def test_the_breaker_opens_and_is_shared_through_redis(fake_upstream, settings):
    settings.UPSTREAM_BREAKER_FAIL_MAX = 3
    settings.UPSTREAM_MAX_ATTEMPTS = 3
    fake_upstream.scenario_set("server_errors")

    summary_refresh(sources=["prices"])  # three failed attempts open it
    resilience._guards.clear()  # as seen from another process
    after = summary_refresh(sources=["prices"])

    assert len(calls(fake_upstream, "binance")) == 3
    assert source_states()["binance"]["breaker"] == "open"
    assert redis_client().get("cryptodash:breaker:binance:pybreaker:state") == b"open"
    assert "circuit breaker open" in after["data_sources"]["binance"]["error"]
    assert after["btc_price_usd"] > 0  # prices still come, from CoinGecko


def test_a_run_that_changes_nothing_appends_nothing_while_the_breaker_is_open(fake_upstream, settings, redis_conn):
    settings.UPSTREAM_BREAKER_FAIL_MAX = 3
    fake_upstream.scenario_set("server_errors")
    summary_refresh(sources=["fear_greed"])  # opens alternative.me's breaker
    summary_refresh(sources=["fear_greed"])  # the reason changes once: "circuit breaker open until ..."
    length = redis_conn.xlen(settings.STREAM_MARKET_DATA)

    summary_refresh(sources=["fear_greed"])
    summary_refresh(sources=["fear_greed"])

    assert redis_conn.xlen(settings.STREAM_MARKET_DATA) == length
    assert len(calls(fake_upstream, "alternative_me")) == 3
