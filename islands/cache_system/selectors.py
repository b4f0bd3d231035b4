"""Reads of the cache_system island: the stream-first summary helper, heartbeats, cache stats."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import orjson
from django.conf import settings

from islands.cache_system.breaker import ROLE_REQUEST, ROLES, breaker
from islands.cache_system.errors import REDIS_DOWN_ERRORS
from islands.cache_system.redis_client import redis_client
from islands.cache_system.services import CONTENT_VERSION_KEY, HEARTBEAT_KEY, INGEST_RECORD_KEY, SUMMARY_CACHE_KEY
from islands.cache_system.stores import stream_counters, stream_store, tiered_cache
from islands.cache_system.streams import StoreUnavailable, StreamEntry

log = logging.getLogger(__name__)

SUMMARY_L1_KEY = "summary:latest:stream"
# The newest summary this process has read, kept in its L1 for as long as a stream can be empty
# after a Redis restart (until the backup writer restores it): see summary_latest().
SUMMARY_LAST_KNOWN_KEY = "summary:last-known"
SUMMARY_LAST_KNOWN_TTL = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class SummarySnapshot:
    data: dict[str, Any]
    stream_id: str
    # Read while Redis did not answer: the newest this process knows, maybe not the newest
    # there is. Pages and the API mark it stale.
    offline: bool = False

    @property
    def stored_at(self) -> float:
        """Epoch seconds at which the entry entered the stream (from its id)."""
        return int(self.stream_id.split("-", 1)[0]) / 1000

    @property
    def age_seconds(self) -> float:
        return max(0.0, time.time() - self.stored_at)

    @classmethod
    def from_entry(cls, entry: StreamEntry, *, offline: bool = False) -> SummarySnapshot:
        return cls(data=entry.data, stream_id=entry.id, offline=offline)


def summary_latest() -> SummarySnapshot | None:
    """The newest summary: L1, else the stream's last entry (else the last one this process read);
    None when nothing was ever stored.

    L1 keeps it for SUMMARY_L1_TTL (1 s by default), so a page is never more than that behind the
    stream. An empty stream is filled by the ingest tasks, never by a reader.
    """
    l1 = tiered_cache().l1
    snapshot = l1.get(SUMMARY_L1_KEY)
    if snapshot is not None:
        return snapshot
    store = stream_store()
    entry = store.latest(settings.STREAM_MARKET_DATA)
    if entry is None:
        stream_counters.misses += 1
        # A Redis restarted empty answers "no entry" until the backup writer puts the stream
        # back: a process that already knew a summary answers with it meanwhile (its age shows,
        # and it turns stale by the usual rule) instead of "no data yet" (a 503).
        return l1.get(SUMMARY_LAST_KNOWN_KEY)
    stream_counters.hits += 1
    snapshot = SummarySnapshot.from_entry(entry, offline=store.mode == "fallback")
    if not snapshot.offline:
        # An offline one is read from memory each time (no Redis call), so the first look-up
        # after the store is back on Redis sees the newest entry, not a copy kept here.
        l1.set(SUMMARY_L1_KEY, snapshot, settings.SUMMARY_L1_TTL)
        l1.set(SUMMARY_LAST_KNOWN_KEY, snapshot, SUMMARY_LAST_KNOWN_TTL)
    return snapshot


def redis_unanswered() -> bool:
    """True while this process skips Redis after a timeout (any role) or serves streams from memory."""
    return any(breaker(role).is_open for role in ROLES) or stream_store().mode == "fallback"


def summary_cached() -> SummarySnapshot | None:
    """The latest summary from the cache tiers only (L1, then L2); never reads the stream.

    While this process finds Redis not answering, it is marked offline (a newer one may exist),
    and once its TTL is over the last one this process saw still answers, marked the same way.
    """
    cache = tiered_cache()
    cached = cache.get(SUMMARY_CACHE_KEY)
    offline = redis_unanswered()
    if cached is None and offline:
        cached = cache.last_known(SUMMARY_CACHE_KEY)
    if cached is None:
        return None
    return SummarySnapshot(data=cached["data"], stream_id=cached["id"], offline=offline)


def content_versions(*, names: tuple[str, ...]) -> dict[str, int] | None:
    """The change counts of each content name (0: never changed); None when Redis is down."""
    if not names:
        return {}
    try:
        raw = redis_client(ROLE_REQUEST).mget([CONTENT_VERSION_KEY.format(name=name) for name in names])
    except REDIS_DOWN_ERRORS:
        return None
    return {name: int(value or 0) for name, value in zip(names, raw, strict=True)}


def heartbeat_age(*, name: str) -> float | None:
    """Seconds since `name` last recorded a heartbeat; None if never (or Redis is down)."""
    try:
        raw = redis_client(ROLE_REQUEST).get(HEARTBEAT_KEY.format(name=name))
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
    for name in (settings.STREAM_MARKET_DATA, settings.STREAM_BTC_PRICE, settings.STREAM_MARKETS):
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
        raw = redis_client(ROLE_REQUEST).mget([INGEST_RECORD_KEY.format(name=name) for name in names])
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
