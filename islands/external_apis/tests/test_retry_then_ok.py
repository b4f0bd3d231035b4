"""Scenario `retry_then_ok`: a 429 with a short Retry-After is waited out, then the call succeeds."""

from islands.external_apis.services import summary_refresh
from islands.external_apis.tests.conftest import calls


def test_it_waits_out_a_short_retry_after_and_gets_the_data(fake_upstream):
    fake_upstream.scenario_set("retry_then_ok")

    summary = summary_refresh(sources=["prices", "global"])

    for upstream in ("binance", "coingecko"):
        rows = [r for r in calls(fake_upstream, upstream) if "simple" not in r["path"]]
        assert [r["status"] for r in rows] == [429, 200]
        assert rows[1]["time"] - rows[0]["time"] >= 1.0  # the server's Retry-After: 1
    assert summary["btc_price_usd"] > 0 and summary["market_cap_usd"] > 0
    assert summary["data_sources"]["binance"]["status"] == "ok"
    assert summary["data_sources"]["coingecko"]["status"] == "ok"
