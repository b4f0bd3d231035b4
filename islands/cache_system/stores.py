"""The process-wide instances: one resilient stream store and one tiered cache per process."""

from __future__ import annotations

import threading

from django.conf import settings

from islands.cache_system.breaker import ROLE_REQUEST
from islands.cache_system.redis_client import redis_client
from islands.cache_system.streams import ResilientStreamStore
from islands.cache_system.tiered import L1Cache, TierCounters, TieredCache

_lock = threading.Lock()
_stream_store: ResilientStreamStore | None = None
_tiered: TieredCache | None = None
# Reads of "the latest summary" that had to go to the stream (L1 missed), and whether it had one.
stream_counters = TierCounters()


def stream_store() -> ResilientStreamStore:
    global _stream_store  # noqa: PLW0603 - one store per process, created on first use
    if _stream_store is None:
        with _lock:
            if _stream_store is None:
                _stream_store = ResilientStreamStore(
                    redis_client(),
                    reader=redis_client(ROLE_REQUEST),
                    maxlen=settings.STREAM_MAXLEN,
                    maxlens=settings.STREAM_MAXLENS,
                    memory_maxlen=settings.FALLBACK_MAX_ENTRIES,
                    reconnect_interval=settings.REDIS_RECONNECT_INTERVAL,
                )
    return _stream_store


def tiered_cache() -> TieredCache:
    global _tiered  # noqa: PLW0603 - one cache per process, created on first use
    if _tiered is None:
        with _lock:
            if _tiered is None:
                _tiered = TieredCache(L1Cache())
    return _tiered


def stores_reset() -> None:
    """Forget the process-wide instances (tests that restart or replace Redis)."""
    global _stream_store, _tiered  # noqa: PLW0603
    with _lock:
        _stream_store = None
        _tiered = None
        stream_counters.hits = stream_counters.misses = 0
