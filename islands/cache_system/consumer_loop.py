"""The one consumer-group loop: every Redis Streams consumer group (relay, backup) runs on it.

Shape of healthchecks' `sendalerts`: rounds of one bounded batch, a stop flag checked between
rounds (SIGTERM finishes the batch under way), idempotent hand-over between consumers, and a
jittered, capped backoff instead of a crash loop when Redis or the database is away.

One round:
1. (after a start, an error or a lost group) make sure the group exists on every stream
   (XGROUP CREATE ... MKSTREAM, its start id from the caller) and go back to this consumer's own
   pending entries (XREADGROUP id 0): entries it read before a crash or an outage;
2. once those are done, take over entries a dead consumer left pending longer than
   `claim_idle_ms` (XAUTOCLAIM), checked every half of that time;
3. otherwise read new entries (`>`), blocking at most `block_ms`;
4. hand the batch to the handler and XACK it only after the handler returned. A crash or an
   error in between leaves the entries pending: read again by this consumer's next life, or
   claimed by another one. So delivery is at least once, and the handler must be idempotent
   (the backup's insert ignores a stream id it has; the relay's frames are snapshots that
   sockets drop when already sent; the alerts evaluator keys its transaction by stream id).

NOGROUP (Redis restarted empty, flushed, or a failover lost the XGROUP CREATE) re-creates the
group at once; a second NOGROUP in a row backs off like any other error. A demoted primary
answers a blocked read with `-UNBLOCKED`, a ResponseError: also backed off and retried.

Sync, not async: the backup writes the database in one transaction per batch, and so will the
alerts evaluator; Django's ORM is synchronous and its test transactions belong to the calling
thread. The relay, whose handler sends through the async channel layer, runs this loop in a
worker thread and bridges each batch onto its event loop (islands/websocket_service/relay.py).
The blocking XREADGROUP is kept below the client's socket timeout, or redis-py raises a
TimeoutError for a read that was only waiting (redis-py#3138).

It must not look inside entries or know what a handler does with them: it only moves them.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence

import redis
from django.conf import settings
from django.db import DatabaseError, close_old_connections

from islands.cache_system.breaker import ROLE_WORKER, breaker
from islands.cache_system.redis_client import REDIS_DOWN_ERRORS, redis_client
from islands.cache_system.streams import RedisStreamStore, StreamEntry

log = logging.getLogger(__name__)

Batch = list[tuple[str, StreamEntry]]
# Errors that are an outage of Redis or the database rather than a bug: one WARNING line each.
# ResponseError is among them for what a restart or failover answers (LOADING, READONLY from a
# demoted primary, UNBLOCKED for a blocked read, a second NOGROUP).
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (*REDIS_DOWN_ERRORS, redis.exceptions.ResponseError, DatabaseError)
# The first pause after an error; each further error in a row doubles it, up to the cap.
BACKOFF_FIRST_S = 0.25


class ConsumerLoop:
    """One consumer of one group over one or more streams.

    handler: called with each non-empty batch (stream, entry) pairs, each stream's entries in
        order; the batch is acknowledged when it returns. Raising leaves the batch pending.
    start_id: where a new group starts, per stream ("$": only entries added from now on); called
        each time the group is (re)created, so it may also repair the stream first.
    heartbeat: called at most every `heartbeat_interval` seconds while the loop runs.
    """

    def __init__(
        self,
        *,
        group: str,
        consumer: str,
        streams: Sequence[str],
        handler: Callable[[Batch], object],
        start_id: Callable[[str], str] | None = None,
        heartbeat: Callable[[], object] | None = None,
        batch: int | None = None,
        block_ms: int | None = None,
        claim_idle_ms: int | None = None,
        backoff_max_s: float | None = None,
        heartbeat_interval: float | None = None,
    ) -> None:
        self.group = group
        self.consumer = consumer
        self.streams = list(streams)
        self.handler = handler
        self.start_id = start_id or (lambda stream: "$")
        self.heartbeat = heartbeat
        self.batch = batch or settings.CONSUMER_BATCH
        self.block_ms = block_ms if block_ms is not None else settings.CONSUMER_BLOCK_MS
        if self.block_ms / 1000 >= settings.REDIS_SOCKET_TIMEOUT:
            raise ValueError("CONSUMER_BLOCK_MS must be below REDIS_SOCKET_TIMEOUT (redis-py#3138)")
        self.claim_idle_ms = claim_idle_ms or settings.CONSUMER_CLAIM_IDLE_MS
        self.backoff_max_s = backoff_max_s if backoff_max_s is not None else settings.CONSUMER_BACKOFF_MAX_S
        self.heartbeat_interval = heartbeat_interval or settings.CONSUMER_HEARTBEAT_INTERVAL
        self.store = RedisStreamStore(redis_client(), maxlen=settings.STREAM_MAXLEN, maxlens=settings.STREAM_MAXLENS)
        self.handled = 0
        self.ready = False
        self._own_pending = True
        self._group_recreated = False
        self._claim_at = 0.0
        self._heartbeat_at = 0.0

    @property
    def _fields(self) -> dict[str, str]:
        """What this loop's log lines carry as fields of their own (LOG_FORMAT=json)."""
        return {"group": self.group, "consumer": self.consumer}

    # --- rounds ---------------------------------------------------------------------------
    def step(self) -> int:
        """One round; returns the number of entries handled (0 after an idle wait).

        Raises what Redis, the database or the handler raised, except a first NOGROUP.
        """
        try:
            count = self._round()
        except redis.exceptions.ResponseError as exc:
            if "NOGROUP" not in str(exc) or self._group_recreated:
                raise
            log.warning(
                "%s/%s: consumer group gone (%s); creating it again", self.group, self.consumer, exc, extra=self._fields
            )
            self.ready = False
            self._group_recreated = True
            return 0
        self._group_recreated = False
        return count

    def run(self, stop: threading.Event) -> None:
        """Rounds until `stop` is set; the round under way when it is set is finished first."""
        log.info("%s/%s: consuming %s", self.group, self.consumer, ", ".join(self.streams), extra=self._fields)
        failures = 0
        while not stop.is_set():
            try:
                handled = self.step()
            except Exception as exc:  # outages and the unforeseen alike: pause, retry, never exit
                failures += 1
                self._pause(stop, failures, exc)
                continue
            failures = 0
            if not handled:
                # Idle: give back a database connection the server may have dropped meanwhile.
                close_old_connections()
        log.info("%s/%s: stopped after %d entries", self.group, self.consumer, self.handled, extra=self._fields)

    def backoff_delay(self, failures: int) -> float:
        """Seconds to wait after `failures` errors in a row: doubling, capped, with jitter.

        Equal jitter (half fixed, half random) spreads consumers that lost Redis together
        without ever retrying at once.
        """
        ceiling = min(self.backoff_max_s, BACKOFF_FIRST_S * 2 ** (failures - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _pause(self, stop: threading.Event, failures: int, exc: BaseException) -> None:
        delay = self.backoff_delay(failures)
        if isinstance(exc, OUTAGE_ERRORS):
            log.warning(
                "%s/%s: paused %.2f s after %s: %s",
                *(self.group, self.consumer, delay, type(exc).__name__, exc),
                extra=self._fields,
            )
        else:
            log.exception("%s/%s: batch failed; paused %.2f s", self.group, self.consumer, delay, extra=self._fields)
        # Start again from the group and this consumer's own pending entries.
        self.ready = False
        close_old_connections()
        guard = breaker(ROLE_WORKER)
        if not guard.is_open:
            stop.wait(delay)
            return
        # Redis stopped answering: its breaker's probe notices first when it answers again, and
        # the loop resumes then rather than sleeping out a backoff that grew during the outage.
        ends = time.monotonic() + delay
        while not stop.is_set() and not guard.wait_closed(min(0.05, max(0.0, ends - time.monotonic()))):
            if time.monotonic() >= ends:
                return

    def _round(self) -> int:
        if not self.ready:
            self.prepare()
        now = time.monotonic()
        if self.heartbeat is not None and now >= self._heartbeat_at:
            self._heartbeat_at = now + self.heartbeat_interval
            self.heartbeat()
        if self._own_pending:
            batch = self._read(pending=True)
            if batch:
                return self._handle(batch)
            self._own_pending = False
        if now >= self._claim_at:
            # Checked twice per idle threshold: a dead consumer's entries wait at most 1.5x it.
            self._claim_at = now + self.claim_idle_ms / 2000
            batch = self._claim()
            if batch:
                if len(batch) >= self.batch:
                    self._claim_at = now  # more may be waiting: claim again next round
                return self._handle(batch)
        return self._handle(self._read(pending=False))

    def prepare(self) -> None:
        """Ensure the group on every stream, then go back to this consumer's own pending entries."""
        for stream in self.streams:
            self.store.group_ensure(stream, self.group, start_id=self.start_id(stream))
        self._own_pending = True
        self.ready = True

    def _read(self, *, pending: bool) -> Batch:
        return self.store.group_read_many(
            self.streams,
            self.group,
            self.consumer,
            count=self.batch,
            block_ms=None if pending else self.block_ms,
            pending=pending,
        )

    def _claim(self) -> Batch:
        batch: Batch = []
        for stream in self.streams:
            claimed = self.store.group_autoclaim(
                stream, self.group, self.consumer, min_idle_ms=self.claim_idle_ms, count=self.batch - len(batch)
            )
            if claimed:
                log.warning(
                    "%s/%s: took over %d entries of %s",
                    *(self.group, self.consumer, len(claimed), stream),
                    extra={**self._fields, "stream": stream, "stream_id": claimed[0].id},
                )
            batch += [(stream, entry) for entry in claimed]
            if len(batch) >= self.batch:
                break
        return batch

    def _handle(self, batch: Batch) -> int:
        if not batch:
            return 0
        self.handler(batch)
        # Only now: a crash before this line leaves the batch pending for a second, harmless delivery.
        ids: dict[str, list[str]] = defaultdict(list)
        for stream, entry in batch:
            ids[stream].append(entry.id)
        for stream, stream_ids in ids.items():
            self.store.group_ack(stream, self.group, stream_ids)
        self.handled += len(batch)
        return len(batch)
