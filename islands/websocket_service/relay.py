"""The stream -> channel-layer relay: every new stream entry reaches every web process once.

The websocket_broadcast group's consumer, on the shared consumer-group loop
(islands/cache_system/consumer_loop.py: own pending first, XAUTOCLAIM of a dead relay's entries,
XACK after the send, backoff, stop between batches). What is the relay's own: per batch, one
group_send per entry carrying the full snapshot, its stream id and (market data) its
predecessor's id, which lets each web process's hub keep several relays' frames in stream order
without reading Redis (ordering.py). A relay killed after a send but before the XACK makes the
claimer send the entry again: harmless, since frames are idempotent snapshots and a hub drops
ids it already forwarded. When the group has to be created again (Redis restarted empty, a
failover lost it), it starts after the last entry this relay sent rather than at the stream's
end, so entries written to the new stream before the relay got back are still sent.

The loop is synchronous (the backup and alerts handlers write the database); it runs in a worker
thread, and each batch's sends are handed to this process's event loop, where the channel layer
lives, and waited for before the loop acknowledges the batch. It must not transform entries or
hold state between batches beyond that cursor: it only moves them.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import os
import socket
import threading
from typing import Any

from django.conf import settings

from islands.cache_system.consumer_loop import Batch, ConsumerLoop
from islands.cache_system.services import heartbeat_record
from islands.cache_system.streams import parse_id
from islands.websocket_service.services import entry_broadcast


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
    ) -> None:
        self.layer = layer
        self.consumer = ConsumerLoop(
            group=settings.RELAY_GROUP,
            consumer=name,
            streams=streams or [settings.STREAM_MARKET_DATA, settings.STREAM_BTC_PRICE, settings.STREAM_MARKETS],
            handler=self._send,
            start_id=self._start_id,
            heartbeat=functools.partial(heartbeat_record, name="relay"),
            batch=batch,
            block_ms=block_ms,
            claim_idle_ms=claim_idle_ms,
        )
        self._event_loop: asyncio.AbstractEventLoop | None = None
        # Per stream, the newest id this relay has sent: where a re-created group starts.
        self._sent_up_to: dict[str, str] = {}

    @property
    def delivered(self) -> int:
        return self.consumer.handled

    async def run(self, *, stop: threading.Event) -> None:
        """Batches until stop is set; Redis outages and errors back off and retry, never exit."""
        self._event_loop = asyncio.get_running_loop()
        await asyncio.to_thread(self.consumer.run, stop)

    async def run_once(self) -> int:
        """One round of the loop: claim or read, send, acknowledge. Returns the entries sent."""
        self._event_loop = asyncio.get_running_loop()
        return await asyncio.to_thread(self.consumer.step)

    def _send(self, batch: Batch) -> None:
        """The loop's handler, in its thread: the sends run on the event loop; waits for them."""
        previous = self._predecessors(batch)
        asyncio.run_coroutine_threadsafe(self._broadcast(batch, previous), self._event_loop).result()
        for stream, entry in batch:
            sent = self._sent_up_to.get(stream)
            if sent is None or parse_id(entry.id) > parse_id(sent):
                self._sent_up_to[stream] = entry.id

    def _start_id(self, stream: str) -> str:
        """A new group starts at the stream's end; a re-created one after what this relay sent."""
        return self._sent_up_to.get(stream, "$")

    async def _broadcast(self, batch: Batch, previous: dict[str, str]) -> None:
        for stream, entry in batch:
            prev_id = previous.get(entry.id) if stream == settings.STREAM_MARKET_DATA else None
            await entry_broadcast(layer=self.layer, stream=stream, entry=entry, prev_id=prev_id)

    def _predecessors(self, batch: Batch) -> dict[str, str]:
        """Market-data id -> the id just before it in the stream, with one XREVRANGE per batch.

        A `>` read hands out consecutive entries, so the newest id of the batch and COUNT n+1
        cover them all plus the one before the first. Entries of a claimed or pending batch
        outside that run get no predecessor; the hub then checks the stream itself.
        """
        ids = [entry.id for stream, entry in batch if stream == settings.STREAM_MARKET_DATA]
        if not ids:
            return {}
        newest = max(ids, key=parse_id)
        run = self.consumer.store.revrange(settings.STREAM_MARKET_DATA, end=newest, count=len(ids) + 1)
        return {later.id: earlier.id for later, earlier in itertools.pairwise(run)}
