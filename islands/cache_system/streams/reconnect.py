"""The way back from the in-memory fallback: a background thread pings Redis every interval and,
once it answers, replays the entries written meanwhile, then hands the streams back to Redis.

One thread per outage, started by the resilient store; it never runs on a request's thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import redis

from islands.cache_system.errors import REDIS_DOWN_ERRORS
from islands.cache_system.streams.memory_store import MemoryStreamStore
from islands.cache_system.streams.redis_store import RedisStreamStore


class Reconnector:
    """Retries Redis for one store pair; counts what it replayed (shown in the store's status)."""

    def __init__(
        self,
        redis_store: RedisStreamStore,
        memory: MemoryStreamStore,
        *,
        interval: float,
        on_error: Callable[[BaseException], None],
        on_back: Callable[[], None],
    ) -> None:
        self.redis = redis_store
        self.memory = memory
        self.interval = interval
        self._on_error = on_error
        self._on_back = on_back
        self.replayed = 0
        self.replay_new_ids = 0

    def start(self) -> None:
        threading.Thread(target=self._run, name="redis-reconnect", daemon=True).start()

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            try:
                self.redis.client.ping()
                self.replay()
            except REDIS_DOWN_ERRORS as exc:
                self._on_error(exc)
                continue
            self._on_back()
            return

    def replay(self) -> None:
        """Write the entries made during the outage to Redis, keeping their ids where possible.

        An id is kept when it is newer than the stream's last id in Redis (always true after a
        restart that lost the data, and when no other process wrote meanwhile), so clients that
        saw it can resume from it. Otherwise Redis assigns a new id and the count is reported.
        """
        pending = self.memory.take_unreplayed()
        try:
            for stream in list(pending):
                entries = pending[stream]
                while entries:
                    entry = entries[0]
                    try:
                        self.redis.add(stream, entry.type, entry.data, entry_id=entry.id)
                    except redis.exceptions.ResponseError:  # id not newer than Redis's last one
                        self.redis.add(stream, entry.type, entry.data)
                        self.replay_new_ids += 1  # the data is kept under a new id
                    entries.pop(0)
                    self.replayed += 1
                del pending[stream]
        finally:
            # Down again mid-replay: what was not written goes back, in order, for the next try.
            for stream, entries in pending.items():
                self.memory.requeue(stream, entries)
