"""Reads of the cache_system island: the stream-first summary helper, heartbeats, cache stats."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
import redis
from django.conf import settings

from islands.cache_system.redis_client import REDIS_DOWN_ERRORS, redis_client
from islands.cache_system.services import HEARTBEAT_KEY, INGEST_RECORD_KEY, SUMMARY_CACHE_KEY, summary_store
from islands.cache_system.stores import stream_counters, stream_store, tiered_cache
from islands.cache_system.streams import StoreUnavailable, StreamEntry

log = logging.getLogger(__name__)

SUMMARY_L1_KEY = "summary:latest:stream"
LOAD_LOCK_KEY = "cryptodash:lock:summary_load"
# Within one process the Redis lock already serialises loads; this covers Redis being down.
_local_load_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class SummarySnapshot:
    data: dict[str, Any]
    stream_id: str

    @property
    def stored_at(self) -> float:
        """Epoch seconds at which the entry entered the stream (from its id)."""
        return int(self.stream_id.split("-", 1)[0]) / 1000

    @property
    def age_seconds(self) -> float:
        return max(0.0, time.time() - self.stored_at)

    @classmethod
    def from_entry(cls, entry: StreamEntry) -> SummarySnapshot:
        return cls(data=entry.data, stream_id=entry.id)


def summary_latest(*, loader: Callable[[], dict[str, Any] | None] | None = None) -> SummarySnapshot | None:
    """The newest summary: L1, else the stream's last entry, else (stream empty) one load.

    L1 keeps it for SUMMARY_L1_TTL (1 s by default), so a page is never more than that behind the
    stream. The loader, when given, runs under a single-flight lock: N concurrent misses across
    processes make one upstream load, whose result is appended to the stream.
    """
    l1 = tiered_cache().l1
    snapshot = l1.get(SUMMARY_L1_KEY)
    if snapshot is not None:
        return snapshot
    entry = stream_store().latest(settings.STREAM_MARKET_DATA)
    if entry is not None:
        stream_counters.hits += 1
        snapshot = SummarySnapshot.from_entry(entry)
        l1.set(SUMMARY_L1_KEY, snapshot, settings.SUMMARY_L1_TTL)
        return snapshot
    stream_counters.misses += 1
    if loader is None:
        return None
    return _summary_load_once(loader)


def _summary_load_once(loader: Callable[[], dict[str, Any] | None]) -> SummarySnapshot | None:
    try:
        lock = redis_client().lock(LOAD_LOCK_KEY, timeout=settings.CELERY_TASK_TIME_LIMIT, blocking_timeout=None)
        with lock:
            return _summary_load_locked(loader)
    except (StoreUnavailable, *REDIS_DOWN_ERRORS):
        # No Redis, no cross-process lock: still make at most one load per process.
        with _local_load_lock:
            return _summary_load_locked(loader)
    except redis.exceptions.LockError as exc:  # the load outlived the lock's timeout
        log.warning("summary load lock lost: %s", exc)
        entry = stream_store().latest(settings.STREAM_MARKET_DATA)
        return SummarySnapshot.from_entry(entry) if entry else None


def _summary_load_locked(loader: Callable[[], dict[str, Any] | None]) -> SummarySnapshot | None:
    # Whoever held the lock before us may have loaded already.
    entry = stream_store().latest(settings.STREAM_MARKET_DATA)
    if entry is not None:
        return SummarySnapshot.from_entry(entry)
    data = loader()
    if data is None:
        return None
    entry_id = summary_store(summary=data)
    snapshot = SummarySnapshot(data=data, stream_id=entry_id)
    tiered_cache().l1.set(SUMMARY_L1_KEY, snapshot, settings.SUMMARY_L1_TTL)
    return snapshot


def summary_cached() -> SummarySnapshot | None:
    """The latest summary from the cache tiers only (L1, then L2); never reads the stream."""
    cached = tiered_cache().get(SUMMARY_CACHE_KEY)
    if cached is None:
        return None
    return SummarySnapshot(data=cached["data"], stream_id=cached["id"])


def heartbeat_age(*, name: str) -> float | None:
    """Seconds since `name` last recorded a heartbeat; None if never (or Redis is down)."""
    try:
        raw = redis_client().get(HEARTBEAT_KEY.format(name=name))
    except REDIS_DOWN_ERRORS:
        return None
    if raw is None:
        return None
    try:
        return max(0.0, time.time() - float(raw))
    except ValueError:  # not written by heartbeat_record: as good as no heartbeat
        log.warning("heartbeat %r in Redis is not a timestamp; ignored", name)
        return None


def cache_stats() -> dict[str, Any]:
    """Real counters of this process per tier, stream lengths and consumer groups, and the mode."""
    store = stream_store()
    streams: dict[str, Any] = {}
    for name in (settings.STREAM_MARKET_DATA, settings.STREAM_BTC_PRICE):
        try:
            groups = store.group_info(name)
        except StoreUnavailable:
            groups = None
        streams[name] = {"length": store.length(name), "groups": groups}
    return {
        "tiers": {**tiered_cache().stats(), "stream": stream_counters.as_dict()},
        "streams": streams,
        "store": store.status(),
    }


def ingest_records(*, names: list[str]) -> dict[str, dict[str, Any] | None]:
    """The records `ingest_record_store` kept, by name (None: never stored, expired, or Redis down)."""
    if not names:
        return {}
    try:
        raw = redis_client().mget([INGEST_RECORD_KEY.format(name=name) for name in names])
    except REDIS_DOWN_ERRORS:
        return dict.fromkeys(names)
    return {name: _record_decode(name, value) for name, value in zip(names, raw, strict=True)}


def _record_decode(name: str, value: bytes | None) -> dict[str, Any] | None:
    if not value:
        return None
    try:
        record = orjson.loads(value)
    except orjson.JSONDecodeError:  # not written by ingest_record_store: as good as none
        log.warning("ingest record %r in Redis is not JSON; ignored", name)
        return None
    return record if isinstance(record, dict) else None
