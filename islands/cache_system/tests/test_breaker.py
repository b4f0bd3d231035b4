"""The Redis breakers (breaker.py) against a Redis that accepts and never answers (SIGSTOP).

Each test pauses a redis-server of its own, never the suite's shared one.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import pytest
import redis
from django.core.cache import caches

from islands.cache_system.breaker import (
    ROLE_CACHE,
    ROLE_REQUEST,
    ROLE_WORKER,
    GuardedRetry,
    RedisSkipped,
    breaker,
    breakers_reset,
)
from islands.cache_system.errors import REDIS_DOWN_ERRORS
from islands.cache_system.redis_client import redis_client, redis_clients_reset
from islands.cache_system.selectors import summary_cached
from islands.cache_system.services import summary_store
from islands.cache_system.stores import stores_reset, tiered_cache


@pytest.fixture
def paused_redis(redis_server_factory, settings) -> Iterator:
    """A private Redis behind the process's clients; `pause()` SIGSTOPs it, resumed at the end."""
    server = redis_server_factory()
    settings.REDIS_URL = server.url
    settings.REDIS_REQUEST_TIMEOUT = 0.2
    settings.REDIS_BREAKER_OPEN_S = 0.1
    redis_clients_reset()
    stores_reset()
    state = {"paused": False}

    class Control:
        @staticmethod
        def pause() -> None:
            os.kill(server.process.pid, signal.SIGSTOP)
            state["paused"] = True

        @staticmethod
        def resume() -> None:
            os.kill(server.process.pid, signal.SIGCONT)
            state["paused"] = False

    yield Control
    if state["paused"]:
        Control.resume()
    redis_clients_reset()


def closed_within(role: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while breaker(role).is_open and time.monotonic() < deadline:
        time.sleep(0.02)
    return not breaker(role).is_open


def test_one_timeout_opens_the_roles_breaker_then_calls_skip_redis_until_a_probe_gets_an_answer(paused_redis):
    client = redis_client(ROLE_REQUEST)
    client.set("k", "v")
    paused_redis.pause()

    with pytest.raises(redis.exceptions.TimeoutError):
        client.get("k")
    assert breaker(ROLE_REQUEST).is_open
    # Skipped without being sent: an outage error every caller already handles.
    with pytest.raises(RedisSkipped):
        client.get("k")
    assert issubclass(RedisSkipped, REDIS_DOWN_ERRORS)
    assert breaker(ROLE_REQUEST).status()["skipped_calls"] >= 1
    assert not breaker(ROLE_WORKER).is_open  # one breaker per role

    paused_redis.resume()
    assert closed_within(ROLE_REQUEST, 5)
    assert client.get("k") == b"v"


def test_a_timed_out_reply_arriving_late_is_never_read_as_the_next_commands(paused_redis):
    client = redis_client(ROLE_REQUEST)
    client.mset({"first": "1", "second": "2"})
    paused_redis.pause()
    with pytest.raises(redis.exceptions.TimeoutError):
        client.get("first")
    paused_redis.resume()
    assert closed_within(ROLE_REQUEST, 5)
    assert client.get("second") == b"2"


def test_the_django_cache_connections_carry_the_cache_roles_guarded_retry():
    pool = caches["default"].client.get_client(write=True).connection_pool
    assert pool.connection_kwargs["retry"] == GuardedRetry(ROLE_CACHE)


@pytest.mark.django_db
def test_the_cached_summary_answers_its_last_value_marked_offline_while_the_cache_is_skipped(settings):
    settings.REDIS_BREAKER_OPEN_S = 30  # the probe must not close it during the test
    entry_id = summary_store(summary={"btc_price_usd": 1.0})
    assert summary_cached().offline is False
    tiered_cache().l1.clear()
    try:
        breaker(ROLE_CACHE).trip(redis.exceptions.TimeoutError("Timeout reading from socket"))
        snapshot = summary_cached()
    finally:
        breakers_reset()
    assert snapshot is not None
    assert (snapshot.stream_id, snapshot.offline) == (entry_id, True)
