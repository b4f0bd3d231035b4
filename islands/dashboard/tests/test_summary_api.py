"""GET /api/crypto/dashboard-summary and /cached: the latest stream entry, or 503 with a reason."""

import orjson
import pytest
from django.test import Client
from prometheus_client import REGISTRY

from islands.cache_system.services import summary_store
from islands.shared_components.page_cache import page_cache_reset


def test_it_answers_503_with_a_reason_before_the_first_summary(client):
    response = client.get("/api/crypto/dashboard-summary")
    assert response.status_code == 503
    body = response.json()
    assert body["error"] == "no data yet"
    assert "refresh" in body["reason"]
    assert response["Retry-After"] == "10"


def test_it_returns_the_latest_summary_with_its_stream_id(client, stored, summary):
    response = client.get("/api/crypto/dashboard-summary")
    assert response.status_code == 200
    body = response.json()
    assert body["stream_id"] == stored
    assert body["btc_price_usd"] == summary["btc_price_usd"]
    assert body["us_stock_indices"]["SPY"]["price"] == 598.1
    assert body["stale"] is False


def test_it_marks_an_old_summary_stale(client, summary, store_old):
    store_old(summary, 3600)
    assert client.get("/api/crypto/dashboard-summary").json()["stale"] is True


def test_it_selects_fields(client, stored):
    body = client.get("/api/crypto/dashboard-summary?fields=btc_price_usd,fng_value").json()
    assert body == {"btc_price_usd": 97123.45, "fng_value": 72, "stream_id": stored, "stale": False}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?fields=btc_price_usd,dogecoin", "unknown summary field(s): dogecoin"),
        ("?fields=", "unknown summary field(s): (empty list)"),
        ("?format=xml", "unknown query parameter 'format'"),
        ("?fields=btc_price_usd&fields=eth_price_usd", "query parameter 'fields' given 2 times"),
    ],
)
def test_it_rejects_bad_parameters_with_400(client, stored, query, message):
    response = client.get("/api/crypto/dashboard-summary" + query)
    assert response.status_code == 400
    assert response.json()["error"].startswith(message)


@pytest.mark.parametrize("path", ["/api/crypto/dashboard-summary", "/api/crypto/dashboard-summary/cached"])
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_it_refuses_other_methods_with_405(path, method):
    response = Client(enforce_csrf_checks=True).generic(method, path)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert "not allowed" in response.json()["error"]


def test_it_answers_head_with_headers_only(asgi_get, stored):
    get = asgi_get("/api/crypto/dashboard-summary")
    head = asgi_get("/api/crypto/dashboard-summary", method="HEAD")
    assert head["status"] == 200
    assert head["body"] == b""
    assert head["header_map"]["content-length"] == str(len(get["body"]))
    assert head["header_map"]["etag"] == get["header_map"]["etag"]


def test_it_answers_304_to_a_matching_etag(client, stored):
    first = client.get("/api/crypto/dashboard-summary")
    again = client.get("/api/crypto/dashboard-summary", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    other = client.get("/api/crypto/dashboard-summary", HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200


def test_it_compresses_only_when_the_client_accepts_it(asgi_get, summary):
    summary["data_sources"]["coinmarketcap"] = {"status": "disabled", "updated_at": None, "error": "x" * 400}
    summary_store(summary=summary)

    def encoding(accept: bytes | None) -> str | None:
        headers = [(b"accept-encoding", accept)] if accept is not None else []
        return asgi_get("/api/crypto/dashboard-summary", headers=headers)["header_map"].get("content-encoding")

    assert encoding(None) is None
    assert encoding(b"gzip") == "gzip"
    assert encoding(b"gzip, br") == "br"
    assert encoding(b"br;q=0, gzip;q=0") is None
    assert encoding(b"*;q=0, gzip") == "gzip"
    assert encoding(b"identity") is None
    assert "Accept-Encoding" in asgi_get("/api/crypto/dashboard-summary")["header_map"]["vary"]


def test_cached_answers_503_when_the_cache_is_empty(client):
    response = client.get("/api/crypto/dashboard-summary/cached")
    assert response.status_code == 503
    assert response.json()["error"] == "cache empty"


def test_cached_returns_the_summary_from_the_cache_tiers(client, stored):
    body = client.get("/api/crypto/dashboard-summary/cached").json()
    assert body["stream_id"] == stored
    head = client.head("/api/crypto/dashboard-summary/cached")
    assert head.status_code == 200
    assert head.content == b""


def test_cached_rejects_parameters(client, stored):
    assert client.get("/api/crypto/dashboard-summary/cached?x=1").status_code == 400


def _latency_sum() -> float:
    labels = {"route": "api/crypto/dashboard-summary", "method": "GET", "status": "2xx"}
    return REGISTRY.get_sample_value("cryptodash_http_request_duration_seconds_sum", labels) or 0.0


def test_the_page_cache_serves_the_same_bytes_as_django(asgi_get, stored):
    counted = _latency_sum()
    fast = asgi_get("/api/crypto/dashboard-summary")
    # Recorded under the label Django's middleware uses for this route: one series for both paths.
    assert _latency_sum() > counted
    django = Client().get("/api/crypto/dashboard-summary")
    assert fast["status"] == 200
    assert orjson.loads(fast["body"])["stream_id"] == stored
    assert fast["body"] == django.content
    assert fast["header_map"]["etag"] == django["ETag"]


def test_the_page_cache_answers_304_head_and_hands_503_to_django(asgi_get, settings):
    empty = asgi_get("/api/crypto/dashboard-summary")
    assert empty["status"] == 503
    summary_store(summary={"btc_price_usd": 1.5})
    page_cache_reset()
    first = asgi_get("/api/crypto/dashboard-summary")
    assert first["status"] == 200
    etag = first["header_map"]["etag"].encode()
    again = asgi_get("/api/crypto/dashboard-summary", headers=[(b"if-none-match", etag)])
    assert again["status"] == 304
    assert again["body"] == b""
    head = asgi_get("/api/crypto/dashboard-summary", method="HEAD")
    assert head["status"] == 200
    assert head["body"] == b""
    assert head["header_map"]["content-length"] == str(len(first["body"]))
    wrong = asgi_get("/api/crypto/dashboard-summary", method="DELETE")
    assert wrong["status"] == 405


def test_the_page_cache_leaves_unknown_hosts_to_django(asgi_get, stored):
    response = asgi_get("/api/crypto/dashboard-summary", headers=[(b"host", b"evil.example")])
    assert response["status"] == 400


def test_the_page_cache_looks_the_summary_up_again_after_an_idle_spell(asgi_get, summary, settings):
    settings.PAGE_CACHE_REVALIDATE_AFTER = 0.0  # every request comes "after an idle spell"
    first = summary_store(summary=summary)
    assert orjson.loads(asgi_get("/api/crypto/dashboard-summary")["body"])["stream_id"] == first

    newer = summary_store(summary={**summary, "btc_price_usd": summary["btc_price_usd"] + 1})
    answer = orjson.loads(asgi_get("/api/crypto/dashboard-summary")["body"])
    assert answer["stream_id"] == newer
    assert answer["btc_price_usd"] == summary["btc_price_usd"] + 1
