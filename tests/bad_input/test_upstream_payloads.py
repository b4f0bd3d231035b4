"""Hostile upstream answers at the client seam (responses): the summary carries the source as
`failed` with a reason in data_sources and the field as null — never an invented number."""

from __future__ import annotations

import re

import pytest
import responses

from islands.cache_system.selectors import summary_latest
from islands.external_apis.services import summary_refresh

FNG = "https://fng.test"
TAAPI = "https://taapi.test"
BINANCE = "https://binance.test"
COINGECKO = "https://cg.test"


@pytest.fixture(autouse=True)
def _upstreams_at_the_seam(settings):
    settings.FNG_BASE_URL, settings.TAAPI_BASE_URL = FNG, TAAPI
    settings.BINANCE_BASE_URL, settings.COINGECKO_BASE_URL = BINANCE, COINGECKO
    settings.TAAPI_SECRET = "taapi-secret-for-tests"
    settings.UPSTREAM_FETCH_BUDGET = 2.0


def _failed(summary: dict, source: str) -> str:
    entry = summary["data_sources"][source]
    assert entry["status"] == "failed", entry
    assert entry["error"]
    return entry["error"]


FNG_BODIES = {
    "truncated": ('{"data": [{"value": "5', "application/json", "invalid JSON"),
    "empty": ("", "application/json", "invalid JSON"),
    "html": ("<html><body>Cloudflare: checking your browser</body></html>", "text/html", "HTML instead of JSON"),
    "nan": ('{"data": [{"value": NaN}]}', "application/json", "invalid JSON"),
    "infinity": ('{"data": [{"value": Infinity}]}', "application/json", "invalid JSON"),
    "1e400": ('{"data": [{"value": 1e400}]}', "application/json", "invalid JSON"),
    "1e400-string": ('{"data": [{"value": "1e400"}]}', "application/json", "not an integer"),
    "list-value": ('{"data": [{"value": [50]}]}', "application/json", "not an integer"),
    "bool-value": ('{"data": [{"value": true}]}', "application/json", "not an integer"),
    "out-of-range": ('{"data": [{"value": "101"}]}', "application/json", "not an integer"),
    "fraction": ('{"data": [{"value": "50.5"}]}', "application/json", "not an integer"),
    "data-object": ('{"data": {"value": "50"}}', "application/json", "no index value"),
    "top-level-list": ('[{"value": "50"}]', "application/json", "no index value"),
    "error-body": ('{"data": [], "metadata": {"error": "Service unavailable"}}', "application/json", "no index value"),
    "huge-int": ('{"data": [{"value": ' + "9" * 5_000 + "}]}", "application/json", "invalid JSON"),
}


@pytest.mark.parametrize("case", list(FNG_BODIES))
@responses.activate
def test_a_hostile_fear_and_greed_answer_is_a_failed_source_and_a_null_value(case):
    body, content_type, reason = FNG_BODIES[case]
    responses.get(f"{FNG}/fng/", body=body, content_type=content_type)

    summary = summary_refresh(sources=["fear_greed"])

    assert reason in _failed(summary, "alternative_me")
    assert summary["fng_value"] is None
    stored = summary_latest()
    assert stored is not None and stored.data["fng_value"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"error": "An unknown error occurred. Please check your request."},
        {"errors": ["Invalid symbol: BTC/USDT on this exchange"]},
        {"value": "NaN"},
        {"value": -3},
        {"value": None},
    ],
    ids=["error-body", "errors-list", "nan-string", "negative", "null"],
)
@responses.activate
def test_a_hostile_rsi_answer_with_status_200_is_a_failed_source(body):
    responses.get(f"{TAAPI}/rsi", json=body)

    summary = summary_refresh(sources=["rsi"])

    reason = _failed(summary, "taapi")
    assert "taapi-secret-for-tests" not in reason  # the key never leaks into the stored reason
    assert summary["btc_rsi_14"] is None and summary["rsi_14"] is None


@responses.activate
def test_prices_garbled_at_both_sources_are_null_not_zero():
    responses.get(f"{BINANCE}/api/v3/ticker/24hr", body='[{"symbol": "BTCUSDT", "lastPrice": 1e400}]')
    responses.get(f"{COINGECKO}/api/v3/simple/price", json={"bitcoin": {"usd": "lots"}, "ethereum": []})

    summary = summary_refresh(sources=["prices"])

    assert "invalid JSON" in _failed(summary, "binance")
    price_keys = [key for key in summary if re.fullmatch(r"[a-z]+_price_usd", key)]
    assert price_keys
    assert {summary[key] for key in price_keys} == {None}
