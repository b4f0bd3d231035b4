"""Redis Streams store, its in-process fallback, and the switch between them.

Entries carry three fields (SPEC §5): `v` (schema version), `type` and `data` (JSON). Reads of
"the latest" use XREVRANGE + - COUNT 1, never a consumer group. Consumer-group helpers serve the
relay and the backup writer: own pending entries first, then new ones, XACK after the work,
XAUTOCLAIM for entries a dead consumer left pending.

When Redis is unreachable, `ResilientStreamStore` serves reads and writes from memory, retries
Redis in a background thread and replays the entries written meanwhile once it is back. It must
not block a request on a dead socket: while in fallback it does not touch Redis at all.
"""

from __future__ import annotations

import collections
import logging
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
import redis

from islands.cache_system.redis_client import REDIS_DOWN_ERRORS

log = logging.getLogger(__name__)

SCHEMA_VERSION = "1"


class StoreUnavailable(Exception):
    """Redis is down and the operation (consumer groups, locks) has no in-process equivalent."""


@dataclass(frozen=True, slots=True)
class StreamEntry:
    id: str
    type: str
    data: dict[str, Any]
    v: str = SCHEMA_VERSION

    @property
    def ms(self) -> int:
        """Milliseconds since the epoch at which Redis (or the fallback) stored the entry."""
        return int(self.id.split("-", 1)[0])

    @classmethod
    def from_redis(cls, entry_id: bytes | str, fields: dict[bytes, bytes]) -> StreamEntry:
        entry_id = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
        return cls(
            id=entry_id,
            type=fields.get(b"type", b"").decode(errors="replace"),
            data=_data_decode(entry_id, fields.get(b"data")),
            v=fields.get(b"v", SCHEMA_VERSION.encode()).decode(errors="replace"),
        )


def _data_decode(entry_id: str, raw: bytes | None) -> dict[str, Any]:
    """The entry's JSON object; one not written by this store (not JSON, not an object) carries no
    values (every field unknown) instead of failing each reader."""
    try:
        data = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        log.warning("stream entry %s has no JSON object in its data field; read as empty", entry_id)
        return {}
    return data


_ID_PART = re.compile(r"[0-9]{1,20}")


def parse_id(entry_id: str) -> tuple[int, int]:
    """(ms, seq) of a stream id; ValueError for anything that is not `<int>-<int>` or `<int>`
    with ASCII digits and each part below 2**64, the only ids Redis accepts in a command."""
    ms, dash, seq = entry_id.partition("-")
    if not _ID_PART.fullmatch(ms) or (dash and not _ID_PART.fullmatch(seq)):
        raise ValueError(f"not a stream id: {entry_id!r}")
    key = int(ms), int(seq or 0)
    if max(key) >= 2**64:
        raise ValueError(f"stream id out of range: {entry_id!r}")
    return key


def _decode_entries(raw: Iterable[tuple[bytes, dict | None]]) -> tuple[list[StreamEntry], list[str]]:
    """Entries, plus the ids of entries trimmed away while pending (Redis returns them empty)."""
    entries, gone = [], []
    for entry_id, fields in raw:
        if fields:
            entries.append(StreamEntry.from_redis(entry_id, fields))
        else:
            gone.append(entry_id.decode() if isinstance(entry_id, bytes) else entry_id)
    return entries, gone


