"""History of one numeric summary field: the table for older entries, the stream for recent ones.

`history_series` merges the MarketSnapshot rows of crypto:market_data with the stream entries
newer than the newest stored row (what the backup consumer has not written yet, or everything
when the backup has never run), and averages them into at most MAX_POINTS time buckets. The
table side is aggregated in SQL, so a 30-day range never loads its rows into Python.

A read-only selector: it never writes either store. A database outage leaves the stream part.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Avg, Count, F, FloatField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from islands.cache_system.market_schema import number_fields
from islands.cache_system.models import SNAPSHOT_COLUMN_FIELDS, MarketSnapshot
from islands.cache_system.stores import stream_store
from islands.cache_system.streams import parse_id

log = logging.getLogger(__name__)

HISTORY_RANGES: dict[str, int] = {"1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000}


def history_fields() -> tuple[str, ...]:
    """The fields a history can be asked for: the summary's numbers (market_schema)."""
    return number_fields()


MAX_POINTS = 500


class HistoryQueryError(ValueError):
    """A field or range outside the allow-lists; the message says which values are valid."""


@dataclass(frozen=True, slots=True)
class HistorySeries:
    field: str
    range: str
    start_ms: int
    end_ms: int
    bucket_ms: int
    points: list[tuple[int, float]]  # (epoch ms, value), oldest first
    table_entries: int | None  # None: the database could not be read
    stream_entries: int
    latest_ms: int | None  # newest entry in either store, in range or not; None: no data ever
    table_error: str | None = None


def _bucket_ms(span_ms: int) -> int:
    # Buckets are aligned to the epoch; span / (MAX_POINTS - 1) per bucket means the range
    # touches at most MAX_POINTS of them, whatever `now` is.
    return math.ceil(span_ms / (MAX_POINTS - 1))


def _number_of(field: str) -> F | Cast:
    """The column of a field kept as one; else the number inside the stored entry's `data`."""
    if field in SNAPSHOT_COLUMN_FIELDS:
        return F(field)
    return Cast(KT(f"data__{field}"), FloatField())


def history_series(*, field: str, range_: str, now_ms: int | None = None) -> HistorySeries:
    """Averaged points of `field` over the last `range_` (1h, 24h, 7d, 30d), at most MAX_POINTS.

    Raises HistoryQueryError for a field not in history_fields() or a range not in HISTORY_RANGES.
    """
    fields = history_fields()
    if field not in fields:
        raise HistoryQueryError(f"unknown field {field[:64]!r}; one of: {', '.join(fields)}")
    if range_ not in HISTORY_RANGES:
        raise HistoryQueryError(f"unknown range {range_[:64]!r}; one of: {', '.join(HISTORY_RANGES)}")
    end_ms = int(time.time() * 1000) if now_ms is None else now_ms
    start_ms = end_ms - HISTORY_RANGES[range_]
    bucket_ms = _bucket_ms(HISTORY_RANGES[range_])
    stream = settings.STREAM_MARKET_DATA
    # bucket -> [sum of ms, sum of values, count]
    buckets: dict[int, list[float]] = {}

    table_entries: int | None = 0
    table_error = None
    stored_top: tuple[int, int] | None = None
    try:
        stored_top = (
            MarketSnapshot.objects.filter(stream=stream).order_by("-ms", "-seq").values_list("ms", "seq").first()
        )
        if stored_top is not None:
            rows = (
                MarketSnapshot.objects.filter(stream=stream, ms__gte=start_ms, ms__lte=end_ms)
                .annotate(number=_number_of(field))
                .exclude(number__isnull=True)
                .annotate(bucket=F("ms") / bucket_ms)
                .values("bucket")
                .annotate(at=Avg("ms"), value=Avg("number"), n=Count("id"))
                .values_list("bucket", "at", "value", "n")
            )
            for bucket, at, value, n in rows:
                buckets[bucket] = [at * n, value * n, n]
                table_entries += n
    except DatabaseError as exc:
        log.warning("history: database unavailable, serving the stream part only: %s", exc)
        table_entries, table_error, stored_top = None, f"{exc.__class__.__name__}: {exc}", None

    # The stream supplies what is newer than the newest stored row (the backup's lag), or the
    # whole range when nothing in it is stored.
    if stored_top is not None and stored_top[0] >= start_ms:
        low = f"({stored_top[0]}-{stored_top[1]}"
    else:
        low = f"{start_ms}-0"
    entries = stream_store().range(stream, low, str(end_ms))
    latest = stream_store().latest(stream)
    stream_top_ms = parse_id(latest.id)[0] if latest is not None else None
    stream_entries = 0
    for entry in entries:
        value = entry.data.get(field)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            continue
        ms = entry.ms
        acc = buckets.setdefault(ms // bucket_ms, [0.0, 0.0, 0])
        acc[0] += ms
        acc[1] += value
        acc[2] += 1
        stream_entries += 1

    points = [(round(s_ms / n), s_v / n) for _, (s_ms, s_v, n) in sorted(buckets.items())]
    known = [ms for ms in (stored_top[0] if stored_top else None, stream_top_ms) if ms is not None]
    return HistorySeries(
        field=field,
        range=range_,
        start_ms=start_ms,
        end_ms=end_ms,
        bucket_ms=bucket_ms,
        points=points,
        table_entries=table_entries,
        stream_entries=stream_entries,
        latest_ms=max(known) if known else None,
        table_error=table_error,
    )
