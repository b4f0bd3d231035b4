"""Retention: every entry for a week, then one a minute, then one an hour, then nothing."""

from __future__ import annotations

import pytest

from islands.cache_system.backup import DAY_MS, snapshot_retention_apply, snapshots_store
from islands.cache_system.models import MarketSnapshot
from islands.cache_system.streams import StreamEntry

pytestmark = pytest.mark.django_db
NOW = 1_790_000_000_000


def store_every(*, start_ms: int, count: int, step_ms: int, stream: str = "crypto:market_data") -> None:
    entries = [
        StreamEntry(id=f"{start_ms + n * step_ms}-0", type="dashboard_update", data={"btc_price_usd": float(n)})
        for n in range(count)
    ]
    snapshots_store(stream=stream, entries=entries)


def count_between(low: int, high: int) -> int:
    return MarketSnapshot.objects.filter(ms__gte=low, ms__lt=high).count()


def test_it_thins_each_age_band_to_its_resolution(settings):
    settings.BACKUP_KEEP_ALL_DAYS, settings.BACKUP_KEEP_MINUTELY_DAYS, settings.BACKUP_KEEP_HOURLY_DAYS = 7, 30, 365
    hour = 3_600_000
    recent = NOW - 2 * DAY_MS  # every 10 s: all kept
    minutely = (NOW - 10 * DAY_MS) // hour * hour  # every 10 s: one a minute kept
    hourly = (NOW - 40 * DAY_MS) // hour * hour  # every minute: one an hour kept
    ancient = NOW - 400 * DAY_MS  # deleted
    store_every(start_ms=recent, count=60, step_ms=10_000)
    store_every(start_ms=minutely, count=60, step_ms=10_000)  # 10 minutes
    store_every(start_ms=minutely, count=60, step_ms=10_000, stream="crypto:btc_price")
    store_every(start_ms=hourly, count=180, step_ms=60_000)  # 3 hours
    store_every(start_ms=ancient, count=5, step_ms=60_000)

    deleted = snapshot_retention_apply(now_ms=NOW)

    assert count_between(recent, recent + hour) == 60
    assert (
        MarketSnapshot.objects.filter(stream="crypto:market_data", ms__gte=minutely, ms__lt=minutely + hour).count()
        == 10
    )
    assert MarketSnapshot.objects.filter(stream="crypto:btc_price").count() == 10
    assert count_between(hourly, hourly + 4 * hour) == 3
    assert count_between(0, ancient + hour) == 0
    assert deleted == (60 - 10) * 2 + (180 - 3) + 5
    assert snapshot_retention_apply(now_ms=NOW) == 0


def test_a_kept_row_is_the_first_of_its_minute():
    minute_aligned = (NOW - 10 * DAY_MS) // 60_000 * 60_000
    store_every(start_ms=minute_aligned, count=6, step_ms=10_000)
    snapshot_retention_apply(now_ms=NOW)
    assert list(MarketSnapshot.objects.values_list("ms", flat=True)) == [minute_aligned]


def test_market_tables_are_kept_only_their_hours(settings):
    settings.BACKUP_MARKETS_KEEP_HOURS = 24
    store_every(
        start_ms=NOW - 30 * 3_600_000, count=12 * 60, step_ms=60_000, stream="crypto:markets"
    )  # 30 h to 18 h ago
    store_every(start_ms=NOW - 3_600_000, count=60, step_ms=60_000, stream="crypto:markets")
    store_every(start_ms=NOW - 30 * 3_600_000, count=5, step_ms=60_000)  # summaries of the same age stay

    snapshot_retention_apply(now_ms=NOW)

    markets = MarketSnapshot.objects.filter(stream="crypto:markets")
    assert markets.filter(ms__lt=NOW - 24 * 3_600_000).count() == 0
    assert markets.count() == 6 * 60 + 60
    assert MarketSnapshot.objects.filter(stream="crypto:market_data").count() == 5
