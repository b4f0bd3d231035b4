"""Hostile paths and query strings get a 4xx with a message (JSON on API routes), never a 5xx."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

HUGE = "9" * 30


@pytest.mark.parametrize(
    "path",
    [
        f"/crypto_report/{HUGE}",  # beyond any integer column
        f"/crypto_report/{HUGE}/document",
        f"/crypto_report/{HUGE}/pdf",
        "/crypto_report/٣",  # an Arabic-Indic digit is not an id
        "/crypto_report/1\x00",
        "/crypto_report/0x1f",
        "/crypto_report/1.0",
        "/crypto_report/../admin/",
        "/crypto_report/%2e%2e/%2e%2e/etc/passwd",
        "/static/../cryptodash/settings.py",
        "/api/crypto/dashboard-summary/../../manage.py",
        "/bảng-giá/🚀",
        "/" + "a" * 10_000,
    ],
    ids=lambda p: p[:40],
)
def test_it_answers_a_malformed_path_with_404(client, path):
    response = client.get(path)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("path", "query", "message"),
    [
        ("/api/crypto/history", "field=__class__", "unknown field"),
        ("/api/crypto/history", "field=btc_price_usd&range=-1d", "unknown range"),
        ("/api/crypto/history", "range=" + "x" * 10_000, "unknown range"),
        ("/api/crypto/history", "field=btc_price_usd%00", "unknown field"),
        ("/api/crypto/history", "range=1h&range=30d", "given 2 times"),
        ("/api/crypto/history", "fields[]=a", "unknown query parameter"),
        ("/api/crypto/dashboard-summary", "fields=btc_price_usd&fields=eth_price_usd", "given 2 times"),
        ("/api/crypto/dashboard-summary", "fields=" + "a," * 5_000, "unknown summary field"),
        ("/api/crypto/dashboard-summary", "fields=%F0%9F%92%A5", "unknown summary field"),
        ("/api/crypto/dashboard-summary", "%ZZ=1", "unknown query parameter"),
        ("/api/crypto/dashboard-summary/cached", "x=" + "y" * 10_000, "unknown query parameter"),
        ("/api/cache/stats", "debug=1", "unknown query parameter"),
    ],
    ids=lambda v: v[:30] if isinstance(v, str) else v,
)
def test_it_answers_a_bad_query_with_400_and_a_json_message(client, stored, path, query, message):
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert len(response.content) < 5_000  # the message does not echo a 10 KB value back


@pytest.mark.parametrize("page", ["abc", "-1", "0", HUGE, "1e9", "%00", "\uff11"])
def test_the_report_list_clamps_a_bad_page_number(client, page):
    response = client.get(f"/crypto_reports_list?page={page}")
    assert response.status_code in (200, 404)


def test_a_bad_query_on_the_cached_routes_reaches_django_and_gets_400(asgi, stored):
    response = asgi("/api/crypto/dashboard-summary", query=b"fields=__dict__")
    assert response["status"] == 400
    assert b"unknown summary field" in response["body"]
