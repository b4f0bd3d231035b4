"""Reads of the markets island: the newest market table with the rates to show it in, and candles.

Everything comes through cache_system's market selectors (the markets stream's newest entry, the
summary's `fx`, the candles beat stores); nothing here calls an upstream. A MarketsView is the
table in USD with its stream id and staleness, plus the USD rates it can be shown in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from islands.cache_system.market_selectors import (
    Candles,
    FxRates,
    MarketsSnapshot,
    UnknownCandles,
    candles_latest,
    fx_rates,
    markets_latest,
)

__all__ = ["Candles", "MarketsView", "UnknownCandles", "candles_of", "markets_version", "markets_view"]


@dataclass(frozen=True, slots=True)
class MarketsView:
    """The newest market table (rows in USD with the API's field names) and the current rates."""

    snapshot: MarketsSnapshot
    fx: FxRates

    @property
    def rows(self) -> list[dict[str, Any]]:
        return self.snapshot.coins

    @property
    def stream_id(self) -> str:
        return self.snapshot.stream_id or ""

    @property
    def stored_at(self) -> float:
        return self.snapshot.stored_at or 0.0

    @property
    def updated_at(self) -> str:
        """When CoinGecko answered (RFC 3339 UTC); the entry's own time when it does not say."""
        return self.snapshot.updated_at or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.stored_at))

    @property
    def reason(self) -> str | None:
        """Why the table is stale (its source failed, no new one for a while, Redis not answering)."""
        return self.snapshot.reason

    def is_stale(self) -> bool:
        return self.snapshot.stale

    def coin(self, coin_id: str) -> dict[str, Any] | None:
        return self.snapshot.coin(coin_id)


def markets_view() -> MarketsView | None:
    """The newest market table with the current rates; None before the first table was stored."""
    snapshot = markets_latest()
    if snapshot.stream_id is None:
        return None
    return MarketsView(snapshot=snapshot, fx=fx_rates())


def rates_now() -> FxRates:
    """The rates alone (a coin page for a tracked coin can exist before the first table)."""
    return fx_rates()


def markets_version() -> tuple[str, bool]:
    """What the pages showing the table are a function of: its stream id and whether it is stale."""
    snapshot = markets_latest()
    return (snapshot.stream_id or "", snapshot.stale)


def candles_of(*, coin_id: str, interval: str) -> Candles:
    """A tracked coin's stored candles; raises UnknownCandles for another coin or interval."""
    return candles_latest(coin_id=coin_id, interval=interval)
