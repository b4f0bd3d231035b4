"""/health's probes run side by side under HEALTH_DEADLINE_S: a probe that hangs is reported as a
timeout, and a Redis that accepts and never answers (SIGSTOP) makes it unhealthy with the reason."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from islands.cache_system.redis_client import redis_clients_reset
from islands.cache_system.stores import stores_reset
from islands.health_system import selectors


@pytest.fixture(autouse=True)
def _short_ping(settings):
    settings.HEALTH_WORKER_PING_TIMEOUT = 0.1
    settings.HEALTH_WORKER_PING_TTL = 0.0


@pytest.mark.django_db
def test_a_probe_without_an_answer_by_the_deadline_is_reported_as_a_timeout(client, settings, monkeypatch):
    settings.HEALTH_DEADLINE_S = 0.3
    release = threading.Event()

    def hangs() -> dict:
        release.wait(5)
        return selectors._result(selectors.HEALTHY)

    monkeypatch.setattr(selectors, "check_backup", hangs)
    try:
        body = client.get("/health").json()
    finally:
        release.set()
    assert body["islands"]["backup"] == {"status": "degraded", "reason": "timeout: no answer within 0.3 s"}
    assert body["islands"]["crypto_reports"]["status"] == "healthy"  # the others answered meanwhile


@pytest.mark.django_db
def test_a_paused_redis_is_unhealthy_with_its_reason(client, settings, redis_server_factory):
    server = redis_server_factory()
    settings.REDIS_URL = server.url
    settings.REDIS_REQUEST_TIMEOUT = 0.2
    settings.REDIS_BREAKER_OPEN_S = 0.1
    redis_clients_reset()
    stores_reset()
    assert client.get("/health").json()["islands"]["cache_system"]["redis"] == "up"
    os.kill(server.process.pid, signal.SIGSTOP)
    try:
        first = client.get("/health")
        again = client.get("/health")
    finally:
        os.kill(server.process.pid, signal.SIGCONT)
        redis_clients_reset()
    for response in (first, again):
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unhealthy"
        assert body["islands"]["cache_system"]["reason"].startswith("Redis does not answer PING")
    # Once the breaker is open, /health says so and does not try the broker either.
    cache = again.json()["islands"]["cache_system"]
    assert "skipped" in cache["reason"]
    assert cache["breakers"]["request"]["state"] == "open"
    assert again.json()["islands"]["celery"]["reason"] == "broker (Redis) unreachable"
