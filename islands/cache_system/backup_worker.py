"""The db_backup consumer loop behind `manage.py backup_streams`.

One round: (after a start or a lost Redis) put missing entries back into the streams, make sure
the group exists and finish this consumer's own pending entries; take over entries a dead
consumer left pending (XAUTOCLAIM); then read new entries (`>`), write them in one transaction
and XACK them only after the commit. A crash anywhere leaves entries pending, never lost, and
the idempotent insert turns a second delivery into a no-op. Redis and database outages pause the
loop with a bounded backoff; it never exits on an error, because the launcher stops the whole
stack when one of its processes ends.

It must not decide what a row looks like (backup.py) nor serve reads (history.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Sequence

import redis
from django.conf import settings
from django.db import close_old_connections, transaction

from islands.cache_system.backup import GROUP, backup_streams, snapshots_store, stream_restore
from islands.cache_system.redis_client import redis_client
from islands.cache_system.services import heartbeat_record
from islands.cache_system.streams import RedisStreamStore, StreamEntry

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL = 5.0
MAX_BACKOFF = 30.0


class BackupWorker:
    def __init__(
        self,
        *,
        consumer: str,
        streams: Sequence[str] | None = None,
        batch_size: int | None = None,
        block_ms: int | None = None,
        claim_idle_ms: int | None = None,
        restore_count: int | None = None,
    ) -> None:
        self.consumer = consumer
        self.streams = list(streams or backup_streams())
        self.batch_size = batch_size or settings.BACKUP_BATCH_SIZE
        self.block_ms = block_ms or settings.STREAM_BLOCK_MS
        self.claim_idle_ms = claim_idle_ms or settings.BACKUP_CLAIM_IDLE_MS
        self.restore_count = restore_count
        self.store = RedisStreamStore(redis_client(), maxlen=settings.STREAM_MAXLEN)
        self.ready = False
        self.saved = 0
        self._next_claim = 0.0
        self._next_heartbeat = 0.0

    def prepare(self) -> None:
        """Restore what Redis lost, ensure the group, then write this consumer's own pending entries."""
        for stream in self.streams:
            restored = stream_restore(stream=stream, count=self.restore_count)
            # A new group starts after what was just restored (those rows are stored already), or
            # at the stream's beginning, so entries written before the group existed are kept too.
            self.store.group_ensure(stream, GROUP, start_id=restored.last_id or "0")
        # Entries delivered to this consumer name before a crash or restart: each loop acknowledges
        # what it read, so the pending list shrinks to empty.
        while self._save(self._read(pending=True, block_ms=None)):
            pass
        self.ready = True

    def step(self) -> int:
        """One round; returns the number of entries written (0 after an idle wait)."""
        if not self.ready:
            self.prepare()
        saved = 0
        now = time.monotonic()
        if now >= self._next_claim:
            # Checking twice per idle threshold bounds how long a dead consumer's entries wait.
            self._next_claim = now + self.claim_idle_ms / 2000
            saved += self._claim()
        # Block only when there was nothing to do, so a backlog drains at full speed.
        saved += self._save(self._read(pending=False, block_ms=None if saved else self.block_ms))
        if now >= self._next_heartbeat:
            self._next_heartbeat = now + HEARTBEAT_INTERVAL
            heartbeat_record(name="backup")
        return saved

    def run(self, stop: threading.Event) -> None:
        """Rounds until `stop` is set; the round under way when it is set is finished first."""
        failures = 0
        while not stop.is_set():
            try:
                saved = self.step()
            except Exception as exc:  # Redis/DB outages and the unforeseen alike: pause, retry
                if isinstance(exc, redis.exceptions.ResponseError) and "NOGROUP" in str(exc) and not failures:
                    # The group (and the stream) vanished: Redis restarted empty or was flushed.
                    # Prepare again at once; a second failure in a row backs off like any other.
                    log.warning("db_backup group gone (%s): restoring the streams from the database", exc)
                    self.ready = False
                    failures = 1
                    continue
                failures = self._pause(stop, failures, exc)
                continue
            failures = 0
            if not saved:
                # Idle: give back a connection the database may have dropped meanwhile.
                close_old_connections()

    def _pause(self, stop: threading.Event, failures: int, exc: BaseException) -> int:
        failures += 1
        delay = min(MAX_BACKOFF, 0.25 * 2**failures)
        log.warning("backup paused for %.1f s after %s: %s", delay, exc.__class__.__name__, exc)
        self.ready = False
        close_old_connections()
        stop.wait(delay)
        return failures

    def _read(self, *, pending: bool, block_ms: int | None) -> list[tuple[str, StreamEntry]]:
        return self.store.group_read_many(
            self.streams, GROUP, self.consumer, count=self.batch_size, block_ms=block_ms, pending=pending
        )

    def _claim(self) -> int:
        saved = 0
        for stream in self.streams:
            while True:
                claimed = self.store.group_autoclaim(
                    stream, GROUP, self.consumer, min_idle_ms=self.claim_idle_ms, count=self.batch_size
                )
                saved += self._save([(stream, entry) for entry in claimed])
                if len(claimed) < self.batch_size:
                    break
        return saved

    def _save(self, pairs: list[tuple[str, StreamEntry]]) -> int:
        if not pairs:
            return 0
        by_stream: dict[str, list[StreamEntry]] = defaultdict(list)
        for stream, entry in pairs:
            by_stream[stream].append(entry)
        with transaction.atomic():
            for stream, entries in by_stream.items():
                snapshots_store(stream=stream, entries=entries)
        # Only now, after the commit: a crash before this line leaves the entries pending for the
        # next round (or another consumer's XAUTOCLAIM), and their second insert is ignored.
        for stream, entries in by_stream.items():
            self.store.group_ack(stream, GROUP, [entry.id for entry in entries])
        self.saved += len(pairs)
        return len(pairs)
