"""The stream store every process uses: Redis when it answers, memory when it does not.

When Redis is unreachable it serves reads and writes from the in-process store, and its
reconnector (reconnect.py) retries Redis in a background thread and replays the entries written
meanwhile. It must not block a request on a dead socket: while in fallback it does not touch
Redis at all. Consumer groups have no in-process equivalent: they raise StoreUnavailable.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import redis

from islands.cache_system.errors import REDIS_DOWN_ERRORS, StoreUnavailable
from islands.cache_system.streams.entries import StreamEntry
from islands.cache_system.streams.memory_store import MemoryStreamStore
from islands.cache_system.streams.reconnect import Reconnector
from islands.cache_system.streams.redis_store import RedisStreamStore

log = logging.getLogger(__name__)


class ResilientStreamStore:
    """Redis when it answers, memory when it does not; reports which, and heals by itself."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        maxlen: int,
        memory_maxlen: int,
        reconnect_interval: float,
        reader: redis.Redis | None = None,
        maxlens: dict[str, int] | None = None,
    ) -> None:
        self.redis = RedisStreamStore(client, maxlen=maxlen, reader=reader, maxlens=maxlens)
        self.memory = MemoryStreamStore(maxlen=memory_maxlen)
        self.reconnector = Reconnector(
            self.redis,
            self.memory,
            interval=reconnect_interval,
            on_error=self._error_note,
            on_back=self._leave_fallback,
        )
        self._lock = threading.Lock()
        self._fallback_since: float | None = None
        self._last_error: str | None = None
        self._remembered: dict[str, str] = {}
        self.switches = 0

    # --- mode -----------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return "fallback" if self._fallback_since is not None else "redis"

    def status(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "fallback_since": self._fallback_since,
            "last_error": self._last_error,
            "switches_to_fallback": self.switches,
            "unreplayed_entries": self.memory.unreplayed_count(),
            "replayed_entries": self.reconnector.replayed,
            "replay_new_ids": self.reconnector.replay_new_ids,
            "dropped_entries": self.memory.dropped,
        }

    def _error_note(self, exc: BaseException) -> None:
        self._last_error = f"{exc.__class__.__name__}: {exc}"

    def _enter_fallback(self, exc: BaseException) -> None:
        with self._lock:
            self._error_note(exc)
            if self._fallback_since is not None:
                return
            self._fallback_since = time.time()
            self.switches += 1
            log.warning("Redis unreachable (%s): streams now served from memory", self._last_error)
            self.reconnector.start()

    def _leave_fallback(self) -> None:
        """Called by the reconnector once the outage's entries are back in Redis."""
        with self._lock:
            outage = time.time() - (self._fallback_since or time.time())
            self._fallback_since = None
        log.warning("Redis is back after %.1f s: streams served from Redis again", outage)

    # --- reads and writes -----------------------------------------------------------------
    def _call(self, method: str, stream: str, *args: Any, **kwargs: Any) -> Any:
        if self._fallback_since is None:
            try:
                result = getattr(self.redis, method)(stream, *args, **kwargs)
            except REDIS_DOWN_ERRORS as exc:
                self._enter_fallback(exc)
            else:
                if method == "add":
                    # Keep the fallback's ids after the ones Redis gave out, so they stay ordered.
                    self.memory.remember(stream, [StreamEntry(id=result, type=args[0], data=args[1])])
                return result
        return getattr(self.memory, method)(stream, *args, **kwargs)

    def add(self, stream: str, type_: str, data: dict[str, Any]) -> str:
        return self._call("add", stream, type_, data)

    def latest(self, stream: str) -> StreamEntry | None:
        # The hot read of every page and API call: no generic dispatch, and the copy kept for
        # outages is refreshed only when the newest id changed.
        if self._fallback_since is None:
            try:
                entry = self.redis.latest(stream)
            except REDIS_DOWN_ERRORS as exc:
                self._enter_fallback(exc)
            else:
                if entry is not None and self._remembered.get(stream) != entry.id:
                    self._remembered[stream] = entry.id
                    self.memory.remember(stream, [entry])
                return entry
        return self.memory.latest(stream)

    def range(self, stream: str, start: str = "-", end: str = "+", count: int | None = None) -> list[StreamEntry]:
        return self._call("range", stream, start, end, count)

    def revrange(self, stream: str, end: str = "+", start: str = "-", count: int | None = None) -> list[StreamEntry]:
        return self._call("revrange", stream, end, start, count)

    def after(self, stream: str, last_id: str, count: int) -> list[StreamEntry]:
        return self._call("after", stream, last_id, count)

    def length(self, stream: str) -> int:
        return self._call("length", stream)

    def first_id(self, stream: str) -> str | None:
        return self._call("first_id", stream)

    # --- consumer groups: Redis only --------------------------------------------------------
    def _group_call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if self._fallback_since is not None:
            raise StoreUnavailable(self._last_error or "Redis unreachable")
        try:
            return getattr(self.redis, method)(*args, **kwargs)
        except REDIS_DOWN_ERRORS as exc:
            self._enter_fallback(exc)
            raise StoreUnavailable(str(exc)) from exc

    def group_ensure(self, stream: str, group: str, *, start_id: str = "$") -> None:
        self._group_call("group_ensure", stream, group, start_id=start_id)

    def group_read_many(
        self, streams: list[str], group: str, consumer: str, *, count: int, block_ms: int | None, pending: bool
    ) -> list[tuple[str, StreamEntry]]:
        return self._group_call(
            "group_read_many", streams, group, consumer, count=count, block_ms=block_ms, pending=pending
        )

    def group_ack(self, stream: str, group: str, ids: list[str]) -> int:
        return self._group_call("group_ack", stream, group, ids)

    def group_autoclaim(
        self, stream: str, group: str, consumer: str, *, min_idle_ms: int, count: int
    ) -> list[StreamEntry]:
        return self._group_call("group_autoclaim", stream, group, consumer, min_idle_ms=min_idle_ms, count=count)

    def group_info(self, stream: str) -> list[dict[str, Any]]:
        return self._group_call("group_info", stream)
