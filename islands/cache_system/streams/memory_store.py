"""The in-process stand-in for the Redis stream store while Redis is unreachable.

The same reads and writes as RedisStreamStore, bounded per stream. It keeps copies of what was
read from Redis (so an outage still has something to serve) and the entries written during the
outage, in order, until the reconnector replays them. It never talks to Redis.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from islands.cache_system.streams.entries import StreamEntry, parse_id


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
