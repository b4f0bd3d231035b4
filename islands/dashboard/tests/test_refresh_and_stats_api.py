"""POST .../refresh queues an ingest run (rate limited per client); rate-limit and cache stats are real."""

import pytest
from celery import current_app

from islands.cache_system.redis_client import redis_clients_reset
from islands.cache_system.services import summary_store

REFRESH = "/api/crypto/dashboard-summary/refresh"


@pytest.fixture
def queued(monkeypatch):
    """Capture what would go to the broker (the task body is external_apis' and tested there)."""
    calls = []

    class Result:
        id = "task-1"

    def send_task(name, **options):
        calls.append(options)
        return Result()

    monkeypatch.setattr(current_app, "send_task", send_task)
    return calls


def test_it_queues_a_refresh_and_answers_202(client, queued):
    response = client.post(REFRESH)
    assert response.status_code == 202
    assert response.json() == {"status": "queued", "task_id": "task-1"}
    assert queued == [{"retry": False, "expires": 60}]


def test_it_really_reaches_the_broker(client, redis_conn):
    response = client.post(REFRESH)
    assert response.status_code == 202
    assert redis_conn.llen("celery") == 1


def test_it_limits_refreshes_per_client(client, queued, settings):
    settings.REFRESH_RATE_LIMIT = 2
    assert client.post(REFRESH).status_code == 202
    assert client.post(REFRESH).status_code == 202
    limited = client.post(REFRESH)
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert len(queued) == 2
    other_client = client.post(REFRESH, REMOTE_ADDR="10.0.0.9")
    assert other_client.status_code == 202


def test_it_answers_503_when_redis_is_gone(client, queued, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    redis_clients_reset()
    response = client.post(REFRESH)
    assert response.status_code == 503
    assert queued == []


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_refresh_refuses_other_methods(client, method):
    response = client.generic(method, REFRESH)
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_refresh_rejects_parameters_and_bodies(client, queued):
    assert client.post(REFRESH + "?sources=binance").status_code == 400
    bad = client.post(REFRESH, data=b"{oops", content_type="application/json")
    assert bad.status_code == 400
    huge = client.post(REFRESH, data=b"x" * 3_000_000, content_type="application/json")
    assert huge.status_code == 413
    assert "too large" in huge.json()["error"]
    assert queued == []


def test_rate_limit_status_reports_every_source(client):
    response = client.get("/api/crypto/rate-limit-status")
    assert response.status_code == 200
    body = response.json()
    assert {"binance", "coingecko", "alternative_me", "taapi", "finnhub", "coinmarketcap"} <= set(body)
    assert body["binance"]["limit"] > 0
    assert client.head("/api/crypto/rate-limit-status").content == b""
    assert client.post("/api/crypto/rate-limit-status").status_code == 405
    assert client.get("/api/crypto/rate-limit-status?x=1").status_code == 400


def test_cache_stats_counts_real_reads(client, asgi_get):
    summary_store(summary={"btc_price_usd": 1.0})
    asgi_get("/api/crypto/dashboard-summary")
    body = client.get("/api/cache/stats").json()
    assert body["streams"]["crypto:market_data"]["length"] == 1
    assert body["tiers"]["stream"]["hits"] >= 1
    assert body["store"]["mode"] == "redis"
    assert body["page_cache"]["misses"] >= 1 and body["page_cache"]["entries"] >= 1
    assert "pid" in body["process"]
    assert client.post("/api/cache/stats").status_code == 405
    assert client.get("/api/cache/stats?reset=1").status_code == 400
