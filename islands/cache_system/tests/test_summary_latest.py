"""The stream-first read helper: L1, then the stream; nothing stored is None, never a load."""

from islands.cache_system.selectors import summary_cached, summary_latest
from islands.cache_system.services import summary_store
from islands.cache_system.stores import stream_store, tiered_cache


def test_it_returns_none_when_nothing_was_ever_fetched():
    assert summary_latest() is None
    assert summary_cached() is None


def test_it_reads_the_newest_stream_entry_with_its_id_and_age():
    summary_store(summary={"btc_price_usd": 1.0})
    newest = summary_store(summary={"btc_price_usd": 2.0})

    snapshot = summary_latest()
    assert snapshot.stream_id == newest
    assert snapshot.data == {"btc_price_usd": 2.0}
    assert 0 <= snapshot.age_seconds < 60


def test_l1_serves_repeated_reads_without_the_stream(settings):
    settings.SUMMARY_L1_TTL = 60
    summary_store(summary={"n": 1})
    first = summary_latest()
    stream_store().add(settings.STREAM_MARKET_DATA, "dashboard_update", {"n": 2})

    assert summary_latest() is first
    tiered_cache().l1.clear()
    assert summary_latest().data == {"n": 2}


def test_the_cached_read_sees_what_the_writer_stored():
    entry_id = summary_store(summary={"n": 1})
    tiered_cache().l1.clear()  # another process: only L2 has it
    assert summary_cached().stream_id == entry_id


def test_a_redis_restarted_empty_leaves_the_last_known_summary_not_none(settings, redis_conn):
    settings.SUMMARY_L1_TTL = 0  # every read goes to the stream
    stored = summary_store(summary={"n": 1})
    assert summary_latest().stream_id == stored

    redis_conn.flushdb()  # what a restart of a Redis without persistence leaves

    snapshot = summary_latest()
    assert snapshot is not None
    assert snapshot.stream_id == stored
    assert snapshot.data == {"n": 1}
