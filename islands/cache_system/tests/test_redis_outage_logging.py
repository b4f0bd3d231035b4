"""A Redis outage is logged as one WARNING line per library logger, without a traceback.

django-redis (IGNORE_EXCEPTIONS: "Exception ignored") and pybreaker's Redis storage ("RedisError")
log every failed call at ERROR with a traceback; settings.LOGGING filters them
(islands/cache_system/logfilters.py). Real clients against a Redis that was stopped.
"""

from __future__ import annotations

import logging

import pybreaker
import pytest
import redis
from celery.beat import SchedulingError
from django_redis.cache import RedisCache

from islands.cache_system.logfilters import REDIS_OUTAGE_LOGGERS, RedisOutageAsWarning


@pytest.fixture
def stopped_redis_url(redis_server_factory) -> str:
    server = redis_server_factory()
    server.stop()
    return server.url


@pytest.fixture(autouse=True)
def _outage_filters_unmuted():
    filters = [f for name in REDIS_OUTAGE_LOGGERS for f in logging.getLogger(name).filters]
    assert any(isinstance(f, RedisOutageAsWarning) for f in filters), "settings.LOGGING must wire the filter"
    for f in filters:
        f._last.clear()
    yield


def outage_records(caplog, logger: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == logger]


def test_django_redis_ignored_exceptions_become_one_warning_line(stopped_redis_url, caplog):
    cache = RedisCache(
        stopped_redis_url,
        {"OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2}},
    )
    with caplog.at_level(logging.INFO):
        assert [cache.get("a"), cache.get("b"), cache.set("c", 1)] == [None, None, None]

    records = outage_records(caplog, "django_redis.cache")
    assert [r.levelname for r in records] == ["WARNING"]
    assert records[0].exc_info is None
    assert "Redis unreachable (ConnectionError" in records[0].getMessage()
    assert "Traceback" not in caplog.text


def test_pybreaker_redis_storage_errors_become_one_warning_line(redis_server_factory, caplog):
    server = redis_server_factory()
    client = redis.Redis.from_url(server.url, socket_connect_timeout=0.2)
    storage = pybreaker.CircuitRedisStorage(pybreaker.STATE_CLOSED, client, namespace="outage-test")
    server.stop()
    with caplog.at_level(logging.INFO):
        assert storage.state == pybreaker.STATE_CLOSED  # its fallback
        storage.increment_counter()
        assert storage.counter == 0

    records = outage_records(caplog, "pybreaker")
    assert [r.levelname for r in records] == ["WARNING"]
    assert "Redis unreachable" in records[0].getMessage()
    assert "Traceback" not in caplog.text


def test_other_errors_of_those_loggers_pass_unchanged(caplog):
    with caplog.at_level(logging.INFO):
        try:
            raise ValueError("not about Redis")
        except ValueError:
            logging.getLogger("pybreaker").exception("something else")
    (record,) = outage_records(caplog, "pybreaker")
    assert record.levelname == "ERROR"
    assert record.exc_info is not None


def test_beat_failing_to_send_a_due_task_logs_one_warning_line(caplog):
    with caplog.at_level(logging.INFO):
        for _ in range(2):
            try:
                try:
                    raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:1. Connection refused.")
                except redis.ConnectionError as exc:
                    raise SchedulingError(f"Couldn't apply scheduled task heartbeat: {exc}") from None
            except SchedulingError as exc:
                # As celery.beat logs it: the message, then a formatted stack, with exc_info.
                logging.getLogger("celery.beat").error("Message Error: %s\n%s", exc, "  File ...", exc_info=True)

    records = outage_records(caplog, "celery.beat")
    assert [r.levelname for r in records] == ["WARNING"]
    assert "\n" not in records[0].getMessage()
    assert "Traceback" not in caplog.text
