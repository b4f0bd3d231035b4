"""The stream -> channel-layer relay: every new stream entry reaches every web process once.

Shape of healthchecks' `sendalerts`: a loop of small batches, a stop flag checked between
batches (SIGTERM finishes the current one), bounded work per batch, idempotent claims so two
relays never both deliver an entry, and back-off instead of a crash loop when Redis is away.

Per batch: XREADGROUP on group RELAY_GROUP over both streams (this relay's own pending entries
first, left by a previous life of the same name, then `>`), one group_send per entry carrying
the full snapshot, its stream id and (market data) its predecessor's id, then XACK. An entry read
but never acknowledged (the relay died between XREADGROUP and XACK) is taken over with XAUTOCLAIM
once idle past RELAY_CLAIM_IDLE_MS.
A relay killed after a send but before the XACK makes the claimer send it again: harmless, since
frames are idempotent snapshots and sockets drop ids they already sent.

The blocking read runs in a thread (sync redis-py through cache_system) with `block` well below
the socket timeout (redis-py#3138). It must not transform entries or hold state between batches
beyond its cursor flags: it only moves entries.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import socket
import time
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings

from islands.cache_system.redis_client import REDIS_DOWN_ERRORS
from islands.cache_system.services import heartbeat_record
from islands.cache_system.stores import stream_store
from islands.cache_system.streams import StoreUnavailable, StreamEntry, parse_id
from islands.websocket_service.services import entry_broadcast

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 10.0


def relay_name_default() -> str:
    """host-pid: a restarted relay gets a new name, so its predecessor's pending is claimed."""
    return f"{socket.gethostname()}-{os.getpid()}"


