"""Writes of the stream backup: entries into MarketSnapshot, the streams back from it, retention.

The backup consumer (backup_worker.py) calls `snapshots_store`; `streams_restore` runs when the
stack starts and whenever that consumer finds the streams gone; the retention task thins old rows.
Nothing here reads the tables for display (that is history.py) or decides when to run.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from django.conf import settings
from django.db.models import F, Min, Q

from islands.cache_system.market_schema import number_fields
from islands.cache_system.models import SNAPSHOT_COLUMN_FIELDS, MarketSnapshot
from islands.cache_system.redis_client import redis_client
from islands.cache_system.streams import RedisStreamStore, StreamEntry, parse_id

log = logging.getLogger(__name__)

GROUP = "db_backup"
DAY_MS = 86_400_000
# crypto:btc_price ticks carry their own names for the two BTC fields of the summary.
_BTC_TICK_FIELDS = {"price_usd": "btc_price_usd", "change_24h": "btc_change_24h"}


def backup_streams() -> tuple[str, ...]:
    """The streams the db_backup group copies, summaries first."""
    return (settings.STREAM_MARKET_DATA, settings.STREAM_BTC_PRICE, settings.STREAM_MARKETS)


def _number(value: Any) -> float | None:
    # A field that failed upstream is null in the summary; keep it null, never 0.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _snapshot_row(stream: str, entry: StreamEntry) -> MarketSnapshot:
    ms, seq = parse_id(entry.id)
    data = entry.data
    if stream == settings.STREAM_BTC_PRICE:
        columns = {column: _number(data.get(key)) for key, column in _BTC_TICK_FIELDS.items()}
    elif stream == settings.STREAM_MARKETS:
        columns = {}  # a whole table: kept in `data` for restores, no summary columns
    else:
        columns = {name: _number(data.get(name)) for name in number_fields() if name in SNAPSHOT_COLUMN_FIELDS}
    if columns.get("fng_value") is not None:
        columns["fng_value"] = round(columns["fng_value"])
    return MarketSnapshot(
        stream=stream,
        stream_id=entry.id,
        ms=ms,
        seq=seq,
        time=datetime.fromtimestamp(ms / 1000, tz=UTC),
        v=entry.v,
        type=entry.type,
        data=data,
        **columns,
    )


def snapshots_store(*, stream: str, entries: Sequence[StreamEntry]) -> int:
    """Insert the entries of one stream; ids already stored are skipped. Returns how many were offered.

    Idempotent on (stream, stream_id): PostgreSQL's ON CONFLICT DO NOTHING / SQLite's INSERT OR
    IGNORE, so a batch written again after a crash between the commit and the XACK adds nothing.
    """
    rows = [_snapshot_row(stream, entry) for entry in entries]
    MarketSnapshot.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return len(rows)


@dataclass(frozen=True, slots=True)
class RestoreResult:
    stream: str
    restored: int
    refused: int
    last_id: str | None  # the newest id put back, None when nothing was


def stream_restore(*, stream: str, count: int | None = None) -> RestoreResult:
    """Put the newest `count` stored entries that the stream lacks back into it, with their ids.

    Only rows newer than the stream's last entry qualify, and they go in oldest first with an
    explicit id (XADD <stream> <ms>-<seq>). That cannot duplicate or reorder an entry: Redis
    refuses an explicit id that is not greater than the stream's last id, so an entry that is
    still there, or that a concurrent restore (the setup command and the backup consumer at the
    same time) already put back, is refused and counted, never added twice. If the ingest wrote a
    new summary into the emptied stream first, every stored row is older than it and nothing is
    restored: the history selector then reads those rows from the table instead. The backup side
    is idempotent too, so a restored entry that the db_backup group delivers again adds no row.
    """
    count = settings.BACKUP_RESTORE_COUNT if count is None else count
    maxlen = settings.STREAM_MAXLENS.get(stream, settings.STREAM_MAXLEN)
    count = min(count, maxlen)  # more would be trimmed at once (the market table's large entries)
    store = RedisStreamStore(redis_client(), maxlen=settings.STREAM_MAXLEN, maxlens=settings.STREAM_MAXLENS)
    top = store.latest(stream)
    rows = MarketSnapshot.objects.filter(stream=stream)
    if top is not None:
        top_ms, top_seq = parse_id(top.id)
        rows = rows.filter(Q(ms__gt=top_ms) | Q(ms=top_ms, seq__gt=top_seq))
    newest = list(rows.order_by("-ms", "-seq").values_list("stream_id", "v", "type", "data")[:count])
    restored = refused = 0
    last_id = None
    chunk = 500
    for start in range(len(newest) - 1, -1, -chunk):
        pipe = redis_client().pipeline(transaction=False)
        batch = [newest[i] for i in range(start, max(start - chunk, -1), -1)]
        for stream_id, v, type_, data in batch:
            fields = {"v": v, "type": type_, "data": orjson.dumps(data)}
            pipe.xadd(stream, fields, id=stream_id, maxlen=maxlen, approximate=True)
        for (stream_id, *_), result in zip(batch, pipe.execute(raise_on_error=False), strict=True):
            if isinstance(result, Exception):
                refused += 1
            else:
                restored += 1
                last_id = stream_id
    if restored or refused:
        log.warning(
            "restored %d entries into %s from the database (%d refused as not newer)", restored, stream, refused
        )
    return RestoreResult(stream=stream, restored=restored, refused=refused, last_id=last_id)


def streams_restore(*, count: int | None = None) -> list[RestoreResult]:
    """stream_restore for every backed-up stream."""
    return [stream_restore(stream=stream, count=count) for stream in backup_streams()]


def snapshot_retention_apply(*, now_ms: int | None = None) -> int:
    """Thin the table to the retention settings; returns the number of rows deleted.

    Every row younger than BACKUP_KEEP_ALL_DAYS stays; up to BACKUP_KEEP_MINUTELY_DAYS the first
    row of each stream and minute stays; up to BACKUP_KEEP_HOURLY_DAYS the first of each hour;
    anything older goes. Market tables (crypto:markets, ~50 KB a minute) are kept only
    BACKUP_MARKETS_KEEP_HOURS: enough to restore the stream, which holds six hours of them.
    Running it twice deletes nothing more the second time.
    """
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    all_days = settings.BACKUP_KEEP_ALL_DAYS
    minute_days = max(settings.BACKUP_KEEP_MINUTELY_DAYS, all_days)
    hour_days = max(settings.BACKUP_KEEP_HOURLY_DAYS, minute_days)
    keep_all_from = now_ms - all_days * DAY_MS
    minutely_from = now_ms - minute_days * DAY_MS
    hourly_from = now_ms - hour_days * DAY_MS

    deleted = MarketSnapshot.objects.filter(ms__lt=hourly_from).delete()[0]
    markets_from = now_ms - settings.BACKUP_MARKETS_KEEP_HOURS * 3_600_000
    deleted += MarketSnapshot.objects.filter(stream=settings.STREAM_MARKETS, ms__lt=markets_from).delete()[0]
    for low, high, bucket_ms in ((minutely_from, keep_all_from, 60_000), (hourly_from, minutely_from, 3_600_000)):
        if high <= low:
            continue
        band = MarketSnapshot.objects.filter(ms__gte=low, ms__lt=high)
        # Integer division on both PostgreSQL and SQLite: ms / bucket_ms is the bucket number.
        first_of_bucket = (
            band.annotate(bucket=F("ms") / bucket_ms)
            .values("stream", "bucket")
            .annotate(first=Min("id"))
            .values("first")
        )
        deleted += band.exclude(id__in=first_of_bucket).delete()[0]
    return deleted
