"""Scenario `partial_failure`: global (CoinGecko 503, CMC 401), RSI (TAAPI 200 error body) and one
index symbol (Finnhub zeros) fail; everything else is shown and nothing is invented."""

from islands.external_apis.services import summary_refresh
from islands.external_apis.tests.conftest import calls


def test_it_nulls_only_what_failed_and_says_why(fake_upstream):
    fake_upstream.scenario_set("partial_failure")

    summary = summary_refresh()

    assert summary["btc_price_usd"] > 0 and summary["bnb_price_usd"] > 0
    assert summary["fng_value"] is not None
    for field in ("market_cap_usd", "volume_24h_usd", "btc_market_cap_percentage", "eth_market_cap_percentage"):
        assert summary[field] is None
    assert summary["btc_rsi_14"] is None and summary["rsi_14"] is None
    indices = summary["us_stock_indices"]
    assert indices["DIA"]["status"] == "ok" and indices["DIA"]["price"] > 0
    assert indices["SPY"]["status"] == "ok" and indices["SPY"]["price"] > 0
    assert indices["QQQM"] == {
        "price": None,
        "change": None,
        "change_percent": None,
        "status": "failed",
        "error": "unknown symbol (Finnhub answered zeros)",
    }
    assert summary["partial_failure"] is True
    sources = summary["data_sources"]
    assert sources["coingecko"]["status"] == "failed" and "HTTP 503" in sources["coingecko"]["error"]
    assert sources["coinmarketcap"]["status"] == "failed" and "HTTP 401" in sources["coinmarketcap"]["error"]
    assert sources["taapi"]["status"] == "rate_limited" and "request limit" in sources["taapi"]["error"]
    assert sources["finnhub"]["status"] == "ok"
    assert sources["binance"]["status"] == "ok"


def test_it_retries_a_5xx_but_not_a_401(fake_upstream, settings):
    fake_upstream.scenario_set("partial_failure")

    summary_refresh(sources=["global"])

    global_calls = [c for c in calls(fake_upstream, "coingecko") if c["path"].endswith("/global")]
    assert len(global_calls) == settings.UPSTREAM_MAX_ATTEMPTS
    assert len(calls(fake_upstream, "coinmarketcap")) == 1
