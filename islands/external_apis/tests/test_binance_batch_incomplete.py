"""Scenario `binance_batch_incomplete`: six coins come back; BNB is null, not filled or zeroed."""

from islands.external_apis.services import summary_refresh
from islands.external_apis.tests.conftest import calls


def test_it_shows_six_coins_and_bnb_null(fake_upstream):
    fake_upstream.scenario_set("binance_batch_incomplete")

    summary = summary_refresh()

    for coin in ("btc", "eth", "sol", "xrp", "ada", "link"):
        assert summary[f"{coin}_price_usd"] > 0
    assert summary["bnb_price_usd"] is None and summary["bnb_change_24h"] is None
    assert summary["partial_failure"] is True
    assert summary["data_sources"]["binance"]["status"] == "ok"
    assert not [r for r in calls(fake_upstream, "coingecko") if "simple" in r["path"]]
