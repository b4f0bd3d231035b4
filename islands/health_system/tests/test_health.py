"""/health reports each island from stored state; 503 only when the site cannot serve."""

import pytest
from django.test import Client

from islands.cache_system.services import heartbeat_record, summary_store


@pytest.fixture(autouse=True)
def _short_ping(settings):
    settings.HEALTH_WORKER_PING_TIMEOUT = 0.1
    settings.HEALTH_WORKER_PING_TTL = 0.0


@pytest.mark.django_db
def test_it_reports_every_island(client):
    response = client.get("/health")
    body = response.json()
    assert response.status_code == 200
    assert set(body["islands"]) == {
        "cache_system",
        "external_apis",
        "websocket_service",
        "celery",
        "crypto_reports",
        "backup",
        "alerts",
        "ticks",
        "dashboard",
        "shared_components",
    }
    assert body["islands"]["cache_system"]["status"] == "healthy"
    assert body["islands"]["crypto_reports"]["database"] == "up"
    assert body["islands"]["shared_components"]["status"] == "healthy"


@pytest.mark.django_db
def test_it_is_degraded_without_heartbeats_or_data_and_says_why(client):
    body = client.get("/health").json()
    assert body["status"] == "degraded"
    assert body["islands"]["websocket_service"]["reason"] == "no relay heartbeat recorded"
    assert body["islands"]["dashboard"]["reason"] == "no summary has been stored yet"
    assert body["islands"]["celery"]["status"] == "degraded"


@pytest.mark.django_db
def test_it_counts_fresh_heartbeats_and_data_as_healthy(client):
    heartbeat_record(name="relay")
    heartbeat_record(name="backup")
    heartbeat_record(name="alerts")
    summary_store(summary={"btc_price_usd": 1.0})
    islands = client.get("/health").json()["islands"]
    assert islands["websocket_service"]["status"] == "healthy"
    assert islands["backup"]["status"] == "healthy"
    assert islands["alerts"]["status"] == "healthy"
    assert islands["dashboard"]["status"] == "healthy"


@pytest.mark.django_db
def test_it_answers_head_without_a_body(client):
    response = client.head("/health")
    assert response.status_code == 200
    assert response.content == b""
    assert response["Cache-Control"].startswith("max-age=0")


def test_it_answers_liveness_without_any_backend(client):
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}


@pytest.mark.parametrize("path", ["/health", "/health/live", "/metrics"])
def test_it_refuses_writes(path):
    assert Client(enforce_csrf_checks=True).post(path).status_code == 405


@pytest.mark.django_db
def test_a_consumer_group_falling_behind_degrades_cache_system(client, redis_conn, settings):
    redis_conn.xgroup_create(settings.STREAM_MARKET_DATA, "websocket_broadcast", id="0", mkstream=True)
    for i in range(60):
        summary_store(summary={"btc_price_usd": float(i)})
    cache = client.get("/health").json()["islands"]["cache_system"]
    assert cache["status"] == "degraded"
    assert cache["groups"]["crypto:market_data/websocket_broadcast"]["lag"] == 60
    assert "crypto:market_data/websocket_broadcast" in cache["reason"]
