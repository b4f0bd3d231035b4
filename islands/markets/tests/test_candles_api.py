"""GET /api/crypto/coin/<id>/candles: what beat stored, a 400/404 naming what is wrong, 503 before the first fetch."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_it_serves_the_stored_candles_oldest_first(store_candles):
    rows = store_candles("bitcoin", "4h")
    response = Client().get("/api/crypto/coin/bitcoin/candles?interval=4h")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["interval"], body["source"]) == ("bitcoin", "4h", "binance")
    assert body["candles"] == rows
    assert [row[0] for row in body["candles"]] == sorted(row[0] for row in rows)
    assert body["age_s"] is not None and body["stale"] is False


def test_before_the_first_fetch_it_is_a_503_with_the_reason():
    response = Client().get("/api/crypto/coin/ethereum/candles?interval=1d")
    assert response.status_code == 503
    assert "no candles" in response.json()["reason"]


@pytest.mark.parametrize(
    ("path", "status", "named"),
    [
        ("/api/crypto/coin/bitcoin/candles?interval=5m", 400, "interval"),
        ("/api/crypto/coin/bitcoin/candles?interval=", 400, "interval"),
        ("/api/crypto/coin/bitcoin/candles?limit=10", 400, "limit"),
        ("/api/crypto/coin/dogecoin/candles?interval=1h", 404, "dogecoin"),
        ("/api/crypto/coin/not-a-coin/candles", 404, "not-a-coin"),
    ],
)
def test_a_bad_request_names_what_is_wrong(store_candles, path, status, named):
    store_candles("bitcoin", "1h")
    response = Client().get(path)
    assert response.status_code == status
    assert named in response.json()["error"]


def test_head_answers_the_headers_without_the_body(store_candles):
    store_candles("bitcoin", "1h")
    get = Client().get("/api/crypto/coin/bitcoin/candles")
    head = Client().head("/api/crypto/coin/bitcoin/candles")
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Length"] == str(len(get.content))
