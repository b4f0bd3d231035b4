"""Writes of the market data: the top-N table (CoinGecko /coins/markets → stream crypto:markets)
and the tracked coins' candles (Binance /klines → one ingest record per coin and interval).

Run by beat jobs only (tasks.py), never by a request. Each call goes through the source's guard
(resilience.source_guard: the Retry-After cooldown, the breaker and the global quota shared by
every process), so the markets call spends the same CoinGecko quota as /global and the price
fallback. A failed fetch never removes what is stored: the last table stays, marked stale by
the status record that says why; candles keep their last rows with the error beside them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings

from islands.cache_system.coordination import SharedLock
from islands.cache_system.errors import REDIS_DOWN_ERRORS
from islands.cache_system.market_schema import CANDLE_INTERVALS, live_prices, tracked_coins
from islands.cache_system.selectors import ingest_records, summary_latest
from islands.cache_system.services import (
    CANDLES_RECORD,
    MARKETS_SPARKLINES_RECORD,
    MARKETS_STATUS_RECORD,
    ingest_record_store,
    markets_store,
)
from islands.external_apis.clients.base import Deadline
from islands.external_apis.clock import rfc3339
from islands.external_apis.errors import UpstreamError
from islands.external_apis.feeds import upstream_client
from islands.external_apis.resilience import BreakerOpen, QuotaExhausted, SkippedByCooldown, source_guard

log = logging.getLogger(__name__)

MARKETS_LOCK = "cryptodash:lock:markets"
CANDLES_LOCK = "cryptodash:lock:candles"
# Status and candles outlive any outage a page would still show them through.
RECORD_TTL = 7 * 24 * 3600.0


@contextmanager
def _job_lock(name: str) -> Iterator[bool]:
    """The shared lock of one job: yields whether this run may go on (False: another run holds
    it). Without Redis the job runs unlocked: its guard refuses every call anyway."""
    lock: SharedLock | None
    try:
        lock = SharedLock(name, timeout=settings.CELERY_TASK_TIME_LIMIT)
        acquired = lock.acquire()
    except REDIS_DOWN_ERRORS:
        lock, acquired = None, True
    try:
        yield acquired
    finally:
        if lock is not None and acquired and not lock.release():
            log.warning("lock %s expired before the job ended", name)


# --- the market table ---------------------------------------------------------------------------
def _markets_status(previous: dict | None, error: UpstreamError | None, now: float) -> dict[str, Any]:
    previous = previous or {}
    # stream_id: the table the last success appended (readers reuse their copy while it stands).
    record: dict[str, Any] = {
        "attempt_at": now,
        "success_at": previous.get("success_at"),
        "stream_id": previous.get("stream_id"),
    }
    if error is None:
        record.update(status="ok", error=None, success_at=now, retry_after_s=None)
    elif isinstance(error, QuotaExhausted | SkippedByCooldown) and previous.get("status") == "rate_limited":
        # Nothing was sent: the upstream's own 429 (and its reason) still stands.
        record.update(status="rate_limited", error=previous.get("error"), retry_after_s=error.retry_after)
    else:
        record.update(status=error.status, error=error.reason, retry_after_s=getattr(error, "retry_after", None))
    return record


def markets_refresh() -> str | None:
    """Fetch the top MARKET_TOP_N coins and append the table to crypto:markets; the new entry's
    id, or None when nothing was appended (another run busy, or the fetch failed: the status
    record says why and the last table stays)."""
    with _job_lock(MARKETS_LOCK) as acquired:
        if not acquired:
            log.info("markets: another run is fetching; skipped")
            return None
        return _markets_fetch_and_store()


def _with_live_prices(coins: list[dict]) -> list[dict]:
    """The tracked coins show the summary's price (Binance, CoinGecko's simple/price as fallback)
    while it is fresh, so the table, its live frames and the tiles agree; `price_source` says
    which a row shows ("live" or "markets")."""
    snapshot = summary_latest()
    live = live_prices(snapshot.data) if snapshot is not None else {}
    rows = []
    for row in coins:
        price = live.get(row["id"])
        rows.append(
            {**row, "price_usd": price, "price_source": "live"} if price else {**row, "price_source": "markets"}
        )
    return rows


def _markets_fetch_and_store() -> str | None:
    previous = ingest_records(names=[MARKETS_STATUS_RECORD])[MARKETS_STATUS_RECORD]
    deadline = Deadline(settings.UPSTREAM_FETCH_BUDGET)
    top_n = settings.MARKET_TOP_N
    try:
        client = upstream_client("coingecko")
        table = source_guard("coingecko").call(
            lambda d: client.coins_markets(top_n=top_n, deadline=d), deadline=deadline
        )
    except UpstreamError as exc:
        now = time.time()
        ingest_record_store(name=MARKETS_STATUS_RECORD, record=_markets_status(previous, exc, now), ttl=RECORD_TTL)
        log.warning("markets: coingecko %s: %s", exc.status, exc.reason)
        return None
    now = time.time()
    if table.skipped:
        log.info("markets: %d rows without an id or a price left out", table.skipped)
    ingest_record_store(name=MARKETS_SPARKLINES_RECORD, record={"at": now, "by_id": table.sparklines}, ttl=RECORD_TTL)
    entry_id = markets_store(
        table={
            "coins": _with_live_prices(table.coins),
            "fetched_at": rfc3339(now),
            # Always ok in the stream: a failed fetch appends nothing (the status record says why).
            "source": {"name": "coingecko", "status": "ok", "error": None},
            "top_n": top_n,
        }
    )
    status = {**_markets_status(previous, None, now), "stream_id": entry_id}
    ingest_record_store(name=MARKETS_STATUS_RECORD, record=status, ttl=RECORD_TTL)
    return entry_id


# --- candles ------------------------------------------------------------------------------------
def _candles_due(now: float) -> list[tuple[str, str, str]]:
    """(coingecko id, binance symbol, interval) whose last attempt is older than its period."""
    wanted = [(c.coingecko_id, c.binance_symbol, i) for c in tracked_coins() for i in CANDLE_INTERVALS]
    names = [CANDLES_RECORD.format(coin_id=coin_id, interval=interval) for coin_id, _s, interval in wanted]
    stored = ingest_records(names=names)
    due = []
    for (coin_id, symbol, interval), name in zip(wanted, names, strict=True):
        record = stored[name]
        # A little slack so a beat tick that lands a hair early still counts.
        if record is None or now - record.get("attempt_at", 0) >= CANDLE_INTERVALS[interval].refresh_s - 1:
            due.append((coin_id, symbol, interval))
    return due


def candles_refresh(*, force: bool = False) -> dict[str, int]:
    """Fetch the candles of each tracked coin and interval that are due (all when `force`);
    returns {"fetched", "failed", "skipped"} counts. A quota or cooldown stops the run: the
    rest are due again next time."""
    counts = {"fetched": 0, "failed": 0, "skipped": 0}
    with _job_lock(CANDLES_LOCK) as acquired:
        if not acquired:
            log.info("candles: another run is fetching; skipped")
            return counts
        now = time.time()
        due = (
            [(c.coingecko_id, c.binance_symbol, i) for c in tracked_coins() for i in CANDLE_INTERVALS]
            if force
            else _candles_due(now)
        )
        deadline = Deadline(settings.UPSTREAM_FETCH_BUDGET)
        for index, (coin_id, symbol, interval) in enumerate(due):
            outcome = _candles_fetch_one(coin_id, symbol, interval, deadline)
            if outcome == "stop":
                counts["skipped"] += len(due) - index
                break
            counts[outcome] += 1
        return counts


def _candles_fetch_one(coin_id: str, symbol: str, interval: str, deadline: Deadline) -> str:
    name = CANDLES_RECORD.format(coin_id=coin_id, interval=interval)
    limit = CANDLE_INTERVALS[interval].limit
    try:
        client = upstream_client("binance")
        candles = source_guard("binance").call(
            lambda d: client.klines(symbol=symbol, interval=interval, limit=limit, deadline=d), deadline=deadline
        )
    except (QuotaExhausted, SkippedByCooldown, BreakerOpen) as exc:
        # Nothing was sent and nothing will be this run: the rest stay due for the next one.
        log.info("candles %s %s not fetched: %s", symbol, interval, exc.reason)
        return "stop"
    except UpstreamError as exc:
        previous = ingest_records(names=[name])[name] or {}
        record = {**previous, "attempt_at": time.time(), "error": f"binance: {exc.status} — {exc.reason}"}
        record.setdefault("rows", [])
        ingest_record_store(name=name, record=record, ttl=RECORD_TTL)
        log.warning("candles %s %s: binance %s: %s", symbol, interval, exc.status, exc.reason)
        return "failed"
    now = time.time()
    rows = [[c.open_time_ms, c.open, c.high, c.low, c.close, c.volume] for c in candles]
    record = {"rows": rows, "updated_at": now, "attempt_at": now, "source": "binance", "error": None}
    ingest_record_store(name=name, record=record, ttl=RECORD_TTL)
    return "fetched"
