"""source_states() and rate_limit_status(): stored state and the limiter's real counters, never an
upstream call."""

from islands.external_apis.selectors import rate_limit_status, source_states
from islands.external_apis.services import summary_refresh


def test_source_states_reads_stored_state_only(fake_upstream):
    before = source_states()
    assert before["binance"]["status"] == "unknown" and before["binance"]["updated_at"] is None
    summary_refresh(sources=["prices"])
    seen = len(fake_upstream.requests())

    states = source_states()

    assert len(fake_upstream.requests()) == seen  # reading made no call
    assert states["binance"]["status"] == "ok" and states["binance"]["breaker"] == "closed"
    assert 0 <= states["binance"]["last_success_age_s"] < 60
    assert states["binance"]["retry_after_s"] == 0.0


def test_rate_limit_status_counts_real_calls(fake_upstream, settings):
    settings.UPSTREAM_RATE_LIMITS = {**settings.UPSTREAM_RATE_LIMITS, "coingecko": "10/minute"}
    assert rate_limit_status()["coingecko"]["remaining"] == 10

    summary_refresh(sources=["global"])
    status = rate_limit_status()["coingecko"]

    assert status["limit"] == 10 and status["window_s"] == 60
    assert status["remaining"] == 9
    assert status["breaker"] == "closed" and status["retry_after_s"] == 0.0
