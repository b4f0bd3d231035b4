"""Hostile or malformed requests to the dashboard routes get a clear status, never a 500."""

import pytest

REFRESH = "/api/crypto/dashboard-summary/refresh"


@pytest.mark.parametrize(
    "headers",
    [
        [(b"accept-encoding", b"br;q=\xff, gzip;q=-1, *;q=abc")],
        [(b"if-modified-since", b"not a date"), (b"if-none-match", b'"unterminated')],
        [(b"if-none-match", b"W/")],
        [(b"cookie", b"cryptodash_lang=" + b"x" * 8000 + b"; cryptodash_theme=\xe9\xe9")],
        [(b"accept-language", b"\x00\x01;q=2," * 500)],
    ],
)
@pytest.mark.parametrize("path", ["/", "/api/crypto/dashboard-summary"])
def test_odd_headers_are_served_normally(asgi_get, stored, path, headers):
    response = asgi_get(path, headers=headers)
    assert response["status"] in (200, 304)


@pytest.mark.parametrize(
    "query",
    [
        "?fields=%00",
        "?fields=" + "a," * 5000,
        "?fields=btc_price_usd&fields=eth_price_usd",
        "?lang=%ff%fe",
        "?theme=<x>",
    ],
)
def test_odd_queries_get_a_clear_answer(client, stored, query):
    for path in ("/", "/api/crypto/dashboard-summary"):
        response = client.get(path + query)
        assert response.status_code in (200, 400), (path, query)
        if response.status_code == 400:
            assert response.json()["error"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xff\xfe", "application/json"),
        (b"[]", "application/json"),
        (b'{"sources": ["binance"]}', "application/json"),
        (b"a=1", "application/x-www-form-urlencoded"),
        (b"<xml/>", "text/xml"),
    ],
)
def test_refresh_refuses_any_input_with_400(client, body, content_type):
    response = client.post(REFRESH, data=body, content_type=content_type)
    assert response.status_code == 400
    assert "no request body" in response.json()["error"]
