"""The /ws consumer (SPEC §7): a thin adapter between one socket, the process hub and the selectors.

It owns the inbound side only: the per-address socket cap, size limit, rate limit, parsing, and
answering requests. Outbound frames all go through the socket's LiveSocket queue, so one writer
keeps them in order. It must not join channel-layer groups per socket (see hub.py) nor read Redis
on the event loop.

Snapshot and replay requests cost a stream read each, so they have a budget of their own per socket
(WS_RESUME_BURST, WS_RESUME_PER_MINUTE) and one per client address, shared by the address's sockets
(WS_RESUME_PER_IP_BURST, WS_RESUME_PER_IP_PER_MINUTE): a client closed for abuse that reconnects
gets a fresh socket budget but not a fresh address budget, and an address closed for abuse
WS_ABUSE_CLOSES_PER_IP times is refused at the handshake for WS_ABUSE_COOLDOWN_S (budgets.py).
Requests are answered by one task per socket, one at a time: a request arriving while one is read
replaces any other still waiting (each answer is a whole state), receive() never waits for a read,
and a socket that leaves takes its pending work with it (disconnect cancels the task; the thread of
a read already started finishes its one call, and its result is dropped).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import orjson
from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from islands.cache_system.selectors import SummarySnapshot
from islands.cache_system.streams import parse_id
from islands.shared_components.client_ip import client_ip_from_scope
from islands.websocket_service import frames
from islands.websocket_service.budgets import ADDRESSES, AddressRecord, Refused, TokenBucket
from islands.websocket_service.hub import Hub, hub_current
from islands.websocket_service.live_socket import LiveSocket, Outgoing
from islands.websocket_service.selectors import replay_after, snapshot_latest
from islands.websocket_service.sessions import session_key_from_scope, user_id_from_scope

log = logging.getLogger(__name__)

CLOSE_POLICY_VIOLATION = 1008
CLOSE_TOO_BIG = 1009
# Refusing a handshake over the per-address cap: "try again later" (the cap frees as sockets close).
# An address in its abuse cool-down is refused with CLOSE_POLICY_VIOLATION instead (both are a
# 403 on the wire; the code tells them apart in tests and ASGI logs).
CLOSE_TRY_AGAIN_LATER = 1013


@dataclass(frozen=True, slots=True)
class Request:
    """A snapshot (last_id None) or a replay of what followed last_id."""

    last_id: str | None


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
    address: str | None = None
    # The address's shared budget and strikes; None for a client without an address.
    record: AddressRecord | None = None
    # The signed-in user (from the session cookie, only when one was sent): their alert frames.
    user_id: int | None = None
    _worker: asyncio.Task | None = None
    _wanted: Request | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        # With no layer, the client is the only source of messages: await it here rather than in
        # Channels' await_many_dispatch, which keeps an extra task and an asyncio.wait() per socket
        # for the socket's whole life (~1.5 KB per socket, bench/RESULTS.md).
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
                # One loop turn per inbound message, as under await_many_dispatch: a client's burst
                # (already queued by the server) does not run ahead of the tasks it started.
                await asyncio.sleep(0)
        except StopConsumer:
            pass

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels' dispatch first closes stale database connections through sync_to_async: a hop,
        # for every inbound frame, to the one thread Django's sync views (/health/live) run on.
        # This consumer never uses the database, so a frame flood must not queue up there.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        address = client_ip_from_scope(self.scope)
        # No address (a unix socket, a test harness): nothing to count it under.
        if address is not None:
            admitted = ADDRESSES.admit(address)
            if admitted is Refused.COOLING_DOWN:
                await self._refuse_late(address)
                return
            if admitted is Refused.OVER_CAP:
                log.info(
                    "refusing websocket from %s: already %d sockets open (WS_MAX_CONNECTIONS_PER_IP)",
                    address,
                    settings.WS_MAX_CONNECTIONS_PER_IP,
                )
                await self.close(code=CLOSE_TRY_AGAIN_LATER)
                return
            self.address, self.record = address, admitted
        try:
            await self._open()
        except BaseException:
            self._address_release()  # disconnect() may never come for a consumer that failed here
            raise

    async def _refuse_late(self, address: str) -> None:
        """Refuse a handshake from an address in its abuse cool-down, WS_ABUSE_REFUSE_DELAY_S late.

        A refusal costs the server the HTTP upgrade, and a client that reconnects as soon as it is
        answered would be answered as fast as it can ask; answered late, it costs one handshake
        per delay instead. The wait holds one of the address's WS_MAX_CONNECTIONS_PER_IP slots, so
        the refusals waiting at once are bounded like its sockets. Not logged each time: the
        cool-down's start was.
        """
        try:
            await asyncio.sleep(settings.WS_ABUSE_REFUSE_DELAY_S)
        finally:
            ADDRESSES.release(address)
        try:
            await self.close(code=CLOSE_POLICY_VIOLATION)
        except Exception as exc:  # the client left while it waited: there is no one to answer
            log.debug("refusal not sent to %s: %r", address, exc)

    async def _open(self) -> None:
        await self.accept()
        self.bucket = TokenBucket(burst=settings.WS_RATE_BURST, rate=settings.WS_RATE_PER_SECOND)
        self.rejected = 0
        self.requests = TokenBucket(burst=settings.WS_RESUME_BURST, rate=settings.WS_RESUME_PER_MINUTE / 60)
        self.requests_rejected = 0
        self.socket = LiveSocket(self.base_send, queue_size=settings.WS_SEND_QUEUE)
        self.socket.push(Outgoing.text(frames.frame_connected()))
        # Join before reading the snapshot, holding live frames meanwhile: an entry broadcast
        # while the snapshot is read is then sent after it (if newer), never lost.
        self.socket.hold()
        self.hub = hub_current()
        self.user_id = await user_id_from_scope(self.scope)
        session_key = session_key_from_scope(self.scope) if self.user_id is not None else None
        await self.hub.join(self.socket, user_id=self.user_id, session_key=session_key)
        # `/ws?last_id=<id>`: a reconnecting client asks for what it missed instead of a snapshot.
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        self._request(Request(last_id=valid_stream_id((query.get("last_id") or [None])[0])))

    async def disconnect(self, code: int) -> None:
        self._drop_requests()
        self._address_release()
        if self.socket is not None and self.hub is not None:
            await self.hub.leave(self.socket, user_id=self.user_id)

    def _address_release(self) -> None:
        if self.address is not None:
            ADDRESSES.release(self.address)
            self.address = self.record = None

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.socket is None or self.socket.closing:
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
            self._request(Request(last_id=None))
        elif kind == "resume":
            last_id = valid_stream_id(message.get("last_id"))
            if last_id is None:
                self._error("bad_last_id", "last_id must be a stream id like 1700000000000-0")
                return
            self._request(Request(last_id=last_id))
        else:
            self._error("unknown_type", "type must be ping, request_dashboard_data or resume")

    # --- outbound -------------------------------------------------------------------------
    def _push(self, text: str) -> None:
        self.socket.push(Outgoing.text(text))

    def _error(self, code: str, message: str) -> None:
        self._push(frames.frame_error(code=code, message=message))

    # --- snapshot and replay requests ----------------------------------------------------------
    def _request(self, request: Request) -> None:
        """Have `request` answered by the socket's request task, within the socket's and the address's budgets."""
        if not self.requests.take() or (self.record is not None and not ADDRESSES.take_request(self.record)):
            self.requests_rejected += 1
            if self._worker is None:
                # A refused opening request: live frames were held for its answer (_open); none comes.
                self.socket.release()
            if self.requests_rejected >= settings.WS_RESUME_ABUSE_REJECTS:
                self._close(CLOSE_POLICY_VIOLATION, "snapshot/resume budget exceeded repeatedly")
            else:
                self._error(
                    "resume_limited",
                    f"at most {settings.WS_RESUME_BURST} snapshot or resume requests at once, then "
                    f"{settings.WS_RESUME_PER_MINUTE:g} a minute per socket; {settings.WS_RESUME_PER_IP_BURST} "
                    f"and {settings.WS_RESUME_PER_IP_PER_MINUTE:g} a minute for all sockets of a client address",
                )
            return
        self.requests_rejected = 0
        # A request still waiting is replaced: the newer answer is a whole state as well.
        self._wanted = request
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._answer_requests())

    async def _answer_requests(self) -> None:
        try:
            while self._wanted is not None and not self.socket.closing:
                request, self._wanted = self._wanted, None
                self.socket.hold()
                if request.last_id is None:
                    await self._snapshot(resync=False)
                else:
                    await self._replay(request.last_id)
        except Exception as exc:  # the store failed even in its fallback: say so, keep the socket
            log.warning("websocket request not answered: %r", exc)
            self.socket.release()
            self._error("unavailable", "market data could not be read; try again shortly")
        finally:
            self._worker = None

    def _drop_requests(self) -> None:
        self._wanted = None
        if self._worker is not None:
            self._worker.cancel()

    async def _snapshot(self, *, resync: bool) -> None:
        """Send the latest summary (the socket must be holding live frames), then release them."""
        try:
            self._send_snapshot(await asyncio.to_thread(snapshot_latest), resync=resync)
        finally:
            self.socket.release()

    async def _replay(self, last_id: str) -> None:
        """Send the entries after last_id in order, or a resync snapshot; then release live frames."""
        try:
            replay = await asyncio.to_thread(replay_after, last_id=last_id, limit=settings.WS_RESUME_MAX)
            if replay.resync:
                # The snapshot came with the checks: no second read for the answer.
                self._send_snapshot(replay.snapshot, resync=True)
                return
            for entry in replay.entries:
                text = frames.frame_entry(stream=settings.STREAM_MARKET_DATA, entry=entry)
                self.socket.push(Outgoing.text(text, stream_id=entry.id, replay=True))
        finally:
            self.socket.release()

    def _send_snapshot(self, snapshot: SummarySnapshot | None, *, resync: bool) -> None:
        if snapshot is None:
            self._push(frames.frame_no_data())
            return
        text = frames.frame_dashboard_data(data=snapshot.data, stream_id=snapshot.stream_id, resync=resync)
        self.socket.push(Outgoing.text(text, stream_id=snapshot.stream_id, replay=True))

    def _close(self, code: int, reason: str) -> None:
        # Through the socket's queue, so frames already answered go out before the close.
        log.info("closing websocket %s with %d: %s", self.scope.get("client"), code, reason)
        self._drop_requests()
        self.socket.close(code)
        if self.record is not None and ADDRESSES.strike(self.record):
            log.warning(
                "refusing websockets from %s for %g s: closed for abuse %d times (WS_ABUSE_CLOSES_PER_IP)",
                self.address,
                settings.WS_ABUSE_COOLDOWN_S,
                settings.WS_ABUSE_CLOSES_PER_IP,
            )


class UnknownPathConsumer(AsyncWebsocketConsumer):
    """Any WebSocket path without a route: the handshake is refused (servers answer 403).

    Without it, Channels' router raises for an unknown path and the server logs a traceback.
    """

    channel_layer_alias = LiveConsumer.channel_layer_alias

    async def connect(self) -> None:
        log.info("refusing websocket to unknown path %r", self.scope.get("path"))
        await self.close()
