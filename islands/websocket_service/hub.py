"""Per-process fan-out: one channel-layer member per web process, writing to its own sockets.

Why not one layer group member per socket (the Channels default)? bench/ws_fanout.py measured it
on this machine: every delivered frame then costs a Redis pop, a msgpack decode and a consumer
dispatch (210-350 us of web CPU per frame, 1,000 sockets served in 300+ ms), against 17-93 us for
a loop over local sockets (uvicorn / granian). So the relay's group_send reaches each process's Hub
once; the Hub wraps the already-serialised frame in one ASGI message shared by every socket and
hands it to each socket.

A slow client must not slow the others: the Hub never awaits a socket. A frame for an idle socket
is sent eagerly (no task woken when the server's send completes at once); a send that has to wait
continues in a task, and frames arriving meanwhile queue behind it, at most WS_SEND_QUEUE of them.
On overflow the queue is replaced by one "resync" marker: the client gets a fresh snapshot when it
catches up (frames are full snapshots, so nothing is lost but intermediate states).

Order across relays. Several relays share the consumer group, so consecutive entries may be sent
by different relays, and their group_sends can reach this process in either order. The Hub keeps
one cursor per process: the id of the last market-data entry it forwarded. A message names its
entry's predecessor in the stream (prev_id, attached by the relay). If prev_id is the cursor, the
entry is the direct successor: it is forwarded at once, with no Redis read (the common case, and
the only one with a single relay). If its id is at or below the cursor, it is a late arrival that
a gap fill already forwarded: dropped. Otherwise entries are missing in between,
or the predecessor is unknown: the Hub reads (cursor, id] from the stream itself, off the event
loop, and forwards every entry in it in id order before the next message is looked at. So the
sequence forwarded is always "every stream entry after the cursor, in stream order", whichever
relay sent what and in whatever order it arrived: gap-free and ordered with any number of relays.
A gap wider than WS_RESUME_MAX (or a stream that lost the cursor entry) is not read entry by
entry: every socket gets the resync path instead (one fresh snapshot).

Channels' ProtocolTypeRouter has no lifespan events, so the Hub starts lazily with the first socket
of its event loop and stops (with group_discard) when the last one leaves. It builds frames only
for entries it had to read to fill a gap; otherwise it only moves what the relay sent.
"""

from __future__ import annotations

import asyncio
import collections
import gc
import logging
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings

from islands.cache_system.stores import stream_store
from islands.websocket_service import frames
from islands.websocket_service.metrics import WS_CONNECTIONS
from islands.websocket_service.selectors import snapshot_latest

log = logging.getLogger(__name__)

# How long to wait before retrying the channel layer after an error (Redis down).
LAYER_RETRY_SECONDS = 1.0


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
        key = frames.stream_id_key(stream_id) if stream_id is not None else None
        return cls({"type": "websocket.send", "text": text}, key, replay)


# Placed in a socket's queue instead of the frames it could not keep up with.
RESYNC = Outgoing({"type": "websocket.send", "text": ""})
ASGISend = Callable[[dict[str, Any]], Awaitable[None]]


