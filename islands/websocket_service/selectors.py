"""Reads of the websocket_service island: the snapshot a socket starts from, and resume replays.

Reads go through cache_system's stream store (Redis, or its in-memory fallback); nothing here
writes or talks to the channel layer. The functions are synchronous: async callers run them in a
thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.conf import settings
from prometheus_client import REGISTRY, CollectorRegistry, multiprocess

from islands.cache_system.selectors import SummarySnapshot
from islands.cache_system.stores import stream_store
from islands.cache_system.streams import StreamEntry, parse_id
from islands.websocket_service.metrics import WS_CONNECTIONS_METRIC


@dataclass(frozen=True, slots=True)
class Replay:
    """The entries after a client's last id, or resync=True when they cannot all be replayed."""

    entries: list[StreamEntry]
    resync: bool


def snapshot_latest() -> SummarySnapshot | None:
    """The newest summary, straight from the stream (XREVRANGE + - COUNT 1).

    Not summary_latest(): its L1 copy may be up to SUMMARY_L1_TTL behind the stream, and a socket's
    snapshot must not be older than live frames the hub already dropped as "before your snapshot".
    """
    entry = stream_store().latest(settings.STREAM_MARKET_DATA)
    return SummarySnapshot.from_entry(entry) if entry is not None else None


def replay_after(*, last_id: str, limit: int) -> Replay:
    """The market-data entries after last_id, oldest first, at most `limit` of them.

    Resync when the gap is not fully in the stream: last_id is older than the first entry (the
    entries in between were trimmed), newer than the last one (the stream was replaced, e.g. a
    Redis restart without persistence), or more than `limit` entries were missed.
    """
    stream = settings.STREAM_MARKET_DATA
    key = parse_id(last_id)
    store = stream_store()
    first = store.first_id(stream)
    if first is None or key < parse_id(first):
        return Replay(entries=[], resync=True)
    entries = store.after(stream, last_id, limit + 1)
    if len(entries) > limit:
        return Replay(entries=[], resync=True)
    if not entries:
        latest = store.latest(stream)
        if latest is None or key > parse_id(latest.id):
            return Replay(entries=[], resync=True)
    return Replay(entries=entries, resync=False)


def connections_count() -> int:
    """Open /ws sockets of this host's live web processes (this process's own without multiprocess)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return int(REGISTRY.get_sample_value(WS_CONNECTIONS_METRIC) or 0)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return int(
        sum(
            sample.value
            for metric in registry.collect()
            if metric.name == WS_CONNECTIONS_METRIC
            for sample in metric.samples
        )
    )
