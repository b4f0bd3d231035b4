"""Stream entries as every store returns them, and the stream-id rules they follow.

Entries carry three fields (SPEC §5): `v` (schema version), `type` and `data` (JSON). Pure data:
nothing here talks to Redis.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

log = logging.getLogger(__name__)

SCHEMA_VERSION = "1"


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


def entries_decode(raw: Iterable[tuple[bytes, dict | None]]) -> tuple[list[StreamEntry], list[str]]:
    """Entries of a Redis reply, plus the ids of entries trimmed away while pending (Redis
    returns those with empty fields)."""
    entries, gone = [], []
    for entry_id, fields in raw:
        if fields:
            entries.append(StreamEntry.from_redis(entry_id, fields))
        else:
            gone.append(entry_id.decode() if isinstance(entry_id, bytes) else entry_id)
    return entries, gone
