"""Redis going away mid-run: the in-process fallback, the way back, and the replay."""

import time

import pytest
from django.conf import settings

from islands.cache_system.redis_client import redis_clients_reset
from islands.cache_system.selectors import cache_stats, summary_latest
from islands.cache_system.services import summary_store
from islands.cache_system.stores import stores_reset, stream_store
from islands.cache_system.streams import StoreUnavailable


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


@pytest.fixture
def own_redis(redis_server_factory, settings):
    server = redis_server_factory()
    settings.REDIS_URL = server.url
    settings.REDIS_RECONNECT_INTERVAL = 0.1
    stores_reset()
    redis_clients_reset()
    return server


def test_it_switches_to_fallback_and_back_replaying_the_outage(own_redis):
    store = stream_store()
    before = summary_store(summary={"btc_price_usd": 1.0})
    assert store.mode == "redis"

    own_redis.stop()
    during = [summary_store(summary={"btc_price_usd": float(n)}) for n in (2, 3)]
    assert store.mode == "fallback"
    assert cache_stats()["store"]["mode"] == "fallback"
    # Reads keep serving: the newest entry written during the outage.
    assert summary_latest().stream_id == during[-1]
    with pytest.raises(StoreUnavailable):
        store.group_read_many(["s"], "g", "c", count=1, block_ms=10, pending=False)

    own_redis.start()  # same port, empty: Redis lost everything
    wait_for(lambda: store.mode == "redis")

    replayed = store.redis.range(settings.STREAM_MARKET_DATA)
    assert [e.id for e in replayed] == during  # ids kept, so clients can resume from them
    assert [e.data["btc_price_usd"] for e in replayed] == [2.0, 3.0]
    assert before not in [e.id for e in replayed]  # lost with the restart, not by us
    assert store.status()["replayed_entries"] == 2
    assert store.status()["unreplayed_entries"] == 0


def test_a_web_process_keeps_serving_the_last_summary_it_read(own_redis):
    summary_store(summary={"btc_price_usd": 5.0})
    seen = stream_store().latest(settings.STREAM_MARKET_DATA)
    own_redis.stop()

    store = stream_store()
    assert store.latest(settings.STREAM_MARKET_DATA).id == seen.id
    assert store.mode == "fallback"


def test_fallback_ids_continue_after_the_ones_redis_gave(own_redis):
    first = summary_store(summary={"n": 1})
    own_redis.stop()
    second = summary_store(summary={"n": 2})
    assert stream_store().mode == "fallback"
    assert tuple(map(int, second.split("-"))) > tuple(map(int, first.split("-")))
