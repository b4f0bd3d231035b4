"""Tiered cache: L1 in this process (per-key TTL), L2 Redis through Django's cache (django-redis).

TTLs are honoured across tiers: L2 stores each value with its absolute expiry, so a value that
L1 picks up from L2 lives only for what is left of its TTL, not for a fresh one. A Redis outage
turns L2 into misses (django-redis IGNORE_EXCEPTIONS plus short socket timeouts, and the "cache"
role's breaker, which skips Redis after one timeout); `last_known` keeps the last value each key
had, for callers that would rather answer with it, marked, than with nothing while Redis is away.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches

from islands.cache_system.breaker import ROLE_CACHE, breaker


@dataclass
class TierCounters:
    hits: int = 0
    misses: int = 0

    def as_dict(self) -> dict[str, Any]:
        total = self.hits + self.misses
        return {"hits": self.hits, "misses": self.misses, "hit_ratio": round(self.hits / total, 4) if total else None}


class L1Cache:
    """A dict of key -> (expires_at, value). Written here rather than cachetools' TLRUCache
    because the hot path is one dict lookup and one clock read (the <= 2 us read budget)."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._data: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self.counters = TierCounters()

    def get(self, key: str) -> Any | None:
        item = self._data.get(key)
        if item is not None and item[0] > time.monotonic():
            self.counters.hits += 1
            return item[1]
        # Counters are plain ints: under threads an increment can be lost, never invented.
        self.counters.misses += 1
        return None

    def set(self, key: str, value: Any, ttl: float) -> None:
        if ttl <= 0:
            return
        with self._lock:
            if len(self._data) >= self.max_entries and key not in self._data:
                self._evict()
            self._data[key] = (time.monotonic() + ttl, value)

    def delete(self, key: str) -> None:
        self._data.pop(key, None)

    def clear(self) -> None:
        self._data.clear()

    def _evict(self) -> None:
        now = time.monotonic()
        for key in [k for k, (exp, _) in self._data.items() if exp <= now]:
            del self._data[key]
        while len(self._data) >= self.max_entries:
            del self._data[next(iter(self._data))]  # oldest insertion first

    def __len__(self) -> int:
        return len(self._data)


class TieredCache:
    LAST_KNOWN_MAX = 256

    def __init__(self, l1: L1Cache, cache_alias: str = "default") -> None:
        self.l1 = l1
        self.cache_alias = cache_alias
        self.l2_counters = TierCounters()
        self._last: dict[str, Any] = {}

    def _remember(self, key: str, value: Any) -> None:
        if key not in self._last and len(self._last) >= self.LAST_KNOWN_MAX:
            self._last.pop(next(iter(self._last)), None)  # oldest insertion first
        self._last[key] = value

    def last_known(self, key: str) -> Any | None:
        """The last value `key` had in this process, expired or not (None if never seen)."""
        return self._last.get(key)

    @property
    def l2(self):
        return caches[self.cache_alias]

    def get(self, key: str) -> Any | None:
        value = self.l1.get(key)
        if value is not None:
            self._remember(key, value)
            return value
        if breaker(ROLE_CACHE).is_open:
            # Skipped rather than tried: django-redis would log every skipped call as an error.
            self.l2_counters.misses += 1
            return None
        stored = self.l2.get(key)
        if stored is None:
            self.l2_counters.misses += 1
            return None
        expires_at, value = stored
        remaining = expires_at - time.time()
        if remaining <= 0:
            self.l2_counters.misses += 1
            return None
        self.l2_counters.hits += 1
        self.l1.set(key, value, remaining)
        self._remember(key, value)
        return value

    def set(self, key: str, value: Any, seconds: float) -> None:
        self.l1.set(key, value, seconds)
        self._remember(key, value)
        if breaker(ROLE_CACHE).is_open:
            return  # L1 and the last known value serve this process; writers store again soon
        # L2 keeps the absolute expiry beside the value; Redis's own TTL drops it a little later.
        self.l2.set(key, (time.time() + seconds, value), timeout=max(1, int(seconds) + 1))

    def delete(self, key: str) -> None:
        self.l1.delete(key)
        self._last.pop(key, None)
        self.l2.delete(key)

    def stats(self) -> dict[str, Any]:
        return {
            "l1": {**self.l1.counters.as_dict(), "entries": len(self.l1)},
            "l2": self.l2_counters.as_dict(),
        }
