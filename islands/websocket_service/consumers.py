"""The /ws consumer (SPEC §7): a thin adapter between one socket, the process hub and the selectors.

It owns the inbound side only: size limit, rate limit, parsing, and answering requests. Outbound
frames all go through the socket's LiveSocket queue (live_socket.py), so one writer keeps them in order. It must not
join channel-layer groups per socket (see hub.py) nor read Redis on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any
from urllib.parse import parse_qs

import orjson
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from islands.cache_system.streams import parse_id
from islands.websocket_service import frames
from islands.websocket_service.hub import Hub, hub_current
from islands.websocket_service.live_socket import LiveSocket, Outgoing
from islands.websocket_service.selectors import replay_after, snapshot_latest

log = logging.getLogger(__name__)

CLOSE_POLICY_VIOLATION = 1008
CLOSE_TOO_BIG = 1009


class TokenBucket:
    """burst frames at once, refilled at rate per second."""

    def __init__(self, *, burst: int, rate: float) -> None:
        self.burst = burst
        self.rate = rate
        self.tokens = float(burst)
        self.at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def valid_stream_id(value: Any) -> str | None:
    """value if it is a stream id (`<ms>-<seq>`), else None."""
    if not isinstance(value, str) or len(value) > 41:
        return None
    try:
        parse_id(value)
    except ValueError:
        return None
    return value


class LiveConsumer(AsyncWebsocketConsumer):
    # Sockets do not listen on the channel layer: the process hub does, once (hub.py). An alias
    # that names no configured layer gives each socket none, sparing it a channel and a receive
    # waiter per connection.
    channel_layer_alias = "websocket_service.sockets_have_no_layer"
    socket: LiveSocket | None = None
    hub: Hub | None = None

    async def connect(self) -> None:
        await self.accept()
        self.bucket = TokenBucket(burst=settings.WS_RATE_BURST, rate=settings.WS_RATE_PER_SECOND)
        self.rejected = 0
        self.socket = LiveSocket(self.base_send, queue_size=settings.WS_SEND_QUEUE)
        self.socket.push(Outgoing.text(frames.frame_connected()))
        # Join before reading the snapshot, holding live frames meanwhile: an entry broadcast
        # while the snapshot is read is then sent after it (if newer), never lost.
        self.socket.hold()
        self.hub = hub_current()
        await self.hub.join(self.socket)
        # `/ws?last_id=<id>`: a reconnecting client asks for what it missed instead of a snapshot.
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        last_id = valid_stream_id((query.get("last_id") or [None])[0])
        if last_id is not None:
            await self._replay(last_id)
        else:
            await self._snapshot(resync=False)

    async def disconnect(self, code: int) -> None:
        if self.socket is not None and self.hub is not None:
            await self.hub.leave(self.socket)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.socket.closing:
            return
        size = len(bytes_data) if bytes_data is not None else len((text_data or "").encode())
        if size > settings.WS_MAX_FRAME_BYTES:
            self._close(CLOSE_TOO_BIG, f"frame of {size} bytes, limit {settings.WS_MAX_FRAME_BYTES}")
            return
        if not self.bucket.take():
            self.rejected += 1
            if self.rejected >= settings.WS_ABUSE_REJECTS:
                self._close(CLOSE_POLICY_VIOLATION, "rate limit exceeded repeatedly")
            elif self.rejected == 1:
                self._error("rate_limited", f"at most {settings.WS_RATE_PER_SECOND:g} messages a second")
            return
        self.rejected = 0
        if bytes_data is not None:
            self._error("binary_not_supported", "send JSON text frames")
            return
        if text_data == "ping":
            self._push(frames.frame_pong())
            return
        try:
            message = orjson.loads(text_data or "")
        except orjson.JSONDecodeError:
            self._error("malformed", "not JSON; send ping or a JSON object with a type")
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "ping":
            self._push(frames.frame_pong())
        elif kind == "request_dashboard_data":
            self.socket.hold()
            await self._snapshot(resync=False)
        elif kind == "resume":
            last_id = valid_stream_id(message.get("last_id"))
            if last_id is None:
                self._error("bad_last_id", "last_id must be a stream id like 1700000000000-0")
                return
            self.socket.hold()
            await self._replay(last_id)
        else:
            self._error("unknown_type", "type must be ping, request_dashboard_data or resume")

    # --- outbound -------------------------------------------------------------------------
    def _push(self, text: str) -> None:
        self.socket.push(Outgoing.text(text))

    def _error(self, code: str, message: str) -> None:
        self._push(frames.frame_error(code=code, message=message))

    async def _snapshot(self, *, resync: bool) -> None:
        """Send the latest summary (the socket must be holding live frames), then release them."""
        try:
            snapshot = await asyncio.to_thread(snapshot_latest)
            if snapshot is None:
                self._push(frames.frame_no_data())
            else:
                text = frames.frame_dashboard_data(data=snapshot.data, stream_id=snapshot.stream_id, resync=resync)
                self.socket.push(Outgoing.text(text, stream_id=snapshot.stream_id, replay=True))
        finally:
            self.socket.release()

    async def _replay(self, last_id: str) -> None:
        """Send the entries after last_id in order, or a resync snapshot; then release live frames."""
        replay = await asyncio.to_thread(replay_after, last_id=last_id, limit=settings.WS_RESUME_MAX)
        if replay.resync:
            await self._snapshot(resync=True)
            return
        try:
            for entry in replay.entries:
                text = frames.frame_entry(stream=settings.STREAM_MARKET_DATA, entry=entry)
                self.socket.push(Outgoing.text(text, stream_id=entry.id, replay=True))
        finally:
            self.socket.release()

    def _close(self, code: int, reason: str) -> None:
        # Through the socket's queue, so frames already answered go out before the close.
        log.info("closing websocket %s with %d: %s", self.scope.get("client"), code, reason)
        self.socket.close(code)


class UnknownPathConsumer(AsyncWebsocketConsumer):
    """Any WebSocket path without a route: the handshake is refused (servers answer 403).

    Without it, Channels' router raises for an unknown path and the server logs a traceback.
    """

    channel_layer_alias = LiveConsumer.channel_layer_alias

    async def connect(self) -> None:
        log.info("refusing websocket to unknown path %r", self.scope.get("path"))
        await self.close()
