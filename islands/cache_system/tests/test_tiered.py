"""Tiered cache: per-key TTLs in L1, TTLs honoured from L2 to L1, outages as misses."""

import time

from django.core.cache import caches

from islands.cache_system.services import SUMMARY_CACHE_KEY, summary_store
from islands.cache_system.stores import tiered_cache
from islands.cache_system.tiered import L1Cache


def test_l1_expires_each_key_at_its_own_ttl():
    l1 = L1Cache()
    l1.set("short", "a", 0.2)
    l1.set("long", "b", 5)
    assert (l1.get("short"), l1.get("long")) == ("a", "b")
    time.sleep(0.3)
    assert l1.get("short") is None
    assert l1.get("long") == "b"
    assert (l1.counters.hits, l1.counters.misses) == (3, 1)


def test_l1_evicts_when_full():
    l1 = L1Cache(max_entries=3)
    for n in range(5):
        l1.set(f"k{n}", n, 60)
    assert len(l1) == 3
    assert l1.get("k4") == 4
    assert l1.get("k0") is None


def test_a_value_from_l2_lives_in_l1_only_for_what_is_left_of_its_ttl():
    cache = tiered_cache()
    cache.set("k", {"x": 1}, 1.0)
    time.sleep(0.5)
    cache.l1.clear()

    assert cache.get("k") == {"x": 1}  # from L2
    assert cache.l2_counters.hits == 1
    time.sleep(0.6)  # 1.1 s after the write: expired everywhere, although L1 got it 0.6 s ago
    assert cache.get("k") is None


def test_the_summary_is_cached_for_cache_ttl_realtime(settings):
    settings.CACHE_TTL_REALTIME = 7
    summary_store(summary={"n": 1})
    expires_at, value = caches["default"].get(SUMMARY_CACHE_KEY)
    assert value["data"] == {"n": 1}
    assert 6 < expires_at - time.time() <= 7


def test_an_l2_outage_is_a_miss_not_an_error(redis_server_factory, settings):
    server = redis_server_factory()
    # Django's setting_changed handler rebuilds the cache connections for the new location.
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": server.url}}
    cache = tiered_cache()
    cache.set("k", 1, 60)
    server.stop()
    cache.l1.clear()

    assert cache.get("k") is None
    assert cache.l2_counters.misses == 1
