"""Reads of the websocket_service island: the snapshot a socket starts from, and resume replays.

Reads go through cache_system's stream store (Redis, or its in-memory fallback); nothing here
writes or talks to the channel layer. The functions are synchronous: async callers run them in a
thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from prometheus_client import REGISTRY

from islands.cache_system.selectors import SummarySnapshot
from islands.cache_system.stores import stream_store
from islands.cache_system.streams import StreamEntry, parse_id
from islands.shared_components.process_metrics import multiprocess_dir, multiprocess_registry
from islands.websocket_service.metrics import WS_CONNECTIONS_METRIC


@dataclass(frozen=True, slots=True)
class Replay:
    """The entries after a client's last id, or resync=True when they cannot all be replayed.

    A resync carries the snapshot to send (None: the stream is empty), read once with the checks.
    """

    entries: list[StreamEntry]
    resync: bool
    snapshot: SummarySnapshot | None = None


def snapshot_latest() -> SummarySnapshot | None:
    """The newest summary, straight from the stream (XREVRANGE + - COUNT 1).

    Not summary_latest(): its L1 copy may be up to SUMMARY_L1_TTL behind the stream, and a socket's
    snapshot must not be older than live frames the hub already dropped as "before your snapshot".
    """
    entry = stream_store().latest(settings.STREAM_MARKET_DATA)
    return SummarySnapshot.from_entry(entry) if entry is not None else None


class _Horizon:
    """Per process: the oldest id a resume can start from without missing more than `limit` entries.

    That is the (limit+1)-th newest entry's id: a last_id below it missed more than `limit`, so the
    client gets a resync snapshot without a single entry being read for it. Recomputing it per
    resume would read `limit` entries each time, the very cost to avoid; instead it moves forward
    with the stream: when the newest id changes, it advances by as many entries as arrived (one,
    usually). It is read in full (limit+1 entries) only the first time, when the stream was
    replaced (the newest id it knew is gone) or while the stream is shorter than limit+1.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (stream, limit) -> (newest id, horizon id or None when the whole stream is replayable)
        self._known: dict[tuple[str, int], tuple[str, str | None]] = {}

    def current(self, store: Any, stream: str, limit: int, latest: StreamEntry) -> str | None:
        """The horizon id when the newest entry is `latest`; None when the stream is that short."""
        with self._lock:
            known = self._known.get((stream, limit))
            if known is not None and known[0] == latest.id:
                return known[1]
            horizon = self._advance(store, stream, limit, known, latest.id)
            if horizon is _UNKNOWN:
                rows = store.revrange(stream, latest.id, "-", limit + 1)
                horizon = rows[limit].id if len(rows) > limit else None
            self._known[(stream, limit)] = (latest.id, horizon)
            return horizon

    @staticmethod
    def _advance(store: Any, stream: str, limit: int, known: tuple[str, str | None] | None, latest_id: str) -> Any:
        """The horizon moved forward by the entries added since `known`, or _UNKNOWN."""
        if known is None or known[1] is None:
            return _UNKNOWN
        old_latest, old_horizon = known
        if not store.range(stream, old_latest, old_latest, 1):
            return _UNKNOWN  # the stream was replaced (flushed, restored): start over
        arrived = store.range(stream, f"({old_latest}", latest_id, limit + 1)
        if not arrived or len(arrived) > limit:
            return _UNKNOWN
        moved = store.after(stream, old_horizon, len(arrived))
        return moved[-1].id if len(moved) == len(arrived) else _UNKNOWN


_UNKNOWN = object()
_horizon = _Horizon()


def replay_after(*, last_id: str, limit: int) -> Replay:
    """The market-data entries after last_id, oldest first, at most `limit` of them.

    Resync when the gap is not fully in the stream: last_id is older than the first entry (the
    entries in between were trimmed), newer than the last one (the stream was replaced, e.g. a
    Redis restart without persistence), or more than `limit` entries were missed. Each of these is
    decided from ids before any entry is read, so a resume costs at most the entries it replays.
    """
    stream = settings.STREAM_MARKET_DATA
    key = parse_id(last_id)
    store = stream_store()
    latest = store.latest(stream)
    if latest is None:
        return Replay(entries=[], resync=True)
    resync = Replay(entries=[], resync=True, snapshot=SummarySnapshot.from_entry(latest))
    first = store.first_id(stream)
    if first is None or key < parse_id(first) or key > parse_id(latest.id):
        return resync
    if key == parse_id(latest.id):
        return Replay(entries=[], resync=False)
    horizon_id = _horizon.current(store, stream, limit, latest)
    if horizon_id is not None and key < parse_id(horizon_id):
        return resync
    # Entries added since `latest` was read can still push the gap past the limit.
    entries = store.after(stream, last_id, limit + 1)
    if len(entries) > limit:
        return resync
    return Replay(entries=entries, resync=False)


def connections_count() -> int:
    """Open /ws sockets of this host's running web processes (this process's own without multiprocess).

    Exact after a crash too: a dead process's sockets are dropped before the sum (process_metrics).
    """
    path = multiprocess_dir()
    if path is None:
        return int(REGISTRY.get_sample_value(WS_CONNECTIONS_METRIC) or 0)
    registry = multiprocess_registry(path)
    return int(
        sum(
            sample.value
            for metric in registry.collect()
            if metric.name == WS_CONNECTIONS_METRIC
            for sample in metric.samples
        )
    )
