"""Redis loses its data (FLUSHALL): the streams come back from the database with their ids."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command

from islands.cache_system.backup import GROUP, stream_restore
from islands.cache_system.backup_worker import backup_consumer
from islands.cache_system.history import history_series
from islands.cache_system.models import MarketSnapshot
from islands.cache_system.selectors import summary_latest
from islands.cache_system.services import btc_price_store, summary_store
from islands.cache_system.stores import stores_reset
from islands.cache_system.tests.history_data import summary_at

pytestmark = pytest.mark.django_db
MARKET = "crypto:market_data"


def backed_up_entries(n: int) -> list[str]:
    ids = [summary_store(summary=summary_at(i=i)) for i in range(n)]
    btc_price_store(price_usd=97_000.0, change_24h=0.1, last_updated="now")
    backup_consumer(consumer="backup-a", block_ms=10).step()
    assert MarketSnapshot.objects.filter(stream=MARKET).count() == n
    return ids


def stream_ids(redis_conn, stream: str = MARKET) -> list[str]:
    return [entry_id.decode() for entry_id, _ in redis_conn.xrange(stream)]


def test_after_flushall_restore_brings_back_the_last_summary_with_its_id(redis_conn):
    ids = backed_up_entries(30)
    redis_conn.flushall()
    stores_reset()
    assert summary_latest() is None

    call_command("restore_streams", count=20)

    assert stream_ids(redis_conn) == ids[-20:]
    snapshot = summary_latest()
    assert snapshot.stream_id == ids[-1]
    assert snapshot.data == summary_at(i=29)
    assert redis_conn.xlen(settings.STREAM_BTC_PRICE) == 1


def test_history_is_continuous_across_the_loss(redis_conn):
    ids = backed_up_entries(40)
    before = history_series(field="btc_price_usd", range_="1h")
    redis_conn.flushall()
    stores_reset()
    stream_restore(stream=MARKET, count=10)
    newer = [summary_store(summary=summary_at(i=i)) for i in range(40, 45)]

    after = history_series(field="btc_price_usd", range_="1h")
    # Every entry is counted exactly once: 40 from the table, the 5 not yet backed up from the stream.
    assert after.table_entries == 40
    assert after.stream_entries == 5
    assert sum(1 for _ in ids + newer) == after.table_entries + after.stream_entries
    assert after.points[: len(before.points)][:-1] == before.points[:-1]
    assert after.points[-1][1] > before.points[-1][1]


def test_restoring_twice_adds_nothing_the_second_time(redis_conn):
    ids = backed_up_entries(12)
    redis_conn.flushall()
    first = stream_restore(stream=MARKET, count=100)
    second = stream_restore(stream=MARKET, count=100)

    assert (first.restored, first.last_id) == (12, ids[-1])
    assert second.restored == 0
    assert stream_ids(redis_conn) == ids


def test_an_intact_stream_gets_nothing_added(redis_conn):
    ids = backed_up_entries(5)
    result = stream_restore(stream=MARKET, count=100)
    assert (result.restored, result.refused) == (0, 0)
    assert stream_ids(redis_conn) == ids


def test_when_the_ingest_wrote_first_old_entries_stay_in_the_table_not_out_of_order(redis_conn):
    backed_up_entries(8)
    redis_conn.flushall()
    stores_reset()
    fresh = summary_store(summary=summary_at(i=100))

    assert stream_restore(stream=MARKET, count=100).restored == 0
    assert stream_ids(redis_conn) == [fresh]
    series = history_series(field="btc_price_usd", range_="1h")
    assert (series.table_entries, series.stream_entries) == (8, 1)


def test_the_backup_consumer_notices_the_loss_and_restores_without_storing_twice(redis_conn):
    ids = backed_up_entries(15)
    worker = backup_consumer(consumer="backup-a", block_ms=10, restore_count=50)
    worker.step()
    redis_conn.flushall()

    assert worker.step() == 0  # NOGROUP: the next round restores the streams and re-creates the group
    worker.step()
    later = summary_store(summary=summary_at(i=15))
    worker.step()

    assert stream_ids(redis_conn) == [*ids, later]
    assert MarketSnapshot.objects.filter(stream=MARKET).count() == 16
    group = next(g for g in redis_conn.xinfo_groups(MARKET) if g["name"].decode() == GROUP)
    assert group["pending"] == 0
    assert group["last-delivered-id"].decode() == later
