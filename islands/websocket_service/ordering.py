"""Order across relays: a web process forwards market-data entries gap-free and in stream order.

Several relays share the consumer group, so consecutive entries may be sent by different relays,
and their group_sends can reach this process in either order. `MarketOrder` keeps one cursor per
process: the id of the last market-data entry forwarded. A message names its entry's predecessor
in the stream (prev_id, attached by the relay). If prev_id is the cursor, the entry is the direct
successor: it is forwarded at once, with no Redis read (the common case, and the only one with a
single relay). If its id is at or below the cursor, it is a late arrival that a gap fill already
forwarded: dropped. Otherwise entries are missing in between, or the predecessor is unknown: the
stream itself is read for (cursor, id], off the event loop, and every entry in it is forwarded in
id order before the next message is looked at. So the sequence forwarded is always "every stream
entry after the cursor, in stream order", whichever relay sent what and in whatever order it
arrived. A gap wider than WS_RESUME_MAX (or a stream that lost the cursor entry) is not read
entry by entry: every socket is resynced instead (one fresh snapshot).

Why keep this rather than one active relay behind a lock: its measured cost is within noise of
none (bench/RESULTS.md, "Ordering across relays"), and every relay stays active, so a dead relay
costs no lock-expiry pause; only its own pending entries wait for the claim.

It only decides what to forward; it must not touch sockets or the channel layer (hub.py).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from islands.cache_system.stores import stream_store
from islands.cache_system.streams import parse_id
from islands.websocket_service import frames


@dataclass(slots=True)
class Forward:
    """What to hand to the sockets for one arrival: messages in order, or a resync of all."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    resync: bool = False


class MarketOrder:
    """The cursor of one process's hub and the decision, per arriving relay message."""

    def __init__(self) -> None:
        # The last market-data entry forwarded (id and key); None until the first is known.
        self._cursor: str | None = None
        self._cursor_key: tuple[int, int] = (0, 0)
        self.gaps_filled = 0

    def start(self, stream_id: str | None) -> None:
        """Start from stream_id (the newest entry when the hub joined; every snapshot is as new)."""
        self._cursor = None
        self._cursor_set(stream_id)

    async def arrive(self, message: dict[str, Any]) -> Forward:
        """What to forward for one relay message so market-data entries go out gap-free, in order."""
        market = message["stream"] == settings.STREAM_MARKET_DATA
        if not market or self._cursor is None:
            if market:
                self._cursor_set(message["stream_id"])
            return Forward([message])
        if message.get("prev_id") == self._cursor:
            self._cursor_set(message["stream_id"])
            return Forward([message])
        key = parse_id(message["stream_id"])
        if key <= self._cursor_key:
            return Forward()  # a late arrival: already forwarded when the gap before a newer one was filled
        return await self._fill(message, key)

    async def _fill(self, message: dict[str, Any], key: tuple[int, int]) -> Forward:
        """Every entry in (cursor, message's id], read from the stream, oldest first."""
        stream = settings.STREAM_MARKET_DATA
        bound = settings.WS_RESUME_MAX
        # Errors propagate to the hub, which retries; the cursor has not moved, so the next
        # arrival fills this gap too.
        entries = await asyncio.to_thread(stream_store().after, stream, self._cursor, bound + 1)
        wanted = [entry for entry in entries if parse_id(entry.id) <= key]
        self._cursor_set(message["stream_id"])
        if not wanted or len(wanted) > bound or wanted[-1].id != message["stream_id"]:
            # Too many missed, or the stream no longer has them: one fresh snapshot per socket.
            return Forward(resync=True)
        self.gaps_filled += 1
        filled = [
            {"stream": stream, "stream_id": entry.id, "frame": frames.frame_entry(stream=stream, entry=entry)}
            for entry in wanted[:-1]
        ]
        return Forward([*filled, message])

    def _cursor_set(self, stream_id: str | None) -> None:
        if stream_id is not None:
            self._cursor, self._cursor_key = stream_id, parse_id(stream_id)
