"""The backup keeps exchange ticks downsampled: the first tick of each coin in each minute, once."""

from __future__ import annotations

import pytest
from django.conf import settings

from islands.cache_system.backup import snapshots_store, streams_restore
from islands.cache_system.backup_worker import backup_consumer
from islands.cache_system.models import MarketSnapshot
from islands.cache_system.stores import stream_store

pytestmark = pytest.mark.django_db

MINUTE = 60_000
# Far enough in the future that MINID trimming by the ingest's clock never touches these.
START = 4_000_000_020_000 // MINUTE * MINUTE


def write_ticks(redis_conn, seconds: int, per_second: int = 4) -> list[str]:
    """Ticks of btc and eth every 1/per_second s (one entry per burst), with explicit ids."""
    ids = []
    for n in range(seconds * per_second):
        ms = START + n * 1000 // per_second
        data = {
            "source": "binance_ws",
            "ticks": {
                "btc": {"price_usd": 60_000.0 + n, "change_24h": 1.0, "t": ms - 5},
                "eth": {"price_usd": 3_000.0 + n, "change_24h": None, "t": ms - 5},
            },
        }
        ids.append(stream_store().redis.add(settings.STREAM_TICKS, "ticks", data, entry_id=f"{ms}-0"))
    return ids


def rows(coin: str) -> list[tuple[int, float | None]]:
    return list(
        MarketSnapshot.objects.filter(stream=f"crypto:ticks:{coin}")
        .order_by("ms")
        .values_list("ms", f"{coin}_price_usd")
    )


def test_one_row_per_coin_and_minute_however_many_ticks(redis_conn):
    write_ticks(redis_conn, seconds=150)  # 600 entries over three minutes
    consumer = backup_consumer(consumer="backup-test", batch=50, block_ms=10)
    while consumer.step():
        pass
    # The first tick of each minute: n = 0, 240 (60 s x 4), 480.
    assert rows("btc") == [(START, 60_000.0), (START + MINUTE, 60_240.0), (START + 2 * MINUTE, 60_480.0)]
    assert rows("eth") == [(START, 3_000.0), (START + MINUTE, 3_240.0), (START + 2 * MINUTE, 3_480.0)]
    first = MarketSnapshot.objects.get(stream="crypto:ticks:btc", ms=START)
    assert first.data == {
        "price_usd": 60_000.0,
        "change_24h": 1.0,
        "t": START - 5,
        "source": "binance_ws",
        "stream_id": f"{START}-0",
    }
    assert MarketSnapshot.objects.filter(stream__startswith="crypto:ticks").count() == 6


def test_a_batch_stored_again_adds_nothing_and_ticks_are_never_restored_into_the_stream(redis_conn):
    write_ticks(redis_conn, seconds=70)
    entries = stream_store().redis.range(settings.STREAM_TICKS)
    snapshots_store(stream=settings.STREAM_TICKS, entries=entries[:250])
    # Delivered again (a crash before the XACK), with later ticks of the same minute: ignored.
    snapshots_store(stream=settings.STREAM_TICKS, entries=entries[200:])
    assert rows("btc") == [(START, 60_000.0), (START + MINUTE, 60_240.0)]
    redis_conn.delete(settings.STREAM_TICKS)
    assert all(result.restored == 0 for result in streams_restore())
    assert redis_conn.xlen(settings.STREAM_TICKS) == 0
