"""One client's outbound side: a bounded queue of frames, written in order by one send at a time.

A slow client must not slow the others: the hub hands a frame to every socket and never awaits
one. A frame for an idle socket is sent eagerly, in the hub's own turn (eager.py): the server's
send usually completes without waiting, and then no task is woken at all. Only a send that has
to wait (the socket's buffer is full, or the server always hands off) is finished in a task,
which then drains the frames queued meanwhile, at most WS_SEND_QUEUE of them. On overflow the
queue is replaced by one "resync" marker: the client gets a fresh snapshot when it catches up
(frames are full snapshots, so nothing is lost but intermediate states). Tick frames (ticks.py)
never queue: a socket busy sending keeps one, the newest, in a slot sent after the queue.

A socket never steps back: a live market-data frame at or below the newest one it already sent
(its snapshot, a replay, or a relay's late re-delivery) is dropped. It must not read the channel
layer or decide what is sent to all sockets (hub.py); the only read is the resync snapshot, in a
thread.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from islands.cache_system.streams import parse_id
from islands.websocket_service import frames
from islands.websocket_service.eager import DONE, as_coroutine, eager_finish, eager_start
from islands.websocket_service.selectors import snapshot_latest

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One frame on its way to sockets: the ASGI message (shared by all) and its market-data key.

    key is the (ms, seq) of a crypto:market_data entry, else None (BTC ticks, pong, errors).
    replay frames were asked for explicitly (resume) and are sent even if older than what the
    socket already had.
    """

    message: dict[str, Any]
    key: tuple[int, int] | None = None
    replay: bool = False

    @classmethod
    def text(cls, text: str, *, stream_id: str | None = None, replay: bool = False) -> Outgoing:
        key = parse_id(stream_id) if stream_id is not None else None
        return cls({"type": "websocket.send", "text": text}, key, replay)


# Placed in a socket's queue instead of the frames it could not keep up with.
RESYNC = Outgoing({"type": "websocket.send", "text": ""})
ASGISend = Callable[[dict[str, Any]], Awaitable[None]]


class LiveSocket:
    """The frames on their way to one client, in order, never more than queue_size of them."""

    # One per open socket (10,000 per process): no per-instance __dict__.
    __slots__ = (
        *("_gone", "_held", "_queue", "_queue_size", "_send", "_sent_key", "_tick", "_writer", "closing", "resyncs"),
    )

    def __init__(self, send: ASGISend, *, queue_size: int) -> None:
        self._send = send
        self._queue_size = queue_size
        # Made on first use (~600 B): frames to an idle socket go out eagerly, so most never queue.
        self._queue: collections.deque[Outgoing] | None = None
        # While a snapshot or replay is being read, live frames wait here so they go out after it.
        self._held: list[Outgoing] | None = None
        self._sent_key: tuple[int, int] = (0, 0)
        self._writer: asyncio.Task | None = None
        # The newest tick frame waiting for a busy socket (replaced, never queued).
        self._tick: Outgoing | None = None
        self._gone = False
        self.resyncs = 0
        self.closing = False

    def push(self, frame: Outgoing) -> None:
        """Send or queue a frame; never waits. An overflowing queue becomes a single resync marker."""
        if self.closing or self._gone:
            return
        if self._writer is None and not self._queue and frame is not RESYNC:
            self._send_eagerly(frame)
            return
        queue = self._queue_made()
        if len(queue) >= self._queue_size:
            queue.clear()
            frame = RESYNC
            self.resyncs += 1
        queue.append(frame)
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._drain(None))

    def offer(self, frame: Outgoing) -> None:
        """A live frame from the hub: held while a snapshot/replay is being prepared."""
        if self._held is None:
            self.push(frame)
        elif len(self._held) < self._queue_size:
            self._held.append(frame)
        else:
            self._held = [RESYNC]

    def offer_tick(self, frame: Outgoing) -> None:
        """A tick snapshot: sent now if the socket is idle, else kept (replacing an older one)
        and sent once the frames queued before it are out. Not held back by a snapshot being
        read: ticks carry their own exchange time, which the client compares."""
        if self.closing or self._gone:
            return
        if self._writer is None and not self._queue:
            self._send_eagerly(frame)
            return
        self._tick = frame  # a writer is running (every queued frame has one): it sends this last

    def hold(self) -> None:
        if self._held is None:
            self._held = []

    def release(self) -> None:
        held, self._held = self._held or [], None
        for frame in held:
            self.push(frame)

    def close(self, code: int) -> None:
        """Send what is queued, then close the socket with code; later frames are dropped."""
        if self.closing or self._gone:
            return
        frame = Outgoing({"type": "websocket.close", "code": code})
        self.closing = True
        if self._writer is None and not self._queue:
            self._send_eagerly(frame)
            return
        self._queue_made().append(frame)  # past the bound: the close must not be dropped as a resync
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._drain(None))

    def _queue_made(self) -> collections.deque[Outgoing]:
        if self._queue is None:
            self._queue = collections.deque()
        return self._queue

    def stop(self) -> None:
        self._gone = True
        if self._writer is not None:
            self._writer.cancel()

    def _admit(self, frame: Outgoing) -> bool:
        if frame.key is not None:
            # A live frame older than the snapshot or replay already sent is a step back.
            if frame.key <= self._sent_key and not frame.replay:
                return False
            self._sent_key = max(self._sent_key, frame.key)
        if frame.message["type"] == "websocket.close":
            self._gone = True
        return True

    def _send_eagerly(self, frame: Outgoing) -> None:
        if not self._admit(frame):
            return
        coro = as_coroutine(self._send(frame.message))
        try:
            yielded = eager_start(coro)
        except Exception as exc:  # the socket went away under us; disconnect() cleans up
            self._lost(exc)
            return
        if yielded is not DONE:
            self._writer = asyncio.get_running_loop().create_task(self._drain((coro, yielded)))

    async def _drain(self, suspended: tuple[Any, Any] | None) -> None:
        try:
            if suspended is not None:
                await eager_finish(*suspended)
            while (self._queue or self._tick is not None) and not self._gone:
                if not self._queue:
                    frame, self._tick = self._tick, None
                    await self._send(frame.message)
                    continue
                frame = self._queue.popleft()
                if frame is RESYNC:
                    frame = await self._resync_frame()
                if self._admit(frame):
                    await self._send(frame.message)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._lost(exc)
        finally:
            self._writer = None

    def _lost(self, exc: BaseException) -> None:
        log.debug("socket send failed: %r", exc)
        self._gone = True
        self._queue = None

    async def _resync_frame(self) -> Outgoing:
        snapshot = await asyncio.to_thread(snapshot_latest)
        if snapshot is None:
            return Outgoing.text(frames.frame_no_data())
        text = frames.frame_dashboard_data(data=snapshot.data, stream_id=snapshot.stream_id, resync=True)
        # Sent even if not newer: after falling behind, the client needs a whole state again.
        return Outgoing.text(text, stream_id=snapshot.stream_id, replay=True)
