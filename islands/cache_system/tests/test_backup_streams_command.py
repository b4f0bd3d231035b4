"""`manage.py backup_streams` as a process would run it: SIGTERM, Redis outages, heartbeats."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable

import pytest
from django.core.management import call_command

from islands.cache_system.backup_worker import backup_consumer
from islands.cache_system.models import MarketSnapshot
from islands.cache_system.redis_client import redis_clients_reset
from islands.cache_system.selectors import heartbeat_age
from islands.cache_system.services import summary_store
from islands.cache_system.stores import stores_reset
from islands.cache_system.tests.history_data import summary_at

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_sigterm_finishes_the_batch_and_returns(settings, caplog):
    settings.CONSUMER_BLOCK_MS = 50
    ids = [summary_store(summary=summary_at(i=i)) for i in range(5)]
    count = MarketSnapshot.objects.count

    def terminate_when_stored() -> None:
        wait_until(lambda: count() == 5)
        os.kill(os.getpid(), signal.SIGTERM)

    before = signal.getsignal(signal.SIGTERM)
    killer = threading.Thread(target=terminate_when_stored)
    killer.start()
    with caplog.at_level(logging.INFO):
        call_command("backup_streams", consumer="backup-test")
    killer.join()

    assert sorted(MarketSnapshot.objects.values_list("stream_id", flat=True)) == sorted(ids)
    assert "backup_streams: stopped after 5 entries" in caplog.text
    assert signal.getsignal(signal.SIGTERM) is before
    assert heartbeat_age(name="backup") is not None


def test_it_waits_out_a_redis_outage_and_carries_on(settings, redis_server_factory):
    server = redis_server_factory()
    settings.REDIS_URL = server.url
    # Short pauses: a slow restart on a loaded machine must not leave the next try seconds away.
    settings.CONSUMER_BACKOFF_MAX_S = 0.5
    redis_clients_reset()
    stores_reset()
    first = summary_store(summary=summary_at(i=1))
    worker = backup_consumer(consumer="backup-a", block_ms=50)
    stop = threading.Event()
    runner = threading.Thread(target=worker.run, args=(stop,))
    runner.start()
    try:
        assert wait_until(lambda: MarketSnapshot.objects.filter(stream_id=first).exists())
        server.stop()
        time.sleep(0.3)
        assert runner.is_alive()
        server.start()  # same port, empty: the group is gone, the stream comes back from the table
        stores_reset()
        second = summary_store(summary=summary_at(i=2))
        assert wait_until(lambda: MarketSnapshot.objects.filter(stream_id=second).exists())
    finally:
        stop.set()
        runner.join(timeout=10)
    assert not runner.is_alive()
    assert MarketSnapshot.objects.filter(stream="crypto:market_data").count() == 2
