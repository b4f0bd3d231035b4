"""Scenario `rate_limited`: every upstream answers 429. Retry-After is stored in Redis, so no
process calls that source again before it ends (checked in the fake upstream's request log)."""

from islands.external_apis import resilience
from islands.external_apis.selectors import source_states
from islands.external_apis.services import summary_refresh
from islands.external_apis.tests.conftest import calls


def test_it_never_calls_a_source_again_before_its_retry_after(fake_upstream):
    fake_upstream.scenario_set("rate_limited")

    # Binance answers 429 (Retry-After 27), then its fallback CoinGecko (Retry-After 60).
    first = summary_refresh(sources=["prices"])
    # A new process would have no guard in memory: only Redis remembers the Retry-After.
    resilience._guards.clear()
    summary_refresh(sources=["prices", "global"])
    summary_refresh(sources=["prices", "global"])

    for upstream in ("binance", "coingecko"):
        rows = calls(fake_upstream, upstream)
        assert len(rows) == 1, rows  # the 429 itself, nothing after it within Retry-After
        assert rows[0]["status"] == 429
    assert first["btc_price_usd"] is None
    states = source_states()
    assert states["binance"]["status"] == "rate_limited"
    assert 0 < states["binance"]["retry_after_s"] <= 27
    assert 27 < states["coingecko"]["retry_after_s"] <= 60


def test_it_reports_rate_limited_sources_in_the_summary(fake_upstream):
    fake_upstream.scenario_set("rate_limited")

    summary = summary_refresh()

    statuses = {name: s["status"] for name, s in summary["data_sources"].items()}
    assert statuses == {
        "binance": "rate_limited",
        "coingecko": "rate_limited",
        "coinmarketcap": "rate_limited",
        "alternative_me": "ok",
        "taapi": "rate_limited",
        "finnhub": "rate_limited",
    }
    assert summary["partial_failure"] is True