class _HandOff:
    """Hands what a suspended coroutine yielded to the running task, exactly as it was yielded."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __await__(self) -> Any:
        yield self.value


async def _finish(coro: Any, yielded: Any) -> None:
    """Drive a send coroutine that suspended while run eagerly, the way its own task would.

    What it yielded (an asyncio future, a server's future-like object, or None for "one loop
    turn") goes to the task unchanged, so the task's usual protocol applies to it.
    """
    while True:
        try:
            await _HandOff(yielded)
        except BaseException as exc:  # cancellation included: the send sees it where it waits
            try:
                yielded = coro.throw(exc)
            except StopIteration:
                return
            continue
        try:
            yielded = coro.send(None)
        except StopIteration:
            return


class LiveSocket:
    """One client's outbound side: a bounded queue, written in order by at most one send at a time.

    A frame for an idle socket is sent eagerly, in the hub's own turn: the server's send usually
    completes without waiting (it writes to the transport), and then no task is woken at all.
    Only a send that has to wait (the socket's buffer is full, or the server always hands off) is
    finished in a task, which then drains the frames queued meanwhile; that is how a socket that
    stops reading never holds up the hub. (Python 3.12's eager tasks do the same; this is 3.11.)
    """

    def __init__(self, send: ASGISend, *, queue_size: int) -> None:
        self._send = send
        self._queue_size = queue_size
        self._queue: collections.deque[Outgoing] = collections.deque()
        # While a snapshot or replay is being read, live frames wait here so they go out after it.
        self._held: list[Outgoing] | None = None
        self._sent_key: tuple[int, int] = (0, 0)
        self._writer: asyncio.Task | None = None
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
        if len(self._queue) >= self._queue_size:
            self._queue.clear()
            frame = RESYNC
            self.resyncs += 1
        self._queue.append(frame)
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
        self._queue.append(frame)  # past the bound: the close must not be dropped as a resync
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._drain(None))

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
        coro = self._send(frame.message)
        try:
            yielded = coro.send(None)
        except StopIteration:
            return
        except Exception as exc:  # the socket went away under us; disconnect() cleans up
            self._lost(exc)
            return
        self._writer = asyncio.get_running_loop().create_task(self._drain((coro, yielded)))

    async def _drain(self, suspended: tuple[Any, Any] | None) -> None:
        try:
            if suspended is not None:
                await _finish(*suspended)
            while self._queue and not self._gone:
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
        self._queue.clear()

    async def _resync_frame(self) -> Outgoing:
        snapshot = await asyncio.to_thread(snapshot_latest)
        if snapshot is None:
            return Outgoing.text(frames.frame_no_data())
        text = frames.frame_dashboard_data(data=snapshot.data, stream_id=snapshot.stream_id, resync=True)
        # Sent even if not newer: after falling behind, the client needs a whole state again.
        return Outgoing.text(text, stream_id=snapshot.stream_id, replay=True)


class Hub:
    """The web process's single member of the WS_GROUP layer group, for one event loop."""

    def __init__(self) -> None:
        self.sockets: set[LiveSocket] = set()
        self.frames_received = 0
        self._lock = asyncio.Lock()
        self._task: asyncio.Task | None = None
        self._channel: str | None = None
        # The last market-data entry forwarded (id and key); None until the first is known.
        self._cursor: str | None = None
        self._cursor_key: tuple[int, int] = (0, 0)
        self.gaps_filled = 0

    @property
    def channel(self) -> str | None:
        return self._channel

    async def join(self, socket: LiveSocket) -> None:
        async with self._lock:
            if socket not in self.sockets:
                self.sockets.add(socket)
                WS_CONNECTIONS.inc()
            if self._task is None:
                _gc_freeze_once()
                layer = get_channel_layer()
                self._channel = await layer.new_channel()
                # Joined before the first socket's snapshot is read, so no entry falls in between.
                joined = await self._group_add(layer, self._channel)
                # The cursor starts at the newest entry: every socket's snapshot is at least as
                # new, so anything at or below it is already in what the sockets were sent.
                self._cursor = None
                self._cursor_set(await asyncio.to_thread(_market_latest_id))
                self._task = asyncio.get_running_loop().create_task(self._run(layer, self._channel, joined))

    async def leave(self, socket: LiveSocket) -> None:
        socket.stop()
        async with self._lock:
            if socket in self.sockets:
                self.sockets.discard(socket)
                WS_CONNECTIONS.dec()
            if self.sockets or self._task is None:
                return
            task, channel = self._task, self._channel
            self._task = self._channel = None
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            try:
                await get_channel_layer().group_discard(settings.WS_GROUP, channel)
            except Exception as exc:  # Redis down: the membership ages out after group_expiry
                log.warning("hub could not leave group %s: %r", settings.WS_GROUP, exc)

    def deliver(self, message: dict[str, Any]) -> None:
        """Hand one relay message to every local socket (serialised once, by the relay)."""
        self.frames_received += 1
        # Only market-data ids order snapshots; BTC ticks come from another stream and just pass.
        market = message["stream"] == settings.STREAM_MARKET_DATA
        frame = Outgoing.text(message["frame"], stream_id=message["stream_id"] if market else None)
        for socket in list(self.sockets):
            socket.offer(frame)

    async def arrive(self, message: dict[str, Any]) -> None:
        """Forward one relay message so market-data entries go out gap-free and in stream order."""
        if message["stream"] != settings.STREAM_MARKET_DATA or self._cursor is None:
            self.deliver(message)
            if self._cursor is None and message["stream"] == settings.STREAM_MARKET_DATA:
                self._cursor_set(message["stream_id"])
            return
        if message.get("prev_id") == self._cursor:
            self.deliver(message)
            self._cursor_set(message["stream_id"])
            return
        key = frames.stream_id_key(message["stream_id"])
        if key <= self._cursor_key:
            return  # a late arrival: already forwarded when the gap before a newer one was filled
        await self._fill(message, key)

    async def _fill(self, message: dict[str, Any], key: tuple[int, int]) -> None:
        """Forward every entry in (cursor, message's id], read from the stream, oldest first."""
        stream = settings.STREAM_MARKET_DATA
        bound = settings.WS_RESUME_MAX
        # Errors propagate to _run, which retries; the cursor has not moved, so the next arrival
        # fills this gap too.
        entries = await asyncio.to_thread(stream_store().after, stream, self._cursor, bound + 1)
        wanted = [entry for entry in entries if frames.stream_id_key(entry.id) <= key]
        if not wanted or len(wanted) > bound or wanted[-1].id != message["stream_id"]:
            # Too many missed, or the stream no longer has them: one fresh snapshot per socket.
            for socket in list(self.sockets):
                socket.offer(RESYNC)
        else:
            self.gaps_filled += 1
            for entry in wanted[:-1]:
                text = frames.frame_entry(stream=stream, entry=entry)
                self.deliver({"stream": stream, "stream_id": entry.id, "frame": text})
            self.deliver(message)
        self._cursor_set(message["stream_id"])

    def _cursor_set(self, stream_id: str | None) -> None:
        if stream_id is not None:
            self._cursor, self._cursor_key = stream_id, frames.stream_id_key(stream_id)

    @staticmethod
    async def _group_add(layer: Any, channel: str) -> bool:
        try:
            await layer.group_add(settings.WS_GROUP, channel)
        except Exception as exc:  # Redis down: _run keeps trying
            log.warning("hub could not join group %s: %r", settings.WS_GROUP, exc)
            return False
        return True

    async def _run(self, layer: Any, channel: str, joined: bool) -> None:
        # Re-join well within group_expiry: channels_redis drops members older than that, which
        # is how a crashed process's channel leaves the group, not ours.
        refresh = max(1.0, layer.group_expiry / 3)
        loop = asyncio.get_running_loop()
        joined_at: float | None = loop.time() if joined else None
        while True:
            try:
                if joined_at is None or loop.time() - joined_at > refresh:
                    await layer.group_add(settings.WS_GROUP, channel)
                    joined_at = loop.time()
                try:
                    message = await asyncio.wait_for(layer.receive(channel), timeout=refresh)
                except TimeoutError:
                    continue
                await self.arrive(message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis down or restarted: retry, and re-join (it may be empty)
                log.warning("hub lost the channel layer (%r); retrying", exc)
                joined_at = None
                await asyncio.sleep(LAYER_RETRY_SECONDS)


def _market_latest_id() -> str | None:
    entry = stream_store().latest(settings.STREAM_MARKET_DATA)
    return entry.id if entry is not None else None


_frozen = False


def _gc_freeze_once() -> None:
    """Move everything allocated by start-up out of the collector's reach, once per process.

    Full collections walking Django's and the app's long-lived objects paused fan-out for tens
    of ms (PITFALLS: ~50 ms spikes, 15 ms worst case after gc.freeze()). The first socket comes
    after imports and settings, so what is frozen here is what lives as long as the process.
    """
    global _frozen  # noqa: PLW0603 - a process-wide, one-time switch
    if not _frozen:
        _frozen = True
        gc.freeze()


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub_current() -> Hub:
    """The hub of the running event loop (one per web process in production)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub()
    return hub