class RedisStreamStore:
    """Thin typed layer over redis-py's stream commands."""

    def __init__(self, client: redis.Redis, *, maxlen: int) -> None:
        self.client = client
        self.maxlen = maxlen

    def add(self, stream: str, type_: str, data: dict[str, Any], *, entry_id: str = "*") -> str:
        fields = {"v": SCHEMA_VERSION, "type": type_, "data": orjson.dumps(data)}
        new_id = self.client.xadd(stream, fields, id=entry_id, maxlen=self.maxlen, approximate=True)
        return new_id.decode()

    def latest(self, stream: str) -> StreamEntry | None:
        rows = self.client.xrevrange(stream, "+", "-", count=1)
        return StreamEntry.from_redis(*rows[0]) if rows else None

    def range(self, stream: str, start: str = "-", end: str = "+", count: int | None = None) -> list[StreamEntry]:
        return _decode_entries(self.client.xrange(stream, start, end, count=count))[0]

    def revrange(self, stream: str, end: str = "+", start: str = "-", count: int | None = None) -> list[StreamEntry]:
        return _decode_entries(self.client.xrevrange(stream, end, start, count=count))[0]

    def after(self, stream: str, last_id: str, count: int) -> list[StreamEntry]:
        """Entries strictly after last_id, oldest first (exclusive ranges need Redis >= 6.2)."""
        return self.range(stream, f"({last_id}", "+", count=count)

    def length(self, stream: str) -> int:
        return int(self.client.xlen(stream))

    def first_id(self, stream: str) -> str | None:
        rows = self.client.xrange(stream, "-", "+", count=1)
        return rows[0][0].decode() if rows else None

    # --- consumer groups ------------------------------------------------------------------
    def group_ensure(self, stream: str, group: str, *, start_id: str = "$") -> None:
        """Create the group (and the stream) unless it exists."""
        try:
            self.client.xgroup_create(stream, group, id=start_id, mkstream=True)
        except redis.exceptions.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def group_read(
        self, stream: str, group: str, consumer: str, *, count: int, block_ms: int | None, pending: bool
    ) -> list[StreamEntry]:
        """pending=True: this consumer's own unacknowledged entries (id 0); else new ones (`>`).

        Entries trimmed away while pending are acknowledged here: there is nothing left to do.
        """
        reply = self.client.xreadgroup(
            group, consumer, {stream: "0" if pending else ">"}, count=count, block=None if pending else block_ms
        )
        if not reply:
            return []
        entries, gone = _decode_entries(reply[0][1])
        if gone:
            self.client.xack(stream, group, *gone)
        return entries

    def group_read_many(
        self, streams: list[str], group: str, consumer: str, *, count: int, block_ms: int | None, pending: bool
    ) -> list[tuple[str, StreamEntry]]:
        """group_read over several streams in one XREADGROUP, so one blocking call waits on all.

        Returns (stream, entry) pairs, each stream's entries in order.
        """
        cursor = "0" if pending else ">"
        reply = self.client.xreadgroup(
            group, consumer, dict.fromkeys(streams, cursor), count=count, block=None if pending else block_ms
        )
        pairs: list[tuple[str, StreamEntry]] = []
        for raw_stream, raw_entries in reply or []:
            stream = raw_stream.decode() if isinstance(raw_stream, bytes) else raw_stream
            entries, gone = _decode_entries(raw_entries)
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
            entries, gone = _decode_entries(raw)
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
            groups = self.client.xinfo_groups(stream)
        except redis.exceptions.ResponseError:  # no such stream yet
            return []
        info = []
        for group in groups:
            last = group["last-delivered-id"].decode()
            lag = group.get("lag")
            if lag is None:  # Redis < 7 does not report lag: count what is after the cursor
                lag = len(self.client.xrange(stream, f"({last}", "+", count=10_000))
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


@dataclass
class _MemoryStream:
    entries: collections.deque[StreamEntry]
    last_id: tuple[int, int] = (0, 0)
    # Entries written while Redis was down, oldest first, waiting to be replayed.
    unreplayed: list[StreamEntry] = field(default_factory=list)


