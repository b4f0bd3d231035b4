"""The backup consumer killed at the worst moments: no entry lost, none stored twice."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count

from islands.cache_system import backup_worker
from islands.cache_system.backup import GROUP
from islands.cache_system.backup_worker import backup_consumer
from islands.cache_system.models import MarketSnapshot
from islands.cache_system.services import btc_price_store, summary_store
from islands.cache_system.tests.history_data import summary_at

pytestmark = pytest.mark.django_db


class Killed(BaseException):
    """Stands in for SIGKILL: nothing after the raising line runs, no handler catches it."""


def kill(*args, **kwargs):
    raise Killed


def write_entries(n: int) -> list[str]:
    ids = [summary_store(summary=summary_at(i=i)) for i in range(n)]
    ids += [btc_price_store(price_usd=97_000.0 + i, change_24h=0.5, last_updated="now") for i in range(n)]
    return ids


def stored_ids() -> list[str]:
    return list(MarketSnapshot.objects.values_list("stream_id", flat=True))


def assert_each_id_once(ids: list[str]) -> None:
    duplicates = MarketSnapshot.objects.values("stream", "stream_id").annotate(n=Count("id")).filter(n__gt=1)
    assert list(duplicates) == []
    assert sorted(stored_ids()) == sorted(ids)


def pending(redis_conn, stream: str) -> int:
    return redis_conn.xpending(stream, GROUP)["pending"]


def test_it_stores_every_entry_of_both_streams_and_acknowledges_them(redis_conn):
    ids = write_entries(5)
    worker = backup_consumer(consumer="backup-a", block_ms=10)
    assert worker.step() == 10

    assert_each_id_once(ids)
    row = MarketSnapshot.objects.get(stream=settings.STREAM_MARKET_DATA, stream_id=ids[4])
    assert row.btc_price_usd == 97_004.0
    assert row.fng_value == 64
    assert row.data["us_stock_indices"]["SPY"]["price"] == 600.1
    tick = MarketSnapshot.objects.filter(stream=settings.STREAM_BTC_PRICE).first()
    assert tick.btc_price_usd == 97_004.0
    assert tick.eth_price_usd is None
    assert pending(redis_conn, settings.STREAM_MARKET_DATA) == pending(redis_conn, settings.STREAM_BTC_PRICE) == 0


def test_it_keeps_failed_fields_null_never_zero():
    summary_store(summary={**summary_at(i=1), "eth_price_usd": None, "fng_value": "n/a"})
    backup_consumer(consumer="backup-a", block_ms=10).step()
    row = MarketSnapshot.objects.get()
    assert row.eth_price_usd is None
    assert row.fng_value is None
    assert row.btc_price_usd == 97_001.0


def test_killed_between_insert_and_xack_the_restarted_consumer_stores_each_id_exactly_once(redis_conn, monkeypatch):
    ids = write_entries(6)
    first = backup_consumer(consumer="backup-a", block_ms=10)
    monkeypatch.setattr(first.store, "group_ack", kill)
    with pytest.raises(Killed):
        first.step()
    # The insert committed, the XACK never happened: every entry is still pending.
    assert len(stored_ids()) > 0
    assert pending(redis_conn, settings.STREAM_MARKET_DATA) == 6

    restarted = backup_consumer(consumer="backup-a", block_ms=10)
    restarted.step()  # reads its own pending entries first, writes them again, acknowledges

    assert_each_id_once(ids)
    assert pending(redis_conn, settings.STREAM_MARKET_DATA) == pending(redis_conn, settings.STREAM_BTC_PRICE) == 0


def test_killed_between_insert_and_xack_another_consumer_claims_the_entries_once(redis_conn, monkeypatch):
    ids = write_entries(4)
    dead = backup_consumer(consumer="backup-dead", block_ms=10)
    monkeypatch.setattr(dead.store, "group_ack", kill)
    with pytest.raises(Killed):
        dead.step()

    time.sleep(0.15)
    other = backup_consumer(consumer="backup-b", block_ms=10, claim_idle_ms=100)
    other.step()

    assert_each_id_once(ids)
    assert pending(redis_conn, settings.STREAM_MARKET_DATA) == pending(redis_conn, settings.STREAM_BTC_PRICE) == 0


def test_killed_before_the_insert_nothing_is_lost(redis_conn, monkeypatch):
    ids = write_entries(5)
    first = backup_consumer(consumer="backup-a", block_ms=10)
    monkeypatch.setattr(backup_worker, "snapshots_store", kill)
    with pytest.raises(Killed):
        first.step()
    monkeypatch.undo()
    assert stored_ids() == []

    later = summary_store(summary=summary_at(i=99))
    restarted = backup_consumer(consumer="backup-a", block_ms=10)
    while restarted.step():  # its own pending entries first, then the new one
        pass

    assert_each_id_once([*ids, later])


def test_a_database_error_rolls_back_the_batch_and_leaves_it_pending(redis_conn, monkeypatch):
    ids = write_entries(3)
    worker = backup_consumer(consumer="backup-a", block_ms=10)

    def fail(**kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr(backup_worker, "snapshots_store", fail)
    with pytest.raises(DatabaseError):
        worker.step()
    assert pending(redis_conn, settings.STREAM_MARKET_DATA) == 3
    monkeypatch.undo()

    worker.ready = False  # what run() does after an error: start again from the pending list
    worker.step()
    assert_each_id_once(ids)
