"""Stream store on a real Redis: entry shape, reads, trimming."""

from django.conf import settings

from islands.cache_system.redis_client import redis_client
from islands.cache_system.streams import RedisStreamStore


def make_store(maxlen: int = 1000) -> RedisStreamStore:
    return RedisStreamStore(redis_client(), maxlen=maxlen)


def test_it_writes_entries_with_version_type_and_json_data(redis_conn):
    store = make_store()
    entry_id = store.add("crypto:market_data", "dashboard_update", {"btc_price_usd": 91234.5, "fng_value": None})

    ((raw_id, fields),) = redis_conn.xrange("crypto:market_data")
    assert raw_id.decode() == entry_id
    assert fields == {b"v": b"1", b"type": b"dashboard_update", b"data": b'{"btc_price_usd":91234.5,"fng_value":null}'}


def test_it_reads_the_latest_entry():
    store = make_store()
    assert store.latest("s") is None
    store.add("s", "t", {"n": 1})
    last_id = store.add("s", "t", {"n": 2})

    latest = store.latest("s")
    assert (latest.id, latest.data, latest.type, latest.v) == (last_id, {"n": 2}, "t", "1")


def test_it_reads_entries_strictly_after_an_id_in_order():
    store = make_store()
    ids = [store.add("s", "t", {"n": n}) for n in range(5)]

    after = store.after("s", ids[1], count=10)
    assert [e.id for e in after] == ids[2:]
    assert [e.data["n"] for e in store.after("s", ids[1], count=2)] == [2, 3]
    assert store.after("s", ids[-1], count=10) == []


def test_it_keeps_xlen_near_maxlen_under_sustained_xadd(redis_conn):
    store = make_store(maxlen=500)
    lengths = []
    for n in range(5_000):
        store.add("s", "t", {"n": n})
        if n % 250 == 249:
            lengths.append(redis_conn.xlen("s"))

    # MAXLEN ~ trims whole radix-tree nodes (100 entries each by default), never below MAXLEN.
    assert all(500 <= length <= 600 for length in lengths[2:]), lengths
    assert store.latest("s").data == {"n": 4_999}


def test_the_configured_maxlen_holds_a_day_of_summaries():
    assert settings.STREAM_MAXLEN >= 24 * 3600 / 10
