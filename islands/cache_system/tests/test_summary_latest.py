"""The stream-first read helper: L1, then the stream, then one single-flight load."""

import subprocess
import sys
import textwrap

from django.conf import settings

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


def test_the_loader_runs_only_when_the_stream_is_empty():
    calls = []

    def loader():
        calls.append(1)
        return {"btc_price_usd": 3.0}

    loaded = summary_latest(loader=loader)
    assert loaded.data == {"btc_price_usd": 3.0}
    assert stream_store().latest(settings.STREAM_MARKET_DATA).id == loaded.stream_id
    tiered_cache().l1.clear()
    assert summary_latest(loader=loader).stream_id == loaded.stream_id
    assert calls == [1]


def test_a_loader_that_finds_nothing_stores_nothing():
    assert summary_latest(loader=lambda: None) is None
    assert stream_store().length(settings.STREAM_MARKET_DATA) == 0


def test_the_cached_read_sees_what_the_writer_stored():
    entry_id = summary_store(summary={"n": 1})
    tiered_cache().l1.clear()  # another process: only L2 has it
    assert summary_cached().stream_id == entry_id


SINGLE_FLIGHT_SCRIPT = textwrap.dedent(
    """
    import os, threading, time, django
    os.environ["DJANGO_SETTINGS_MODULE"] = "cryptodash.settings"
    django.setup()
    import redis
    from django.conf import settings
    from islands.cache_system.selectors import summary_latest

    counter = redis.Redis.from_url(settings.REDIS_URL)

    def loader():
        counter.incr("test:loader_calls")
        time.sleep(0.5)  # a slow upstream round: every other caller must wait, not load
        return {"btc_price_usd": 42.0}

    counter.incr("test:ready")
    while int(counter.get("test:ready")) < 2:  # start both processes' threads together
        time.sleep(0.005)
    results = []
    threads = [threading.Thread(target=lambda: results.append(summary_latest(loader=loader).stream_id))
               for _ in range(25)]
    for t in threads: t.start()
    for t in threads: t.join()
    print(",".join(sorted(set(results))), len(results))
    """
)


def test_fifty_concurrent_misses_in_two_processes_call_the_loader_once(redis_conn):
    procs = [
        subprocess.Popen([sys.executable, "-c", SINGLE_FLIGHT_SCRIPT], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60)[0].split() for p in procs]

    assert all(p.returncode == 0 for p in procs)
    assert int(redis_conn.get("test:loader_calls")) == 1
    ids = {out[0] for out in outputs}
    assert len(ids) == 1 and "," not in next(iter(ids))  # every caller got the one loaded entry
    assert [out[1] for out in outputs] == ["25", "25"]
    assert redis_conn.xlen(settings.STREAM_MARKET_DATA) == 1
