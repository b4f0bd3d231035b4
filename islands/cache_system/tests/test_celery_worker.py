"""A real Celery worker (not eager mode) consumes a task from the Redis broker."""

import time

from celery.contrib.testing.worker import start_worker

from cryptodash.celery import app
from islands.cache_system.selectors import heartbeat_age
from islands.cache_system.tasks import heartbeat


def test_a_real_worker_runs_the_heartbeat_task(settings):
    assert heartbeat_age(name="celery") is None
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        heartbeat.delay()
        deadline = time.monotonic() + 20
        while heartbeat_age(name="celery") is None and time.monotonic() < deadline:
            time.sleep(0.05)
    assert heartbeat_age(name="celery") is not None


def test_every_beat_entry_expires_so_an_outage_replays_no_backlog(settings):
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["options"]["expires"] <= float(entry["schedule"]), name
