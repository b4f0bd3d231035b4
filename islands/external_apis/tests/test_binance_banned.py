"""Scenario `binance_banned`: 418 (IP ban) honours its Retry-After; prices come from CoinGecko."""

from islands.external_apis.services import summary_refresh
from islands.external_apis.tests.conftest import calls


def test_it_falls_back_to_coingecko_and_stays_away_from_binance(fake_upstream):
    fake_upstream.scenario_set("binance_banned")

    first = summary_refresh(sources=["prices"])
    second = summary_refresh(sources=["prices"])

    assert [r["status"] for r in calls(fake_upstream, "binance")] == [418]
    assert first["btc_price_usd"] > 0 and second["btc_price_usd"] > 0
    binance = second["data_sources"]["binance"]
    assert binance["status"] == "rate_limited" and "IP banned" in binance["error"]
    assert second["data_sources"]["coingecko"]["status"] == "ok"
