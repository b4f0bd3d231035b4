"""/health's Celery check: a real worker answers the ping, and the beat -> worker heartbeat is fresh."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from cryptodash.celery import app
from islands.cache_system.selectors import heartbeat_age
from islands.cache_system.tasks import heartbeat


@pytest.mark.django_db
def test_a_running_worker_and_a_fresh_heartbeat_make_celery_healthy(client, settings):
    settings.HEALTH_WORKER_PING_TIMEOUT = 2.0
    settings.HEALTH_WORKER_PING_TTL = 0.0
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        heartbeat.delay()  # what beat schedules every 10 s
        deadline = time.monotonic() + 20
        while heartbeat_age(name="celery") is None and time.monotonic() < deadline:
            time.sleep(0.05)
        celery = client.get("/health").json()["islands"]["celery"]
    assert celery["status"] == "healthy", celery
    assert celery["workers"]
    assert celery["heartbeat_age_s"] is not None


@pytest.mark.django_db
def test_without_a_worker_the_ping_times_out_and_celery_is_degraded(client, settings):
    settings.HEALTH_WORKER_PING_TIMEOUT = 0.1
    settings.HEALTH_WORKER_PING_TTL = 0.0
    celery = client.get("/health").json()["islands"]["celery"]
    assert celery["status"] == "degraded"
    assert celery["reason"] == "no worker answered the ping"
