"""Scenario `auth_errors` and missing keys: a rejected key is `failed` with the upstream's reason, a
missing key is `disabled` and never called, and no secret appears in logs, errors or output."""

import json
import logging

from islands.external_apis.selectors import rate_limit_status, source_states
from islands.external_apis.services import summary_refresh
from islands.external_apis.tests.conftest import FAKE_KEYS, calls


def test_it_reports_rejected_keys_as_failed_with_the_reason(fake_upstream):
    fake_upstream.scenario_set("auth_errors")

    summary = summary_refresh()

    sources = summary["data_sources"]
    for name in ("coingecko", "coinmarketcap", "taapi", "finnhub"):
        assert sources[name]["status"] == "failed", name
        assert sources[name]["error"].startswith("HTTP 401"), name
    assert "This API Key is invalid" in sources["coinmarketcap"]["error"]
    assert "not authenticated" in sources["taapi"]["error"]
    assert summary["btc_rsi_14"] is None and summary["market_cap_usd"] is None
    assert summary["btc_price_usd"] > 0  # Binance needs no key
    # A 401 is not retried: retrying cannot fix a key.
    assert len(calls(fake_upstream, "taapi")) == 1
    assert len(calls(fake_upstream, "finnhub")) == 1  # the first symbol's 401 stops the others


def test_no_secret_reaches_logs_errors_or_api_output(fake_upstream, caplog):
    fake_upstream.scenario_set("auth_errors")
    caplog.set_level(logging.DEBUG)  # urllib3 logs every request line, query string included

    summary = summary_refresh()
    fake_upstream.scenario_set("slow_upstreams")  # timeouts and connection errors carry URLs too
    summary_refresh(sources=["rsi"])

    outputs = [
        caplog.text,
        json.dumps(summary),
        json.dumps(source_states()),
        json.dumps(rate_limit_status()),
    ]
    assert any("/taapi/rsi" in record.getMessage() for record in caplog.records)  # urllib3 did log it
    for secret in FAKE_KEYS.values():
        for text in outputs:
            assert secret not in text


def test_a_source_without_its_key_is_disabled_and_never_called(fake_upstream, settings):
    settings.TAAPI_SECRET = ""
    settings.FINNHUB_API_KEY = ""

    summary = summary_refresh()

    assert calls(fake_upstream, "taapi") == [] and calls(fake_upstream, "finnhub") == []
    assert summary["data_sources"]["taapi"] == {
        "status": "disabled",
        "updated_at": None,
        "error": "TAAPI_SECRET is not set",
        "age_s": None,
    }
    assert summary["data_sources"]["finnhub"]["status"] == "disabled"
    assert {entry["status"] for entry in summary["us_stock_indices"].values()} == {"disabled"}
    assert summary["btc_rsi_14"] is None
    assert source_states()["taapi"]["status"] == "disabled"


def test_the_finnhub_key_travels_in_a_header_not_the_url(fake_upstream):
    summary_refresh(sources=["us_indices"])

    rows = calls(fake_upstream, "finnhub")
    assert len(rows) == 3 and all(row["key_sent"] for row in rows)
    assert all("token" not in row["query"] for row in rows)
