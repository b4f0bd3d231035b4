"""Per-process fan-out: one channel-layer member per web process, writing to its own sockets.

Why not one layer group member per socket (the Channels default)? bench/ws_fanout.py measured it
on this machine: every delivered frame then costs a Redis pop, a msgpack decode and a consumer
dispatch (210-350 us of web CPU per frame, 1,000 sockets served in 300+ ms), against 17-93 us for
a loop over local sockets (uvicorn / granian). So the relay's group_send reaches each process's Hub
once; the Hub wraps the already-serialised frame in one ASGI message shared by every socket and
hands it to each socket's queue (live_socket.py), never waiting for one. Exchange ticks are the
exception: they go to the process's TickCoalescer (ticks.py), which builds one frame per flush. What order the relays'
messages are forwarded in is ordering.py's decision.

Channels' ProtocolTypeRouter has no lifespan events, so the Hub starts lazily with the first socket
of its event loop and stops (with group_discard) when the last one leaves. It must not build
frames (the relay did, once) nor read Redis on the event loop.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import weakref
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings

from islands.cache_system.errors import REDIS_TIMEOUT_ERRORS
from islands.cache_system.stores import stream_store
from islands.websocket_service.live_socket import RESYNC, LiveSocket, Outgoing
from islands.websocket_service.metrics import WS_CONNECTIONS
from islands.websocket_service.ordering import MarketOrder
from islands.websocket_service.services import USER_LOGOUT_TYPE, USER_MESSAGE_TYPE, user_group
from islands.websocket_service.ticks import TickCoalescer

log = logging.getLogger(__name__)

# How long to wait before retrying the channel layer after an error (Redis down).
LAYER_RETRY_SECONDS = 1.0


class Hub:
    """The web process's single member of the WS_GROUP layer group, for one event loop."""

    def __init__(self) -> None:
        self.sockets: set[LiveSocket] = set()
        # Signed-in sockets by user id: the hub's channel is in each of those users' groups.
        self.users: dict[int, set[LiveSocket]] = {}
        # The session each signed-in socket was opened with: a log-out names the session it ended.
        self.sessions: dict[LiveSocket, str | None] = {}
        self.order = MarketOrder()
        self.ticks = TickCoalescer(lambda: self.sockets)
        self._lock = asyncio.Lock()
        self._task: asyncio.Task | None = None
        self._channel: str | None = None

    @property
    def channel(self) -> str | None:
        return self._channel

    async def join(self, socket: LiveSocket, *, user_id: int | None = None, session_key: str | None = None) -> None:
        async with self._lock:
            if socket not in self.sockets:
                self.sockets.add(socket)
                WS_CONNECTIONS.inc()
                if self.ticks.frame is not None:
                    socket.offer_tick(self.ticks.frame)  # the newest ticks now, not at the next one
            if self._task is None:
                gc_freeze_once()
                layer = get_channel_layer()
                self._channel = await layer.new_channel()
                # Joined before the first socket's snapshot is read, so no entry falls in between.
                joined = await self._group_add(layer, self._channel)
                # The order starts at the newest entry: every socket's snapshot is at least as
                # new, so anything at or below it is already in what the sockets were sent.
                self.order.start(await asyncio.to_thread(_market_latest_id))
                self._task = asyncio.get_running_loop().create_task(self._run(layer, self._channel, joined))
            if user_id is not None:
                sockets = self.users.setdefault(user_id, set())
                if not sockets:
                    await self._user_group_add(user_id)
                sockets.add(socket)
                self.sessions[socket] = session_key

    async def leave(self, socket: LiveSocket, *, user_id: int | None = None) -> None:
        socket.stop()
        async with self._lock:
            if socket in self.sockets:
                self.sockets.discard(socket)
                WS_CONNECTIONS.dec()
            if user_id is not None:
                await self._user_forget(user_id, [socket])
            if self.sockets or self._task is None:
                return
            task, channel = self._task, self._channel
            self._task = self._channel = None
            self.ticks.cancel()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            try:
                await get_channel_layer().group_discard(settings.WS_GROUP, channel)
            except Exception as exc:  # Redis down: the membership ages out after group_expiry
                log.warning("hub could not leave group %s: %r", settings.WS_GROUP, exc)

    def deliver(self, message: dict[str, Any]) -> None:
        """Hand one relay message to every local socket (serialised once, by the relay)."""
        # Only market-data ids order snapshots; BTC ticks come from another stream and just pass.
        market = message["stream"] == settings.STREAM_MARKET_DATA
        frame = Outgoing.text(message["frame"], stream_id=message["stream_id"] if market else None)
        for socket in list(self.sockets):
            socket.offer(frame)

    def deliver_user(self, message: dict[str, Any]) -> None:
        """Hand one user's frame (an alert) to that user's sockets in this process, and no other."""
        frame = Outgoing.text(message["frame"])
        for socket in list(self.users.get(message["user_id"], ())):
            socket.offer(frame)

    async def logged_out(self, message: dict[str, Any]) -> None:
        """A session ended: its sockets here get no more of that user's frames (they keep the
        public ones, as anonymous sockets do). Other sessions of the user keep theirs."""
        user_id, session_key = message["user_id"], message.get("session_key")
        async with self._lock:
            sockets = [
                socket
                for socket in self.users.get(user_id, ())
                if session_key is None or self.sessions.get(socket) == session_key
            ]
            await self._user_forget(user_id, sockets)

    async def _user_forget(self, user_id: int, sockets: list[LiveSocket]) -> None:
        """Drop sockets from the user's set (under the lock); leave the user's group with the last."""
        for socket in sockets:
            self.sessions.pop(socket, None)
            if user_id in self.users:
                self.users[user_id].discard(socket)
        if user_id in self.users and not self.users[user_id]:
            del self.users[user_id]
            await self._user_group_discard(user_id)

    async def _user_group_add(self, user_id: int) -> None:
        try:
            await get_channel_layer().group_add(user_group(user_id), self._channel)
        except Exception as exc:  # Redis down: _run joins again with its next refresh
            log.warning("hub could not join group %s: %r", user_group(user_id), exc)

    async def _user_group_discard(self, user_id: int) -> None:
        if self._channel is None:
            return
        try:
            await get_channel_layer().group_discard(user_group(user_id), self._channel)
        except Exception as exc:  # Redis down: the membership ages out after group_expiry
            log.warning("hub could not leave group %s: %r", user_group(user_id), exc)

    async def arrive(self, message: dict[str, Any]) -> None:
        """Forward one relay message, and what ordering.py says must go out before it."""
        if message["stream"] == settings.STREAM_TICKS:
            self.ticks.add(message)
            return
        forward = await self.order.arrive(message)
        if forward.resync:
            for socket in list(self.sockets):
                socket.offer(RESYNC)
        for each in forward.messages:
            self.deliver(each)

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
                    for user_id in list(self.users):
                        await layer.group_add(user_group(user_id), channel)
                    joined_at = loop.time()
                try:
                    message = await asyncio.wait_for(layer.receive(channel), timeout=refresh)
                except TimeoutError:
                    continue
                if message.get("type") == USER_MESSAGE_TYPE:
                    self.deliver_user(message)
                elif message.get("type") == USER_LOGOUT_TYPE:
                    await self.logged_out(message)
                else:
                    await self.arrive(message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis down or restarted: retry, and re-join (it may be empty)
                log.warning("hub lost the channel layer (%r); retrying", exc)
                joined_at = None
                # A timeout already waited the layer's socket timeout: retrying at once keeps a
                # call in flight, answered the moment a paused Redis resumes. Refusals pause.
                if not isinstance(exc, (*REDIS_TIMEOUT_ERRORS, TimeoutError)):
                    await asyncio.sleep(LAYER_RETRY_SECONDS)


def _market_latest_id() -> str | None:
    entry = stream_store().latest(settings.STREAM_MARKET_DATA)
    return entry.id if entry is not None else None


_frozen = False
# Net allocations between young collections (Python's default: 700). 10,000 open sockets keep
# ~1M tracked objects in the old generation, and a full collection walks them all: with the
# default, full collections came every 5-11 s and paused fan-out for 1.5-5.4 s on a loaded
# machine; with 20,000, one (15 ms) in a whole 10,000-client run (bench/RESULTS.md, "10,000 sockets").
# Cyclic garbage waits for this many allocations at most.
GC_YOUNG_THRESHOLD = 20_000


def gc_freeze_once() -> None:
    """Move everything allocated by start-up out of the collector's reach, once per process, and
    make collections rarer.

    Full collections walking Django's and the app's long-lived objects paused fan-out for tens
    of ms (PITFALLS: ~50 ms spikes, 15 ms worst case after gc.freeze()), and cost page-cache
    replays a share of their rate. The web process calls it when its server starts (the ASGI
    lifespan, cryptodash/asgi.py), else the first socket does: both come after imports and
    settings, so what is frozen is what lives as long as the process.
    """
    global _frozen  # noqa: PLW0603 - a process-wide, one-time switch
    if not _frozen:
        _frozen = True
        gc.freeze()
        _, middle, old = gc.get_threshold()
        gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub_current() -> Hub:
    """The hub of the running event loop (one per web process in production)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub()
    return hub
