"""Client quirks at the HTTP seam (responses): strings for numbers, NaN, absurd numbers, truncated
JSON, HTML where JSON was promised, 200-with-error bodies and Finnhub's zeros."""

import json

import pytest
import responses

from islands.external_apis.clients.base import Deadline
from islands.external_apis.clients.binance import BinanceClient
from islands.external_apis.clients.coingecko import CoinGeckoClient
from islands.external_apis.clients.finnhub import FinnhubClient
from islands.external_apis.clients.taapi import TaapiClient
from islands.external_apis.errors import AuthError, BadPayload, RateLimited

BINANCE = "https://binance.test"
TICKER = f"{BINANCE}/api/v3/ticker/24hr"


def _ticker(symbol: str, price: str, change: str = "1.5") -> dict:
    return {"symbol": symbol, "lastPrice": price, "priceChangePercent": change}


@pytest.fixture
def deadline() -> Deadline:
    return Deadline(5)


@responses.activate
def test_it_reads_binance_numbers_sent_as_strings(deadline):
    responses.get(TICKER, json=[_ticker("BTCUSDT", "67234.56000000", "-2.345")])

    prices = BinanceClient(base_url=BINANCE).ticker_24h(deadline=deadline)

    assert prices.quotes["btc"].price_usd == 67234.56 and prices.quotes["btc"].change_24h == -2.345
    assert prices.missing["eth"] == "not in the batch answer"


@pytest.mark.parametrize(
    "body",
    [
        '[{"symbol": "BTCUSDT", "lastPrice": NaN}]',
        '[{"symbol": "BTCUSDT", "lastPrice": 1e999}]',
        '[{"symbol": "BTCUSDT", "lastPrice": ' + "9" * 400 + "}]",
        '[{"symbol": "BTCUSDT", "lastPrice": "67234.5',
        "",
    ],
    ids=["nan", "float-overflow", "huge-integer", "truncated", "empty"],
)
@responses.activate
def test_it_turns_malformed_json_into_bad_payload(deadline, body):
    responses.get(TICKER, body=body, content_type="application/json")

    with pytest.raises(BadPayload) as caught:
        BinanceClient(base_url=BINANCE).ticker_24h(deadline=deadline)
    assert caught.value.reason.startswith("invalid JSON")


@responses.activate
def test_one_absurd_price_nulls_that_coin_only(deadline):
    rows = [_ticker("BTCUSDT", "1e300"), _ticker("ETHUSDT", "NaN"), _ticker("SOLUSDT", "168.4")]
    responses.get(TICKER, json=rows)

    prices = BinanceClient(base_url=BINANCE).ticker_24h(deadline=deadline)

    assert set(prices.quotes) == {"sol"}
    assert prices.missing["btc"] == prices.missing["eth"] == "invalid lastPrice"


@responses.activate
def test_an_html_page_with_status_200_is_a_bad_payload(deadline):
    responses.get("https://cg.test/api/v3/global", body="<html>maintenance</html>", content_type="text/html")

    with pytest.raises(BadPayload, match="HTML instead of JSON"):
        CoinGeckoClient(base_url="https://cg.test").global_metrics(deadline=deadline)


@responses.activate
def test_coingecko_html_429_is_rate_limited_with_its_retry_after(deadline):
    responses.get(
        "https://cg.test/api/v3/simple/price",
        status=429,
        body="<html>Error 1015 You are being rate limited</html>",
        content_type="text/html",
        headers={"Retry-After": "42"},
    )

    with pytest.raises(RateLimited) as caught:
        CoinGeckoClient(base_url="https://cg.test").simple_price(deadline=deadline)
    assert caught.value.retry_after == 42.0


@responses.activate
def test_coingecko_zero_totals_are_unknown_not_zero(deadline):
    body = {"data": {"total_market_cap": {"usd": 0.0}, "total_volume": {"usd": 0.0}, "market_cap_percentage": {}}}
    responses.get("https://cg.test/api/v3/global", json=body)

    with pytest.raises(BadPayload, match="missing or zero"):
        CoinGeckoClient(base_url="https://cg.test").global_metrics(deadline=deadline)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"error": "You have exceeded your request limit (TAAPI.IO rate-limit)!"}, RateLimited),
        ({"error": "Invalid secret provided"}, AuthError),
    ],
)
@responses.activate
def test_taapi_200_with_an_error_body_is_a_failure(deadline, body, error):
    responses.get("https://taapi.test/rsi", json=body)

    with pytest.raises(error):
        TaapiClient(base_url="https://taapi.test", key="k").rsi(deadline=deadline)


@responses.activate
def test_finnhub_zeros_mean_an_unknown_symbol(deadline):
    zeros = {"c": 0, "d": None, "dp": None, "h": 0, "l": 0, "o": 0, "pc": 0, "t": 0}
    responses.get("https://fh.test/api/v1/quote", json=zeros)

    assert FinnhubClient(base_url="https://fh.test", key="k").quote(symbol="NOPE", deadline=deadline) is None


@responses.activate
def test_finnhub_200_error_body_is_an_auth_error(deadline):
    responses.get("https://fh.test/api/v1/quote", body=json.dumps({"error": "Invalid API key."}))

    with pytest.raises(AuthError):
        FinnhubClient(base_url="https://fh.test", key="k").quote(symbol="SPY", deadline=deadline)
