"""Scenario `global_fallback_to_cmc`: CoinGecko /global 429 -> CoinMarketCap, when a key is set."""

from islands.external_apis.services import summary_refresh
from islands.external_apis.tests.conftest import calls


def test_it_takes_global_metrics_from_coinmarketcap(fake_upstream):
    fake_upstream.scenario_set("global_fallback_to_cmc")

    summary = summary_refresh(sources=["global"])

    assert summary["market_cap_usd"] > 0 and summary["volume_24h_usd"] > 0
    assert summary["market_cap_change_percentage_24h_usd"] is not None
    assert 55 < summary["btc_market_cap_percentage"] < 57  # CMC's btc_dominance, not CoinGecko's
    assert summary["data_sources"]["coingecko"]["status"] == "rate_limited"
    assert summary["data_sources"]["coinmarketcap"]["status"] == "ok"
    rows = calls(fake_upstream, "coinmarketcap")
    assert len(rows) == 1 and rows[0]["key_sent"] is True


def test_without_a_cmc_key_global_is_null_and_cmc_disabled(fake_upstream, settings):
    settings.CMC_API_KEY = ""
    fake_upstream.scenario_set("global_fallback_to_cmc")

    summary = summary_refresh(sources=["global"])

    assert summary["market_cap_usd"] is None
    assert summary["data_sources"]["coinmarketcap"] == {
        "status": "disabled",
        "updated_at": None,
        "error": "CMC_API_KEY is not set",
        "age_s": None,
    }
    assert calls(fake_upstream, "coinmarketcap") == []
