"""Nothing read from Redis is unpickled: a planted pickle runs no code and reads as a miss.

Before, django-redis used its default pickle serializer: a user who could write to Redis stored a
pickle under the latest summary's cache key, and `GET /api/crypto/dashboard-summary/cached` ran it
in the web process. Here a payload whose unpickling would create a marker file is planted under
every key the site reads (each string key a normal run leaves in Redis, plus the cache keys of
both cache versions, breaker states and cooldowns) and as the newest entry of both streams, then
every reader runs: no marker, no 500.
"""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.test import Client
from kombu.exceptions import ContentDisallowed
from kombu.serialization import loads as kombu_loads

from cryptodash.celery import app as celery_app
from islands.cache_system.selectors import heartbeat_age, ingest_records, summary_cached, summary_latest
from islands.cache_system.services import (
    SUMMARY_CACHE_KEY,
    heartbeat_record,
    ingest_record_store,
    summary_store,
)
from islands.cache_system.stores import stores_reset, tiered_cache
from islands.dashboard.tests.conftest import SUMMARY
from islands.external_apis.feeds import UPSTREAMS
from islands.external_apis.resilience import BREAKER_NAMESPACE, COOLDOWN_KEY
from islands.external_apis.services import FEED_RECORD, FINGERPRINT_RECORD, SOURCE_RECORD

HEARTBEATS = ("celery", "beat", "relay", "backup")
# Each page's answers with the planted values read as absent: the cached summary is simply missing
# (its documented 503), /health reports missing heartbeats (degraded 200 or unhealthy 503), the
# rest serves as usual.
PAGES = {
    "/api/crypto/dashboard-summary/cached": {503},
    "/api/crypto/dashboard-summary": {200},
    "/": {200},
    "/health": {200, 503},
    "/api/crypto/rate-limit-status": {200},
    "/api/cache/stats": {200},
}


class _CreatesMarker:
    """Unpickling this calls open(marker, "w"): the file appears if and only if a pickle was loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture
def payload(tmp_path: Path) -> tuple[bytes, Path]:
    marker = tmp_path / "pwned"
    body = pickle.dumps(_CreatesMarker(marker))
    pickle.loads(body).close()  # the payload works: unpickling it does create the marker
    assert marker.exists()
    marker.unlink()
    return body, marker


def site_keys(conn: redis.Redis) -> set[bytes]:
    """Every string key a normal run leaves in Redis, and the keys the readers look up."""
    summary_store(summary=copy.deepcopy(SUMMARY))
    for name in HEARTBEATS:
        heartbeat_record(name=name)
    names = [FINGERPRINT_RECORD] + [FEED_RECORD.format(name=n) for n in ("prices", "global")]
    names += [SOURCE_RECORD.format(name=source) for source in UPSTREAMS]
    for name in names:
        ingest_record_store(name=name, record={"status": "ok"}, ttl=60)
    keys = {key for key in conn.scan_iter() if conn.type(key) == b"string"}
    cache = caches["default"]
    keys |= {cache.make_key(SUMMARY_CACHE_KEY, version=v).encode() for v in (1, cache.version)}
    for source in UPSTREAMS:
        keys.add(f"{BREAKER_NAMESPACE.format(source=source)}:pybreaker:state".encode())
        keys.add(COOLDOWN_KEY.format(source=source).encode())
    return keys


@pytest.mark.django_db
def test_a_pickle_planted_under_every_key_runs_no_code_and_reads_as_a_miss(redis_conn, payload):
    body, marker = payload
    keys = site_keys(redis_conn)
    assert caches["default"].make_key(SUMMARY_CACHE_KEY).encode() in keys  # the key of the finding
    for key in keys:
        redis_conn.set(key, body)
    for stream in (settings.STREAM_MARKET_DATA, settings.STREAM_BTC_PRICE):
        redis_conn.xadd(stream, {"v": "1", "type": "dashboard_update", "data": body})
    stores_reset()  # no value left in any process memory: every read goes to Redis

    assert tiered_cache().get(SUMMARY_CACHE_KEY) is None
    assert caches["default"].get(SUMMARY_CACHE_KEY) is None
    assert summary_cached() is None
    for name in HEARTBEATS:
        assert heartbeat_age(name=name) is None
    assert set(ingest_records(names=[FINGERPRINT_RECORD]).values()) == {None}
    assert summary_latest().data == {}  # the planted entry carries no values
    client = Client()
    for path, expected in PAGES.items():
        assert client.get(path).status_code in expected, path
    assert not marker.exists()


def test_celery_refuses_pickled_messages(payload):
    body, marker = payload
    assert celery_app.conf.accept_content == ["json"]
    assert celery_app.conf.result_accept_content == ["json"]
    assert celery_app.conf.task_serializer == celery_app.conf.result_serializer == "json"
    # The check a worker makes on every message it takes from the broker.
    with pytest.raises(ContentDisallowed):
        kombu_loads(body, "application/x-python-serialize", "binary", accept=celery_app.conf.accept_content)
    assert not marker.exists()
