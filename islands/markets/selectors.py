"""Reads of the markets island: the newest market table, exchange rates and candles, as its pages need them.

Everything comes from Redis through the data side's selectors (the markets stream's newest entry,
the stored exchange rates, the candles beat keeps); nothing here calls an upstream. A MarketsView
is the table in USD with its stream id, its source's state and the USD rates it can be shown in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings

from islands.cache_system.selectors import summary_latest
from islands.cache_system.stores import stream_store, tiered_cache
from islands.cache_system.streams import StreamEntry

MARKETS_L1_KEY = "markets:view"


@dataclass(frozen=True, slots=True)
class MarketsView:
    """The newest markets entry: rows in USD with the API's field names, oldest-first nothing."""

    stream_id: str
    rows: list[dict[str, Any]]
    fx: dict[str, Any] | None = None
    fetched_at: str | None = None
    source_status: str | None = None
    source_error: str | None = None
    offline: bool = False
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def stored_at(self) -> float:
        """Epoch seconds at which the entry entered the stream (from its id)."""
        return int(self.stream_id.split("-", 1)[0]) / 1000

    @property
    def updated_at(self) -> str:
        """When CoinGecko answered (RFC 3339 UTC); the entry's own time when it does not say."""
        if self.fetched_at:
            return self.fetched_at
        moment = time.gmtime(self.stored_at)
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", moment)

    def is_stale(self, *, now: float | None = None) -> bool:
        """No new table for MARKETS_STALE_AFTER, read while Redis did not answer, or its source failed."""
        age = (now if now is not None else time.time()) - self.stored_at
        return self.offline or age > settings.MARKETS_STALE_AFTER or self.source_status not in (None, "ok")

    def coin(self, coin_id: str) -> dict[str, Any] | None:
        return self.by_id.get(coin_id)


def _view_from_entry(entry: StreamEntry, *, offline: bool) -> MarketsView:
    data = entry.data if isinstance(entry.data, dict) else {}
    rows = [row for row in data.get("coins") or [] if isinstance(row, dict) and row.get("id")]
    source = data.get("source") if isinstance(data.get("source"), dict) else {}
    return MarketsView(
        stream_id=entry.id,
        rows=rows,
        fetched_at=data.get("fetched_at"),
        source_status=source.get("status"),
        source_error=source.get("error"),
        offline=offline,
        by_id={row["id"]: row for row in rows},
    )


def _fx_now() -> dict[str, Any] | None:
    """The summary's `fx` ({"vnd": rate, "eur": rate, "age_s": n}) with its age brought to now."""
    snapshot = summary_latest()
    fx = snapshot.data.get("fx") if snapshot is not None else None
    if not isinstance(fx, dict):
        return None
    age = fx.get("age_s")
    if isinstance(age, int | float) and not isinstance(age, bool):
        fx = {**fx, "age_s": age + snapshot.age_seconds}
    return fx


def markets_view() -> MarketsView | None:
    """The newest market table with the current rates; None before the first fetch.

    Kept in this process's L1 for SUMMARY_L1_TTL (as the summary is), so a page render, the API
    and the page cache's version look-up share one stream read per second.
    """
    l1 = tiered_cache().l1
    view = l1.get(MARKETS_L1_KEY)
    if view is None:
        store = stream_store()
        entry = store.latest(settings.STREAM_MARKETS)
        if entry is None:
            return None
        view = _view_from_entry(entry, offline=store.mode == "fallback")
        l1.set(MARKETS_L1_KEY, view, settings.SUMMARY_L1_TTL)
    return replace(view, fx=_fx_now())


def markets_version() -> tuple[str, bool]:
    """What the pages showing the table are a function of: its stream id and whether it is stale."""
    view = markets_view()
    if view is None:
        return ("", False)
    return (view.stream_id, view.is_stale())
