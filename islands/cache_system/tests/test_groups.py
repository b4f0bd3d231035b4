"""Consumer groups on a real Redis: pending-first reads, XACK, XAUTOCLAIM of a dead consumer's work."""

import time

from islands.cache_system.redis_client import redis_client
from islands.cache_system.streams import RedisStreamStore, StreamEntry

STREAM, GROUP = "crypto:market_data", "websocket_broadcast"


def make_store() -> RedisStreamStore:
    store = RedisStreamStore(redis_client(), maxlen=10_000)
    store.group_ensure(STREAM, GROUP)
    return store


def read(store: RedisStreamStore, consumer: str, *, count: int, pending: bool) -> list[StreamEntry]:
    """One XREADGROUP on the one stream, as the relay and the backup writer make it."""
    pairs = store.group_read_many(
        [STREAM], GROUP, consumer, count=count, block_ms=None if pending else 100, pending=pending
    )
    assert {stream for stream, _entry in pairs} <= {STREAM}
    return [entry for _stream, entry in pairs]


def test_group_creation_is_idempotent():
    store = make_store()
    store.group_ensure(STREAM, GROUP)
    assert [g["name"] for g in store.group_info(STREAM)] == [GROUP]


def test_a_restarted_consumer_reads_its_own_pending_entries_first():
    store = make_store()
    ids = [store.add(STREAM, "dashboard_update", {"n": n}) for n in range(3)]
    first = read(store, "relay-1", count=10, pending=False)
    assert [e.id for e in first] == ids

    # "relay-1" restarts without having acknowledged anything.
    again = read(store, "relay-1", count=10, pending=True)
    assert [e.id for e in again] == ids
    store.group_ack(STREAM, GROUP, ids)
    assert read(store, "relay-1", count=10, pending=True) == []
    assert store.group_info(STREAM)[0]["pending"] == 0


def test_a_dead_consumers_entries_are_taken_over_and_processed_once():
    store = make_store()
    ids = [store.add(STREAM, "dashboard_update", {"n": n}) for n in range(20)]
    # "relay-a" reads ten entries and dies before XACK.
    taken_by_dead = read(store, "relay-a", count=10, pending=False)
    assert len(taken_by_dead) == 10

    processed: list[str] = []
    time.sleep(0.15)
    for entry in store.group_autoclaim(STREAM, GROUP, "relay-b", min_idle_ms=100, count=100):
        processed.append(entry.id)
        store.group_ack(STREAM, GROUP, [entry.id])
    for entry in read(store, "relay-b", count=100, pending=False):
        processed.append(entry.id)
        store.group_ack(STREAM, GROUP, [entry.id])
    # Nothing is left for anyone: a second claim and the dead consumer's pending list are empty.
    assert store.group_autoclaim(STREAM, GROUP, "relay-c", min_idle_ms=0, count=100) == []
    assert read(store, "relay-a", count=100, pending=True) == []

    assert sorted(processed) == sorted(ids)
    assert len(processed) == len(set(processed))
    assert store.group_info(STREAM)[0]["pending"] == 0
    assert store.group_info(STREAM)[0]["lag"] == 0


def test_entries_younger_than_the_idle_threshold_are_not_claimed():
    store = make_store()
    store.add(STREAM, "dashboard_update", {"n": 1})
    read(store, "relay-a", count=10, pending=False)
    assert store.group_autoclaim(STREAM, GROUP, "relay-b", min_idle_ms=60_000, count=10) == []


def test_entries_trimmed_while_pending_are_acknowledged_not_returned(redis_conn):
    store = make_store()
    store.add(STREAM, "dashboard_update", {"n": 1})
    read(store, "relay-a", count=10, pending=False)
    redis_conn.xtrim(STREAM, maxlen=0)

    assert read(store, "relay-a", count=10, pending=True) == []
    assert store.group_info(STREAM)[0]["pending"] == 0


def test_group_lag_counts_entries_not_yet_delivered():
    store = make_store()
    for n in range(4):
        store.add(STREAM, "dashboard_update", {"n": n})
    read(store, "relay-a", count=1, pending=False)
    info = store.group_info(STREAM)[0]
    assert (info["lag"], info["pending"]) == (3, 1)