class Relay:
    def __init__(
        self,
        *,
        layer: Any,
        name: str,
        streams: list[str] | None = None,
        batch: int | None = None,
        block_ms: int | None = None,
        claim_idle_ms: int | None = None,
        heartbeat_interval: float | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.layer = layer
        self.name = name
        self.group = settings.RELAY_GROUP
        self.streams = streams or [settings.STREAM_MARKET_DATA, settings.STREAM_BTC_PRICE]
        self.batch = batch or settings.RELAY_BATCH
        self.block_ms = block_ms if block_ms is not None else settings.STREAM_BLOCK_MS
        if self.block_ms / 1000 >= settings.REDIS_SOCKET_TIMEOUT:
            raise ValueError("STREAM_BLOCK_MS must be below REDIS_SOCKET_TIMEOUT (redis-py#3138)")
        self.claim_idle_ms = claim_idle_ms or settings.RELAY_CLAIM_IDLE_MS
        self.heartbeat_interval = heartbeat_interval or settings.RELAY_HEARTBEAT_INTERVAL
        self.clock = clock or time.monotonic
        self.delivered = 0
        self._ready = False
        self._own_pending = True
        self._claim_at = 0.0
        self._heartbeat_at = 0.0

    async def run(self, *, stop: asyncio.Event) -> None:
        """Batches until stop is set; Redis outages and errors back off and retry, never exit."""
        backoff = 0.5
        log.info("relay %s: streams %s, group %s", self.name, ", ".join(self.streams), self.group)
        while not stop.is_set():
            try:
                await self.run_once()
                backoff = 0.5
            except (StoreUnavailable, *REDIS_DOWN_ERRORS) as exc:
                log.warning("relay %s: Redis unavailable (%s); retrying in %.1f s", self.name, exc, backoff)
                await self._pause(stop, backoff)
                backoff = min(MAX_BACKOFF_SECONDS, backoff * 2)
            except Exception:
                log.exception("relay %s: batch failed; retrying in %.1f s", self.name, backoff)
                await self._pause(stop, backoff)
                backoff = min(MAX_BACKOFF_SECONDS, backoff * 2)
        log.info("relay %s: stopped after %d entries", self.name, self.delivered)

    async def run_once(self) -> int:
        """One batch: claim or read, send, acknowledge. Returns the number of entries sent."""
        try:
            return await self._batch()
        except redis.exceptions.ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            # Redis restarted without its data: the groups are gone, create them again.
            log.warning("relay %s: consumer group missing, creating it", self.name)
            self._ready = False
            return 0
        except (StoreUnavailable, *REDIS_DOWN_ERRORS):
            # After an outage, first re-read what this relay had taken before it.
            self._ready = False
            self._own_pending = True
            raise

    async def _batch(self) -> int:
        store = stream_store()
        if not self._ready:
            for stream in self.streams:
                await asyncio.to_thread(store.group_ensure, stream, self.group)
            self._ready = True
        await self._heartbeat()
        if self.clock() >= self._claim_at:
            # Checked often enough that a dead relay's entries wait at most ~1.3x the threshold.
            self._claim_at = self.clock() + max(1.0, self.claim_idle_ms / 3000)
            pairs = await self._claim(store)
            if pairs:
                return await self._deliver(store, pairs)
        if self._own_pending:
            pairs = await asyncio.to_thread(self._read, store, pending=True)
            if pairs:
                return await self._deliver(store, pairs)
            self._own_pending = False
        pairs = await asyncio.to_thread(self._read, store, pending=False)
        return await self._deliver(store, pairs)

    def _read(self, store: Any, *, pending: bool) -> list[tuple[str, StreamEntry]]:
        return store.group_read_many(
            self.streams, self.group, self.name, count=self.batch, block_ms=self.block_ms, pending=pending
        )

    async def _claim(self, store: Any) -> list[tuple[str, StreamEntry]]:
        pairs: list[tuple[str, StreamEntry]] = []
        for stream in self.streams:
            claimed = await asyncio.to_thread(
                store.group_autoclaim, stream, self.group, self.name, min_idle_ms=self.claim_idle_ms, count=self.batch
            )
            if claimed:
                log.warning("relay %s: took over %d entries of %s from a dead relay", self.name, len(claimed), stream)
            pairs += [(stream, entry) for entry in claimed]
        return pairs

    async def _deliver(self, store: Any, pairs: list[tuple[str, StreamEntry]]) -> int:
        done: dict[str, list[str]] = {}
        previous = await asyncio.to_thread(self._predecessors, store, pairs) if pairs else {}
        try:
            for stream, entry in pairs:
                prev_id = previous.get(entry.id) if stream == settings.STREAM_MARKET_DATA else None
                await entry_broadcast(layer=self.layer, stream=stream, entry=entry, prev_id=prev_id)
                done.setdefault(stream, []).append(entry.id)
        finally:
            # Acknowledge what was sent, even if a later send failed: those stay pending for a retry.
            for stream, ids in done.items():
                await asyncio.to_thread(store.group_ack, stream, self.group, ids)
        self.delivered += len(pairs)
        return len(pairs)

    @staticmethod
    def _predecessors(store: Any, pairs: list[tuple[str, StreamEntry]]) -> dict[str, str]:
        """Market-data id -> the id just before it in the stream, with one XREVRANGE per batch.

        A `>` read hands out consecutive entries, so the newest id of the batch and COUNT n+1
        cover them all plus the one before the first. Entries of a claimed or pending batch
        outside that run get no predecessor; the hub then checks the stream itself.
        """
        ids = [entry.id for stream, entry in pairs if stream == settings.STREAM_MARKET_DATA]
        if not ids:
            return {}
        newest = max(ids, key=parse_id)
        run = store.revrange(settings.STREAM_MARKET_DATA, end=newest, count=len(ids) + 1)
        return {later.id: earlier.id for later, earlier in itertools.pairwise(run)}

    async def _heartbeat(self) -> None:
        if self.clock() >= self._heartbeat_at:
            self._heartbeat_at = self.clock() + self.heartbeat_interval
            await asyncio.to_thread(heartbeat_record, name="relay")

    @staticmethod
    async def _pause(stop: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)