class MemoryStreamStore:
    """The same reads and writes as RedisStreamStore, in this process only, bounded per stream."""

    def __init__(self, *, maxlen: int) -> None:
        self.maxlen = maxlen
        self.dropped = 0
        self._streams: dict[str, _MemoryStream] = {}
        self._lock = threading.Lock()

    def _stream(self, name: str) -> _MemoryStream:
        stream = self._streams.get(name)
        if stream is None:
            stream = self._streams[name] = _MemoryStream(entries=collections.deque(maxlen=self.maxlen))
        return stream

    def _next_id(self, stream: _MemoryStream) -> str:
        ms = int(time.time() * 1000)
        last_ms, last_seq = stream.last_id
        new = (ms, 0) if ms > last_ms else (last_ms, last_seq + 1)
        stream.last_id = new
        return f"{new[0]}-{new[1]}"

    def remember(self, stream_name: str, entries: Iterable[StreamEntry]) -> None:
        """Keep copies of entries read from Redis, so an outage still has something to serve."""
        with self._lock:
            stream = self._stream(stream_name)
            for entry in entries:
                key = parse_id(entry.id)
                if key > stream.last_id:
                    stream.entries.append(entry)
                    stream.last_id = key

    def add(self, stream: str, type_: str, data: dict[str, Any], *, entry_id: str = "*") -> str:
        with self._lock:
            target = self._stream(stream)
            new_id = self._next_id(target) if entry_id == "*" else entry_id
            entry = StreamEntry(id=new_id, type=type_, data=data)
            target.entries.append(entry)
            target.unreplayed.append(entry)
            overflow = len(target.unreplayed) - self.maxlen
            if overflow > 0:  # a very long outage: the oldest unreplayed entries are dropped, and counted
                del target.unreplayed[:overflow]
                self.dropped += overflow
            return new_id

    def latest(self, stream: str) -> StreamEntry | None:
        with self._lock:
            entries = self._stream(stream).entries
            return entries[-1] if entries else None

    def range(self, stream: str, start: str = "-", end: str = "+", count: int | None = None) -> list[StreamEntry]:
        exclusive = start.startswith("(")
        low = (-1, -1) if start == "-" else parse_id(start.lstrip("("))
        high = (2**63, 2**63) if end == "+" else parse_id(end)
        with self._lock:
            rows = [
                e
                for e in self._stream(stream).entries
                if (parse_id(e.id) > low if exclusive else parse_id(e.id) >= low) and parse_id(e.id) <= high
            ]
        return rows[:count] if count is not None else rows

    def revrange(self, stream: str, end: str = "+", start: str = "-", count: int | None = None) -> list[StreamEntry]:
        rows = list(reversed(self.range(stream, start, end)))
        return rows[:count] if count is not None else rows

    def after(self, stream: str, last_id: str, count: int) -> list[StreamEntry]:
        return self.range(stream, f"({last_id}", "+", count=count)

    def length(self, stream: str) -> int:
        with self._lock:
            return len(self._stream(stream).entries)

    def first_id(self, stream: str) -> str | None:
        with self._lock:
            entries = self._stream(stream).entries
            return entries[0].id if entries else None

    def take_unreplayed(self) -> dict[str, list[StreamEntry]]:
        with self._lock:
            taken = {name: s.unreplayed for name, s in self._streams.items() if s.unreplayed}
            for name in taken:
                self._streams[name].unreplayed = []
            return taken

    def requeue(self, stream: str, entries: list[StreamEntry]) -> None:
        with self._lock:
            target = self._stream(stream)
            target.unreplayed[:0] = entries

    def unreplayed_count(self) -> int:
        with self._lock:
            return sum(len(s.unreplayed) for s in self._streams.values())


