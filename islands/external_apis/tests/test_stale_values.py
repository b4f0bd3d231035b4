"""A source that fails keeps its last good values, marked stale with their age, until its feed's
TTL ends; then the fields are null. Values are never carried past the TTL or invented."""

import time

from islands.external_apis.feeds import FEEDS
from islands.external_apis.services import summary_build, summary_refresh


def test_it_shows_the_last_good_value_as_stale_then_null_after_the_ttl(fake_upstream):
    good = summary_refresh()
    fake_upstream.scenario_set("server_errors")
    settings_free_now = time.time()

    summary_refresh(sources=["fear_greed"])
    later = summary_build(now=settings_free_now + FEEDS["fear_greed"].stale_after + 1)

    assert later["fng_value"] == good["fng_value"]
    assert later["data_sources"]["alternative_me"]["status"] == "stale"
    assert later["data_sources"]["alternative_me"]["age_s"] > FEEDS["fear_greed"].stale_after
    assert "HTTP 502" in later["data_sources"]["alternative_me"]["error"]
    assert later["partial_failure"] is True

    expired = summary_build(now=settings_free_now + FEEDS["fear_greed"].ttl + 1)
    assert expired["fng_value"] is None
    assert expired["data_sources"]["alternative_me"]["status"] == "failed"


def test_one_missing_coin_keeps_its_last_value_while_the_others_refresh(fake_upstream):
    first = summary_refresh()
    fake_upstream.scenario_set("binance_batch_incomplete")

    second = summary_refresh(sources=["prices"])

    assert second["bnb_price_usd"] == first["bnb_price_usd"]  # last good value, not a new one
    assert second["btc_price_usd"] != first["btc_price_usd"]  # the walk moved it
