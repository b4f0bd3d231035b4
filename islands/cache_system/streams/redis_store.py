"""The stream store on Redis: a thin typed layer over redis-py's stream commands.

Reads of "the latest" use XREVRANGE + - COUNT 1, never a consumer group. The consumer-group
commands serve the relay and the backup writer: own pending entries first, then new ones, XACK
after the work, XAUTOCLAIM for entries a dead consumer left pending. Errors are redis-py's: the
resilient store (resilient_store.py) decides what an outage means.
"""

from __future__ import annotations

from typing import Any

import orjson
import redis

from islands.cache_system.streams.entries import SCHEMA_VERSION, StreamEntry, entries_decode


class RedisStreamStore:
    """Thin typed layer over redis-py's stream commands."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        maxlen: int,
        reader: redis.Redis | None = None,
        maxlens: dict[str, int] | None = None,
    ) -> None:
        self.client = client
        # Plain reads may go through a client with a shorter timeout (the request role): writes
        # and consumer groups stay on `client`, whose timeout covers a blocking XREADGROUP.
        self.reader = reader if reader is not None else client
        self.maxlen = maxlen
        # Streams with their own bound (the market table's entries are large).
        self.maxlens = dict(maxlens or {})

    def add(self, stream: str, type_: str, data: dict[str, Any], *, entry_id: str = "*") -> str:
        fields = {"v": SCHEMA_VERSION, "type": type_, "data": orjson.dumps(data)}
        maxlen = self.maxlens.get(stream, self.maxlen)
        new_id = self.client.xadd(stream, fields, id=entry_id, maxlen=maxlen, approximate=True)
        return new_id.decode()

    def latest(self, stream: str) -> StreamEntry | None:
        rows = self.reader.xrevrange(stream, "+", "-", count=1)
        return StreamEntry.from_redis(*rows[0]) if rows else None

    def range(self, stream: str, start: str = "-", end: str = "+", count: int | None = None) -> list[StreamEntry]:
        return entries_decode(self.reader.xrange(stream, start, end, count=count))[0]

    def revrange(self, stream: str, end: str = "+", start: str = "-", count: int | None = None) -> list[StreamEntry]:
        return entries_decode(self.reader.xrevrange(stream, end, start, count=count))[0]

    def after(self, stream: str, last_id: str, count: int) -> list[StreamEntry]:
        """Entries strictly after last_id, oldest first (exclusive ranges need Redis >= 6.2)."""
        return self.range(stream, f"({last_id}", "+", count=count)

    def length(self, stream: str) -> int:
        return int(self.reader.xlen(stream))

    def first_id(self, stream: str) -> str | None:
        rows = self.reader.xrange(stream, "-", "+", count=1)
        return rows[0][0].decode() if rows else None

    # --- consumer groups ------------------------------------------------------------------
    def group_ensure(self, stream: str, group: str, *, start_id: str = "$") -> None:
        """Create the group (and the stream) unless it exists."""
        try:
            self.client.xgroup_create(stream, group, id=start_id, mkstream=True)
        except redis.exceptions.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def group_read_many(
        self, streams: list[str], group: str, consumer: str, *, count: int, block_ms: int | None, pending: bool
    ) -> list[tuple[str, StreamEntry]]:
        """One XREADGROUP over several streams, so one blocking call waits on all.

        pending=True: this consumer's own unacknowledged entries (id 0); else new ones (`>`).
        Returns (stream, entry) pairs, each stream's entries in order. Entries trimmed away while
        pending are acknowledged here: there is nothing left to do.
        """
        cursor = "0" if pending else ">"
        reply = self.client.xreadgroup(
            group, consumer, dict.fromkeys(streams, cursor), count=count, block=None if pending else block_ms
        )
        pairs: list[tuple[str, StreamEntry]] = []
        for raw_stream, raw_entries in reply or []:
            stream = raw_stream.decode() if isinstance(raw_stream, bytes) else raw_stream
            entries, gone = entries_decode(raw_entries)
            if gone:
                self.client.xack(stream, group, *gone)
            pairs += [(stream, entry) for entry in entries]
        return pairs

    def group_ack(self, stream: str, group: str, ids: list[str]) -> int:
        return int(self.client.xack(stream, group, *ids)) if ids else 0

    def group_autoclaim(
        self, stream: str, group: str, consumer: str, *, min_idle_ms: int, count: int
    ) -> list[StreamEntry]:
        """Take over entries idle longer than min_idle_ms (their consumer is presumed dead)."""
        claimed: list[StreamEntry] = []
        start = "0-0"
        while len(claimed) < count:
            reply = self.client.xautoclaim(stream, group, consumer, min_idle_ms, start, count=count - len(claimed))
            next_id, raw = reply[0], reply[1]
            entries, gone = entries_decode(raw)
            # Redis 7 lists trimmed ids in a third element; 6.2 returns them with empty fields.
            gone += [i.decode() if isinstance(i, bytes) else i for i in (reply[2] if len(reply) > 2 else [])]
            if gone:
                self.client.xack(stream, group, *gone)
            claimed += entries
            start = next_id.decode() if isinstance(next_id, bytes) else next_id
            if start == "0-0":
                break
        return claimed

    def group_info(self, stream: str) -> list[dict[str, Any]]:
        """Per group: consumers, pending, last delivered id and lag (entries not yet delivered)."""
        try:
            groups = self.reader.xinfo_groups(stream)
        except redis.exceptions.ResponseError:  # no such stream yet
            return []
        info = []
        for group in groups:
            last = group["last-delivered-id"].decode()
            lag = group.get("lag")
            if lag is None:  # Redis < 7 does not report lag: count what is after the cursor
                lag = len(self.reader.xrange(stream, f"({last}", "+", count=10_000))
            info.append(
                {
                    "name": group["name"].decode(),
                    "consumers": int(group["consumers"]),
                    "pending": int(group["pending"]),
                    "last_delivered_id": last,
                    "lag": int(lag),
                }
            )
        return info
