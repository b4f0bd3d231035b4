"""Exchange ticks for one web process's sockets: the newest price per coin, at most WS_TICK_HZ
frames a second.

The relay sends each crypto:ticks entry (the coins that ticked together) to every process's hub;
the hub hands it here. `TickCoalescer` keeps the newest tick per coin (by exchange time, so a
relay's late re-delivery never steps back) and one shared timer: a tick arriving when the last
frame went out at least 1/WS_TICK_HZ ago is flushed GATHER_S later; otherwise one flush is
scheduled for the moment the period ends, and later ticks just update the state it will send.
The short gather keeps an exchange round together: the exchange sends each coin as a message of
its own, so one round may reach the stream as two entries a few ms apart, and without it the
second part would wait a whole period behind the first (bench/ticks.py measured ~250 ms). Each
flush serialises ONE frame, a snapshot of every coin's newest tick, and offers it to every
socket. A socket still busy sending keeps only the newest tick frame (LiveSocket.offer_tick
replaces the one waiting): a slow client gets the newest state, never a backlog, and no socket
carries a timer or a task of its own for ticks.

Frame (SPEC §7, type "ticks"): `{"type": "ticks", "data": {"btc": {"price_usd": 67234.5,
"change_24h": 2.3, "t": <exchange ms>, "source": "binance_ws"}, ...}, "stream_id": <newest entry>,
"timestamp": <its time>}`. It must not read Redis nor decide anything about summaries.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings

from islands.websocket_service import frames
from islands.websocket_service.live_socket import LiveSocket, Outgoing

# How long a frame waits for the rest of an exchange round after its first tick.
GATHER_S = 0.01


def _tick_valid(tick: Any) -> bool:
    if not isinstance(tick, dict):
        return False
    price, at = tick.get("price_usd"), tick.get("t")
    return (
        isinstance(price, int | float)
        and not isinstance(price, bool)
        and math.isfinite(price)
        and isinstance(at, int)
        and not isinstance(at, bool)
    )


class TickCoalescer:
    """The newest tick per coin of one process, flushed to its sockets at most `hz` times a second."""

    def __init__(self, sockets: Callable[[], Iterable[LiveSocket]], *, hz: float | None = None) -> None:
        self._sockets = sockets
        self.period = 1.0 / (hz or settings.WS_TICK_HZ)
        self.latest: dict[str, dict[str, Any]] = {}
        self.stream_id: str | None = None
        # The last frame sent: what a socket that joins now starts from.
        self.frame: Outgoing | None = None
        self.flushes = 0
        self._flushed_at = -math.inf
        self._timer: asyncio.Handle | None = None

    def add(self, message: dict[str, Any]) -> None:
        """Merge one relay message ({"ticks": {coin: tick}, "source", "stream_id"})."""
        ticks = message.get("ticks")
        source = str(message.get("source") or "unknown")
        changed = False
        for coin, tick in ticks.items() if isinstance(ticks, dict) else ():
            if not _tick_valid(tick):
                continue
            old = self.latest.get(coin)
            if old is None or tick["t"] >= old["t"]:
                self.latest[coin] = {
                    "price_usd": tick["price_usd"],
                    "change_24h": tick.get("change_24h"),
                    "t": tick["t"],
                    "source": source,
                }
                changed = True
        if not changed:
            return
        self.stream_id = message.get("stream_id") or self.stream_id
        if self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_at(max(self._flushed_at + self.period, loop.time() + GATHER_S), self.flush)

    def flush(self) -> None:
        self._timer = None
        self._flushed_at = asyncio.get_running_loop().time()
        self.flushes += 1
        self.frame = Outgoing.text(frames.frame_ticks(ticks=self.latest, stream_id=self.stream_id))
        for socket in list(self._sockets()):
            socket.offer_tick(self.frame)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
