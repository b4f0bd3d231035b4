"""Scenario `binance_geo_blocked`: 451 is a failure with its reason; prices come from CoinGecko."""

from islands.cache_system.market_schema import DEFAULT_COINS
from islands.external_apis.services import summary_refresh
from islands.external_apis.tests.conftest import calls

COINS = tuple(coin.key for coin in DEFAULT_COINS)


def test_it_takes_prices_from_coingecko_when_binance_is_geo_blocked(fake_upstream):
    fake_upstream.scenario_set("binance_geo_blocked")

    summary = summary_refresh(sources=["prices"])

    assert all(summary[f"{coin}_price_usd"] > 0 for coin in COINS)
    assert len(calls(fake_upstream, "binance")) == 1  # a geo-block is not retried
    assert [r["path"] for r in calls(fake_upstream, "coingecko")] == ["/coingecko/api/v3/simple/price"]
    binance = summary["data_sources"]["binance"]
    assert binance["status"] == "failed" and "geo-blocked (HTTP 451" in binance["error"]
    assert summary["data_sources"]["coingecko"]["status"] == "ok"
