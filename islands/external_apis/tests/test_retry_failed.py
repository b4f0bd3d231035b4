"""An hourly feed (RSI) that failed is fetched again by the retry task after
INGEST_RETRY_FAILED_S, not an hour later; a feed that worked is left to its own schedule."""

import time

from islands.external_apis.services import summary_refresh, summary_refresh_failed
from islands.external_apis.tests.conftest import calls


def test_a_failed_slow_feed_is_retried_early_and_a_good_one_is_not(fake_upstream, settings):
    settings.INGEST_RETRY_FAILED_S = 0.2
    # TAAPI's real quota (1/15 s) would refuse the retry this test makes a moment later.
    settings.UPSTREAM_RATE_LIMITS = {**settings.UPSTREAM_RATE_LIMITS, "taapi": "10/second"}
    fake_upstream.scenario_set("auth_errors")  # TAAPI 401: RSI gets nothing
    summary_refresh(sources=["rsi", "fear_greed"])
    fake_upstream.scenario_set("normal")

    too_soon = summary_refresh_failed()
    assert too_soon["btc_rsi_14"] is None and len(calls(fake_upstream, "taapi")) == 1

    time.sleep(0.25)
    summary = summary_refresh_failed()

    assert summary["btc_rsi_14"] is not None
    assert len(calls(fake_upstream, "taapi")) == 2
    assert len(calls(fake_upstream, "alternative_me")) == 1  # it worked: no retry
