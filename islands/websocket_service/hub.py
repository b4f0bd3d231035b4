"""Per-process fan-out: one channel-layer member per web process, writing to its own sockets.

Why not one layer group member per socket (the Channels default)? bench/ws_fanout.py measured it
on this machine: every delivered frame then costs a Redis pop, a msgpack decode and a consumer
dispatch (75-280 us of CPU per frame, 1,000 sockets served in 100-300 ms), against a few us for a
loop over local sockets. So the relay's group_send reaches each process's Hub once; the Hub wraps
the already-serialised frame in one ASGI message shared by every socket and hands it to each
socket's bounded queue.

A slow client must not slow the others: the Hub never awaits a socket. Each socket has a writer
task and a queue of at most WS_SEND_QUEUE frames; when it overflows, the queue is replaced by one
"resync" marker and the writer sends a fresh snapshot when the client catches up (frames are full
snapshots, so nothing is lost but intermediate states).

Channels' ProtocolTypeRouter has no lifespan events, so the Hub starts lazily with the first socket
of its event loop and stops (with group_discard) when the last one leaves. It must not read
streams or build frames for the relay's entries; it only moves what the relay sent.
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

from islands.websocket_service import frames
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


class LiveSocket:
    """One client's outbound side: a bounded queue and the single task that writes to the socket."""

    def __init__(self, send: ASGISend, *, queue_size: int) -> None:
        self._send = send
        self._queue_size = queue_size
        self._queue: collections.deque[Outgoing] = collections.deque()
        self._wakeup = asyncio.Event()
        # While a snapshot or replay is being read, live frames wait here so they go out after it.
        self._held: list[Outgoing] | None = None
        self._sent_key: tuple[int, int] = (0, 0)
        self.resyncs = 0
        self.closing = False
        self._writer = asyncio.get_running_loop().create_task(self._write_loop())

    def push(self, frame: Outgoing) -> None:
        """Queue a frame; never waits. An overflowing queue becomes a single resync marker."""
        if self.closing:
            return
        if len(self._queue) >= self._queue_size:
            self._queue.clear()
            frame = RESYNC
            self.resyncs += 1
        self._queue.append(frame)
        self._wakeup.set()

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
        self._queue.append(Outgoing({"type": "websocket.close", "code": code}))
        self.closing = True
        self._wakeup.set()

    def stop(self) -> None:
        self._writer.cancel()

    async def _write_loop(self) -> None:
        try:
            while True:
                while not self._queue:
                    self._wakeup.clear()
                    await self._wakeup.wait()
                frame = self._queue.popleft()
                if frame is RESYNC:
                    frame = await self._resync_frame()
                if frame.key is not None:
                    # A live frame older than the snapshot or replay already sent is a step back.
                    if frame.key <= self._sent_key and not frame.replay:
                        continue
                    self._sent_key = max(self._sent_key, frame.key)
                await self._send(frame.message)
                if frame.message["type"] == "websocket.close":
                    return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the socket went away under us; disconnect() cleans up
            log.debug("socket writer stopped: %r", exc)

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

    @property
    def channel(self) -> str | None:
        return self._channel

    async def join(self, socket: LiveSocket) -> None:
        async with self._lock:
            self.sockets.add(socket)
            if self._task is None:
                _gc_freeze_once()
                layer = get_channel_layer()
                self._channel = await layer.new_channel()
                # Joined before the first socket's snapshot is read, so no entry falls in between.
                joined = await self._group_add(layer, self._channel)
                self._task = asyncio.get_running_loop().create_task(self._run(layer, self._channel, joined))

    async def leave(self, socket: LiveSocket) -> None:
        socket.stop()
        async with self._lock:
            self.sockets.discard(socket)
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
                self.deliver(message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis down or restarted: retry, and re-join (it may be empty)
                log.warning("hub lost the channel layer (%r); retrying", exc)
                joined_at = None
                await asyncio.sleep(LAYER_RETRY_SECONDS)


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
