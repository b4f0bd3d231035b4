"""Reads of the market data: the top-N table, the display currencies' rates, the candles.

Pages and APIs call these; they read what the beat jobs stored (stream crypto:markets, the
ingest records, the latest summary) and never call an upstream. An unknown is None with its
reason and age, never a made-up number. Like summary_latest(), each read is kept in this
process's L1 for SUMMARY_L1_TTL, so a hot page costs no Redis round trip.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from islands.cache_system.market_schema import (
    CANDLE_INTERVALS,
    coin_by_coingecko_id,
    fx_currencies,
    live_prices,
    tracked_coins,
)
from islands.cache_system.selectors import ingest_records, summary_latest
from islands.cache_system.services import CANDLES_RECORD, MARKETS_SPARKLINES_RECORD, MARKETS_STATUS_RECORD
from islands.cache_system.stores import stream_store, tiered_cache
from islands.cache_system.streams import StreamEntry, parse_id

MARKETS_L1_KEY = "markets:latest"
CANDLES_L1_KEY = "candles:{coin_id}:{interval}"


class UnknownCandles(ValueError):
    """A coin that has no candles (not tracked) or an interval that is not kept; says which."""


def _rfc3339(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _epoch(stream_id: str) -> float:
    return parse_id(stream_id)[0] / 1000


@dataclass(frozen=True, slots=True)
class MarketsSnapshot:
    """The newest market table. `coins` is empty (and `reason` says why) when none was stored.

    Each coin: rank, id, symbol, name, image (CoinGecko's URL: copy, never hotlink), price_usd,
    price_source ("live" = the tracked coin's price from the summary's price feed, else
    "markets"), market_cap, volume_24h, change_1h, change_24h, change_7d (percent), high_24h,
    low_24h, circulating_supply, total_supply, max_supply, ath, ath_date, ath_change_percentage,
    last_updated (CoinGecko's), sparkline_7d (list of prices, oldest first, or None), tracked.
    """

    coins: list[dict[str, Any]]
    stream_id: str | None
    updated_at: str | None  # when the table was fetched (RFC 3339 UTC)
    stored_at: float | None  # epoch seconds the entry entered the stream
    stale: bool
    reason: str | None  # why stale, or why there is no table
    offline: bool = False  # read while Redis did not answer

    @property
    def age_s(self) -> float | None:
        return None if self.stored_at is None else max(0.0, round(time.time() - self.stored_at, 1))

    def coin(self, coin_id: str) -> dict[str, Any] | None:
        return next((row for row in self.coins if row.get("id") == coin_id), None)


def _markets_stale_reason(status: dict[str, Any] | None, stored_at: float, now: float) -> str | None:
    if status and status.get("status") not in (None, "ok"):
        error = status.get("error") or status["status"]
        return f"coingecko: {status['status']} — {error}" if error != status["status"] else f"coingecko: {error}"
    limit = 2 * settings.INGEST_INTERVAL_MARKETS + settings.UPSTREAM_FETCH_BUDGET
    age = now - stored_at
    if age > limit:
        return f"no new market table for {round(age)} s"
    return None


def _live_prices() -> dict[str, float]:
    """coingecko id -> a tracked coin's fresh price from the latest summary (market_schema.live_prices)."""
    snapshot = summary_latest()
    return live_prices(snapshot.data) if snapshot is not None else {}


def markets_latest() -> MarketsSnapshot:
    """The newest market table with its stream id, fetch time, age and staleness (never None)."""
    l1 = tiered_cache().l1
    cached = l1.get(MARKETS_L1_KEY)
    if cached is not None:
        return cached
    status = ingest_records(names=[MARKETS_STATUS_RECORD])[MARKETS_STATUS_RECORD]
    store = stream_store()
    offline = store.mode == "fallback"
    built = _table_built
    if built is None or status is None or status.get("stream_id") != built.stream_id or offline:
        # A new table (or no way to tell): read it and its sparklines (~200 KB), once per entry.
        entry = store.latest(settings.STREAM_MARKETS)
        offline = store.mode == "fallback"
        if entry is None:
            reason = "no market table has been fetched yet"
            if status and status.get("error"):
                reason += f" (coingecko: {status.get('status')} — {status['error']})"
            return MarketsSnapshot(
                coins=[], stream_id=None, updated_at=None, stored_at=None, stale=True, reason=reason, offline=offline
            )
        built = _table_build(entry)
    reason = _markets_stale_reason(status, _epoch(built.stream_id), time.time())
    if offline:
        reason = reason or "Redis not answering: the newest table this process knows"
    live = _live_prices()
    coins = []
    for row in built.coins:
        price = live.get(row.get("id"))
        coins.append(row if price is None else {**row, "price_usd": price, "price_source": "live"})
    snapshot = MarketsSnapshot(
        coins=coins,
        stream_id=built.stream_id,
        updated_at=built.fetched_at,
        stored_at=_epoch(built.stream_id),
        stale=reason is not None,
        reason=reason,
        offline=offline,
    )
    if not offline:
        l1.set(MARKETS_L1_KEY, snapshot, settings.SUMMARY_L1_TTL)
    return snapshot


@dataclass(frozen=True, slots=True)
class _TableBuilt:
    stream_id: str
    fetched_at: str | None
    coins: list[dict[str, Any]]


# The rows of the newest entry with their sparklines, built once per entry in this process: a
# read then costs one small status record while the table has not changed (bench/market_read.py).
_table_built: _TableBuilt | None = None


def _table_build(entry: StreamEntry) -> _TableBuilt:
    global _table_built  # noqa: PLW0603 - replaced whole, read without a lock
    record = ingest_records(names=[MARKETS_SPARKLINES_RECORD])[MARKETS_SPARKLINES_RECORD] or {}
    sparklines = record.get("by_id") or {}
    tracked = {coin.coingecko_id for coin in tracked_coins()}
    coins = [
        {**row, "sparkline_7d": sparklines.get(row.get("id")), "tracked": row.get("id") in tracked}
        for row in entry.data.get("coins") or []
        if isinstance(row, dict)
    ]
    built = _TableBuilt(stream_id=entry.id, fetched_at=entry.data.get("fetched_at"), coins=coins)
    if entry.data.get("coins") is not None and sparklines:
        _table_built = built
    return built


def market_coin(*, coin_id: str) -> dict[str, Any] | None:
    """One coin's row of the newest market table (None: not in the top N, or no table yet)."""
    return markets_latest().coin(coin_id)


@dataclass(frozen=True, slots=True)
class FxRates:
    """USD → each display currency (`rates["vnd"]` dong per dollar); None when unknown."""

    rates: dict[str, float | None]
    updated_at: str | None  # when the rates were fetched
    age_s: float | None
    reason: str | None  # why some rate is unknown, or why they are old

    def rate(self, currency: str) -> float | None:
        """1.0 for usd; None for an unknown rate or currency."""
        return 1.0 if currency == "usd" else self.rates.get(currency)


def fx_rates() -> FxRates:
    """The display currencies' rates as the latest summary carries them (`fx`), aged to now."""
    snapshot = summary_latest()
    fx = snapshot.data.get("fx") if snapshot is not None else None
    currencies = fx_currencies()
    if not isinstance(fx, dict):
        reason = "no summary yet" if snapshot is None else "no rates in the latest summary"
        return FxRates(rates=dict.fromkeys(currencies), updated_at=None, age_s=None, reason=reason)
    rates = {}
    for currency in currencies:
        value = fx.get(currency)
        rates[currency] = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    updated_at = fx.get("updated_at") if isinstance(fx.get("updated_at"), str) else None
    age = None
    if isinstance(fx.get("age_s"), int | float) and snapshot is not None:
        # The summary says how old the rates were when it was built; it was built stored_at.
        age = round(fx["age_s"] + snapshot.age_seconds, 1)
    reason = fx.get("reason") if isinstance(fx.get("reason"), str) else None
    if reason is None and any(value is None for value in rates.values()):
        reason = "rate unknown"
    return FxRates(rates=rates, updated_at=updated_at, age_s=age, reason=reason)


@dataclass(frozen=True, slots=True)
class Candles:
    """OHLC candles of one coin and interval, oldest first: rows of [open time (epoch ms), open,
    high, low, close, volume]. Empty rows with `reason` when none were stored."""

    coin_id: str
    interval: str
    rows: list[list[float]] = field(default_factory=list)
    updated_at: str | None = None  # when they were last fetched
    age_s: float | None = None
    stale: bool = False
    reason: str | None = None  # why empty, or why stale (the last fetch failed)
    source: str | None = None


def candles_latest(*, coin_id: str, interval: str) -> Candles:
    """The stored candles of a tracked coin (CoinGecko id) at `interval` (1h, 4h, 1d).

    Raises UnknownCandles when the coin is not tracked or the interval not kept (the message
    names what is valid): a 404/400 for the caller, never a fetch.
    """
    if interval not in CANDLE_INTERVALS:
        raise UnknownCandles(f"unknown interval {interval[:16]!r}; one of: {', '.join(CANDLE_INTERVALS)}")
    if coin_by_coingecko_id(coin_id) is None:
        tracked = ", ".join(coin.coingecko_id for coin in tracked_coins())
        raise UnknownCandles(f"no candles for {coin_id[:64]!r}; candles are kept for: {tracked}")
    l1 = tiered_cache().l1
    key = CANDLES_L1_KEY.format(coin_id=coin_id, interval=interval)
    cached = l1.get(key)
    if cached is not None:
        return cached
    name = CANDLES_RECORD.format(coin_id=coin_id, interval=interval)
    record = ingest_records(names=[name])[name]
    if record is None:
        return Candles(coin_id=coin_id, interval=interval, reason="no candles fetched yet")
    updated = record.get("updated_at")
    age = None if not isinstance(updated, int | float) else max(0.0, round(time.time() - updated, 1))
    error = record.get("error")
    limit = 2 * CANDLE_INTERVALS[interval].refresh_s + settings.INGEST_INTERVAL_CANDLES
    reason = error or (f"no candle update for {round(age)} s" if age is not None and age > limit else None)
    rows = [row for row in record.get("rows") or [] if isinstance(row, list) and len(row) == 6]
    candles = Candles(
        coin_id=coin_id,
        interval=interval,
        rows=rows,
        updated_at=_rfc3339(updated) if isinstance(updated, int | float) else None,
        age_s=age,
        stale=reason is not None and bool(rows),
        reason=reason if rows else (reason or "no candles fetched yet"),
        source=record.get("source"),
    )
    l1.set(key, candles, settings.SUMMARY_L1_TTL)
    return candles
