"""history_series: bounds of each range, the merge of table and stream, downsampling, bad input."""

from __future__ import annotations

import itertools
import time

import pytest
from django.conf import settings
from django.db import OperationalError

from islands.cache_system import history
from islands.cache_system.backup import snapshots_store
from islands.cache_system.history import HISTORY_RANGES, MAX_POINTS, HistoryQueryError, history_series
from islands.cache_system.redis_client import redis_client
from islands.cache_system.streams import RedisStreamStore, StreamEntry
from islands.cache_system.tests.history_data import demo_history_write, summary_at

pytestmark = pytest.mark.django_db
NOW = 1_790_000_000_000
MIN = 60_000


def entry(ms: int, btc: float | None) -> StreamEntry:
    return StreamEntry(id=f"{ms}-0", type="dashboard_update", data={**summary_at(i=0), "btc_price_usd": btc})


def test_it_refuses_fields_outside_the_allow_list():
    with pytest.raises(HistoryQueryError, match="unknown field 'data_sources'"):
        history_series(field="data_sources", range_="24h")
    with pytest.raises(HistoryQueryError, match="unknown field"):
        history_series(field="btc_price_usd;drop table", range_="24h")


def test_it_refuses_ranges_outside_the_allow_list():
    with pytest.raises(HistoryQueryError, match="unknown range '2h'; one of: 1h, 24h, 7d, 30d"):
        history_series(field="btc_price_usd", range_="2h")


def test_it_returns_no_points_and_no_latest_when_nothing_was_stored():
    series = history_series(field="btc_price_usd", range_="1h", now_ms=NOW)
    assert series.points == []
    assert series.latest_ms is None
    assert (series.table_entries, series.stream_entries) == (0, 0)


def test_entries_outside_the_range_are_left_out():
    snapshots_store(
        stream=settings.STREAM_MARKET_DATA,
        entries=[entry(NOW - 61 * MIN, 1.0), entry(NOW - 59 * MIN, 2.0), entry(NOW - MIN, 3.0), entry(NOW + MIN, 9.0)],
    )
    series = history_series(field="btc_price_usd", range_="1h", now_ms=NOW)
    assert [value for _, value in series.points] == [2.0, 3.0]
    assert all(series.start_ms <= ms <= series.end_ms for ms, _ in series.points)
    assert series.latest_ms == NOW + MIN


def test_the_stream_supplies_only_what_the_table_lacks():
    stored = [entry(NOW - n * MIN, float(n)) for n in range(50, 10, -1)]
    snapshots_store(stream=settings.STREAM_MARKET_DATA, entries=stored)
    store = RedisStreamStore(redis_client(), maxlen=10_000)
    # The stream still holds the newest stored entries (backed up, not trimmed) and five newer ones.
    for e in [*stored[-5:], *(entry(NOW - n * MIN, float(n)) for n in range(10, 5, -1))]:
        store.add(settings.STREAM_MARKET_DATA, e.type, e.data, entry_id=e.id)

    series = history_series(field="btc_price_usd", range_="1h", now_ms=NOW)
    assert (series.table_entries, series.stream_entries) == (40, 5)
    assert [v for _, v in series.points] == [float(n) for n in range(50, 5, -1)]


def test_null_fields_are_skipped_not_drawn_as_zero():
    snapshots_store(
        stream=settings.STREAM_MARKET_DATA,
        entries=[entry(NOW - 3 * MIN, 5.0), entry(NOW - 2 * MIN, None), entry(NOW - MIN, 7.0)],
    )
    series = history_series(field="btc_price_usd", range_="1h", now_ms=NOW)
    assert [v for _, v in series.points] == [5.0, 7.0]


@pytest.mark.parametrize("range_", list(HISTORY_RANGES))
def test_every_range_is_downsampled_to_at_most_max_points(range_):
    span_h = HISTORY_RANGES[range_] / 3_600_000
    # Twice as many entries as points, so every range must average.
    demo_history_write(hours=span_h, every_s=span_h * 3600 / (MAX_POINTS * 2), now_ms=NOW, stream_tail_s=span_h * 360)
    series = history_series(field="btc_price_usd", range_=range_, now_ms=NOW)

    # Buckets never finer than the price cadence: 1 h holds 360 of 10 s, the longer ranges MAX_POINTS.
    full = min(MAX_POINTS, HISTORY_RANGES[range_] // history._bucket_ms(HISTORY_RANGES[range_]))
    assert 0 < len(series.points) <= MAX_POINTS
    assert len(series.points) >= full - 2
    assert series.table_entries + series.stream_entries == MAX_POINTS * 2
    assert series.stream_entries > 0
    times = [ms for ms, _ in series.points]
    assert times == sorted(times)
    assert series.start_ms <= times[0] and times[-1] <= series.end_ms


def test_averages_stay_within_the_values_they_average():
    demo_history_write(hours=24, every_s=60, now_ms=NOW)
    series = history_series(field="btc_price_usd", range_="24h", now_ms=NOW)
    values = [v for _, v in series.points]
    assert 50_000 < min(values) <= max(values) < 200_000
    assert series.bucket_ms * (MAX_POINTS - 1) >= HISTORY_RANGES["24h"]


def test_it_defaults_to_now():
    store = RedisStreamStore(redis_client(), maxlen=10_000)
    store.add(settings.STREAM_MARKET_DATA, "dashboard_update", summary_at(i=1))
    series = history_series(field="fng_value", range_="1h")
    assert abs(series.end_ms - time.time() * 1000) < 60_000
    assert [v for _, v in series.points] == [61.0]


def test_a_database_outage_leaves_the_stream_part_and_says_why(monkeypatch):
    store = RedisStreamStore(redis_client(), maxlen=10_000)
    store.add(settings.STREAM_MARKET_DATA, "dashboard_update", summary_at(i=5))

    def unreachable(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(history.MarketSnapshot.objects, "filter", unreachable)
    series = history_series(field="btc_price_usd", range_="1h")
    assert series.table_entries is None
    assert series.table_error == "OperationalError: connection refused"
    assert [v for _, v in series.points] == [97_005.0]


def test_an_hour_of_10_s_data_fills_every_bucket(settings):
    # 1 h / 499 would be 7.2 s slots: every third one empty for data that comes every 10 s.
    settings.INGEST_INTERVALS = {**settings.INGEST_INTERVALS, "prices": 10.0}
    demo_history_write(hours=1, every_s=10, now_ms=NOW)
    series = history_series(field="btc_price_usd", range_="1h", now_ms=NOW)
    assert series.bucket_ms == 10_000
    times = [ms for ms, _ in series.points]
    assert len(times) >= 359
    assert max(b - a for a, b in itertools.pairwise(times)) <= 2 * series.bucket_ms