class ResilientStreamStore:
    """Redis when it answers, memory when it does not; reports which, and heals by itself."""

    def __init__(self, client: redis.Redis, *, maxlen: int, memory_maxlen: int, reconnect_interval: float) -> None:
        self.redis = RedisStreamStore(client, maxlen=maxlen)
        self.memory = MemoryStreamStore(maxlen=memory_maxlen)
        self.reconnect_interval = reconnect_interval
        self._lock = threading.Lock()
        self._fallback_since: float | None = None
        self._last_error: str | None = None
        self._reconnector: threading.Thread | None = None
        self._remembered: dict[str, str] = {}
        self.switches = 0
        self.replayed = 0
        self.replay_new_ids = 0

    # --- mode -----------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return "fallback" if self._fallback_since is not None else "redis"

    def status(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "fallback_since": self._fallback_since,
            "last_error": self._last_error,
            "switches_to_fallback": self.switches,
            "unreplayed_entries": self.memory.unreplayed_count(),
            "replayed_entries": self.replayed,
            "replay_new_ids": self.replay_new_ids,
            "dropped_entries": self.memory.dropped,
        }

    def _enter_fallback(self, exc: BaseException) -> None:
        with self._lock:
            self._last_error = f"{exc.__class__.__name__}: {exc}"
            if self._fallback_since is not None:
                return
            self._fallback_since = time.time()
            self.switches += 1
            log.warning("Redis unreachable (%s): streams now served from memory", self._last_error)
            self._reconnector = threading.Thread(target=self._reconnect_loop, name="redis-reconnect", daemon=True)
            self._reconnector.start()

    def _reconnect_loop(self) -> None:
        while True:
            time.sleep(self.reconnect_interval)
            try:
                self.redis.client.ping()
                self._replay()
            except REDIS_DOWN_ERRORS as exc:
                self._last_error = f"{exc.__class__.__name__}: {exc}"
                continue
            with self._lock:
                outage = time.time() - (self._fallback_since or time.time())
                self._fallback_since = None
            log.warning("Redis is back after %.1f s: streams served from Redis again", outage)
            return

    def _replay(self) -> None:
        """Write the entries made during the outage to Redis, keeping their ids where possible.

        An id is kept when it is newer than the stream's last id in Redis (always true after a
        restart that lost the data, and when no other process wrote meanwhile), so clients that
        saw it can resume from it. Otherwise Redis assigns a new id and the count is reported.
        """
        pending = self.memory.take_unreplayed()
        try:
            for stream in list(pending):
                entries = pending[stream]
                while entries:
                    entry = entries[0]
                    try:
                        self.redis.add(stream, entry.type, entry.data, entry_id=entry.id)
                    except redis.exceptions.ResponseError:  # id not newer than Redis's last one
                        self.redis.add(stream, entry.type, entry.data)
                        self.replay_new_ids += 1  # the data is kept under a new id
                    entries.pop(0)
                    self.replayed += 1
                del pending[stream]
        finally:
            # Down again mid-replay: what was not written goes back, in order, for the next try.
            for stream, entries in pending.items():
                self.memory.requeue(stream, entries)

    # --- reads and writes -----------------------------------------------------------------
    def _call(self, method: str, stream: str, *args: Any, **kwargs: Any) -> Any:
        if self._fallback_since is None:
            try:
                result = getattr(self.redis, method)(stream, *args, **kwargs)
            except REDIS_DOWN_ERRORS as exc:
                self._enter_fallback(exc)
            else:
                if method == "add":
                    # Keep the fallback's ids after the ones Redis gave out, so they stay ordered.
                    self.memory.remember(stream, [StreamEntry(id=result, type=args[0], data=args[1])])
                return result
        return getattr(self.memory, method)(stream, *args, **kwargs)

    def add(self, stream: str, type_: str, data: dict[str, Any]) -> str:
        return self._call("add", stream, type_, data)

    def latest(self, stream: str) -> StreamEntry | None:
        # The hot read of every page and API call: no generic dispatch, and the copy kept for
        # outages is refreshed only when the newest id changed.
        if self._fallback_since is None:
            try:
                entry = self.redis.latest(stream)
            except REDIS_DOWN_ERRORS as exc:
                self._enter_fallback(exc)
            else:
                if entry is not None and self._remembered.get(stream) != entry.id:
                    self._remembered[stream] = entry.id
                    self.memory.remember(stream, [entry])
                return entry
        return self.memory.latest(stream)

    def range(self, stream: str, start: str = "-", end: str = "+", count: int | None = None) -> list[StreamEntry]:
        return self._call("range", stream, start, end, count)

    def revrange(self, stream: str, end: str = "+", start: str = "-", count: int | None = None) -> list[StreamEntry]:
        return self._call("revrange", stream, end, start, count)

    def after(self, stream: str, last_id: str, count: int) -> list[StreamEntry]:
        return self._call("after", stream, last_id, count)

    def length(self, stream: str) -> int:
        return self._call("length", stream)

    def first_id(self, stream: str) -> str | None:
        return self._call("first_id", stream)

    # --- consumer groups: Redis only --------------------------------------------------------
    def _group_call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if self._fallback_since is not None:
            raise StoreUnavailable(self._last_error or "Redis unreachable")
        try:
            return getattr(self.redis, method)(*args, **kwargs)
        except REDIS_DOWN_ERRORS as exc:
            self._enter_fallback(exc)
            raise StoreUnavailable(str(exc)) from exc

    def group_ensure(self, stream: str, group: str, *, start_id: str = "$") -> None:
        self._group_call("group_ensure", stream, group, start_id=start_id)

    def group_read(
        self, stream: str, group: str, consumer: str, *, count: int, block_ms: int | None, pending: bool
    ) -> list[StreamEntry]:
        return self._group_call("group_read", stream, group, consumer, count=count, block_ms=block_ms, pending=pending)

    def group_read_many(
        self, streams: list[str], group: str, consumer: str, *, count: int, block_ms: int | None, pending: bool
    ) -> list[tuple[str, StreamEntry]]:
        return self._group_call(
            "group_read_many", streams, group, consumer, count=count, block_ms=block_ms, pending=pending
        )

    def group_ack(self, stream: str, group: str, ids: list[str]) -> int:
        return self._group_call("group_ack", stream, group, ids)

    def group_autoclaim(
        self, stream: str, group: str, consumer: str, *, min_idle_ms: int, count: int
    ) -> list[StreamEntry]:
        return self._group_call("group_autoclaim", stream, group, consumer, min_idle_ms=min_idle_ms, count=count)

    def group_info(self, stream: str) -> list[dict[str, Any]]:
        return self._group_call("group_info", stream)
