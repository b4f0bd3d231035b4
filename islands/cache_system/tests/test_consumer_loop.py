"""The shared consumer-group loop on a real Redis: the guarantees the relay, the backup and any
later group (alerts) build on."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
import redis

from islands.cache_system.consumer_loop import Batch, ConsumerLoop
from islands.cache_system.redis_client import redis_clients_reset
from islands.cache_system.stores import stores_reset

GROUP = "test_group"
STREAMS = ["test:a", "test:b"]


class Recorder:
    """A handler that keeps every batch it was given (as stream ids), and can misbehave."""

    def __init__(self, redis_conn: redis.Redis | None = None) -> None:
        self.batches: list[list[str]] = []
        self.pending_seen: list[int] = []
        self.fail = False
        self.redis_conn = redis_conn

    def __call__(self, batch: Batch) -> None:
        if self.redis_conn is not None:
            self.pending_seen.append(sum(self.redis_conn.xpending(s, GROUP)["pending"] for s in STREAMS))
        if self.fail:
            raise RuntimeError("handler failed")
        self.batches.append([entry.id for _, entry in batch])

    @property
    def ids(self) -> list[str]:
        return [i for batch in self.batches for i in batch]


def add(redis_conn: redis.Redis, n: int, stream: str = STREAMS[0]) -> list[str]:
    return [redis_conn.xadd(stream, {"v": "1", "type": "t", "data": b'{"n": %d}' % i}).decode() for i in range(n)]


def consumer(handler, name: str = "c-1", **kwargs) -> ConsumerLoop:
    kwargs.setdefault("block_ms", 10)
    return ConsumerLoop(group=GROUP, consumer=name, streams=STREAMS, handler=handler, start_id=lambda s: "0", **kwargs)


def pending_of(redis_conn: redis.Redis, name: str) -> int:
    return sum(
        int(row["pending"])
        for stream in STREAMS
        for row in redis_conn.xinfo_consumers(stream, GROUP)
        if row["name"].decode() == name
    )


def test_it_creates_the_group_and_the_streams_and_acknowledges_after_the_handler(redis_conn):
    ids = add(redis_conn, 3)
    handler = Recorder(redis_conn)
    loop = consumer(handler)

    assert loop.step() == 3
    assert handler.ids == ids
    assert handler.pending_seen == [3]  # still pending while the handler ran
    assert pending_of(redis_conn, "c-1") == 0
    assert redis_conn.exists(STREAMS[1])  # MKSTREAM: the group exists on the empty stream too


def test_a_failing_handler_leaves_the_batch_pending_and_the_next_life_reads_it_first(redis_conn):
    ids = add(redis_conn, 3)
    handler = Recorder()
    handler.fail = True
    with pytest.raises(RuntimeError):
        consumer(handler).step()
    assert pending_of(redis_conn, "c-1") == 3

    newer = add(redis_conn, 2)
    handler.fail = False
    restarted = consumer(handler, batch=10)
    assert restarted.step() == 3  # its own pending entries, before anything new
    assert restarted.step() == 2
    assert handler.batches == [ids, newer]
    assert pending_of(redis_conn, "c-1") == 0


def test_entries_left_by_a_dead_consumer_are_claimed_once_idle(redis_conn):
    ids = add(redis_conn, 4)
    dead = consumer(Recorder(), name="c-dead")
    dead.prepare()
    dead.store.group_read_many(STREAMS, GROUP, "c-dead", count=10, block_ms=None, pending=False)  # then killed
    assert pending_of(redis_conn, "c-dead") == 4

    handler = Recorder()
    other = consumer(handler, name="c-2", claim_idle_ms=50)
    time.sleep(0.1)
    assert other.step() == 4
    assert handler.ids == ids
    assert pending_of(redis_conn, "c-dead") == pending_of(redis_conn, "c-2") == 0
    assert other.step() == 0  # nothing is delivered twice


def test_a_lost_group_is_created_again_without_backing_off(redis_conn):
    handler = Recorder()
    loop = consumer(handler)
    assert loop.step() == 0
    redis_conn.flushall()  # Redis restarted empty (or a failover lost the XGROUP CREATE)

    assert loop.step() == 0  # NOGROUP: noted, not raised
    later = add(redis_conn, 1)
    loop.step()  # the group is created again (from "0": the entry written meanwhile is kept)
    assert handler.ids == later
    assert {g["name"].decode() for g in redis_conn.xinfo_groups(STREAMS[0])} == {GROUP}


def test_a_second_nogroup_in_a_row_is_raised_so_run_backs_off(redis_conn):
    loop = consumer(Recorder())
    loop.step()
    redis_conn.flushall()
    assert loop.step() == 0

    def group_lost_again(stream: str) -> str:
        raise redis.exceptions.ResponseError("NOGROUP lost again while it was being created")

    loop.start_id = group_lost_again
    with pytest.raises(redis.exceptions.ResponseError, match="NOGROUP"):
        loop.step()


class RecordingStop(threading.Event):
    """A stop flag that remembers how long the loop asked to wait each time it backed off."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        return super().wait(timeout)


def test_a_redis_outage_backs_off_with_capped_jittered_pauses_and_the_loop_carries_on(
    settings, redis_server_factory, caplog
):
    server = redis_server_factory()
    settings.REDIS_URL = server.url
    redis_clients_reset()
    stores_reset()
    conn = redis.Redis.from_url(server.url)
    handler = Recorder()
    loop = consumer(handler, backoff_max_s=0.5)
    stop = RecordingStop()
    runner = threading.Thread(target=loop.run, args=(stop,))
    runner.start()
    try:
        first = add(conn, 1)
        assert wait_until(lambda: handler.ids == first)
        server.stop()
        assert wait_until(lambda: len(stop.waits) >= 4)
        assert runner.is_alive()
        server.start()  # empty: the group comes back with the next round
        second = add(conn, 1)
        assert wait_until(lambda: handler.ids == [*first, *second])
    finally:
        stop.set()
        runner.join(timeout=10)
    assert not runner.is_alive()
    for n, waited in enumerate(stop.waits[:4], start=1):
        ceiling = min(0.5, 0.25 * 2 ** (n - 1))
        assert ceiling / 2 <= waited <= ceiling
    assert "Traceback" not in caplog.text  # an outage is a WARNING line, not an exception log
    conn.close()


def wait_until(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_backoff_doubles_up_to_the_cap_with_jitter():
    loop = consumer(Recorder(), backoff_max_s=4.0)
    for failures, ceiling in [(1, 0.25), (2, 0.5), (3, 1.0), (5, 4.0), (30, 4.0)]:
        delays = [loop.backoff_delay(failures) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1  # jittered: consumers that failed together retry apart


def test_sigterm_mid_batch_finishes_and_acknowledges_that_batch_then_run_returns(redis_conn):
    ids = add(redis_conn, 5)
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    handler = Recorder()

    def handle_then_get_terminated(batch: Batch) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # arrives while the batch is being handled
        handler(batch)

    try:
        loop = consumer(handle_then_get_terminated, batch=2)
        loop.run(stop)
    finally:
        signal.signal(signal.SIGTERM, previous)

    assert handler.ids == ids[:2]  # the batch under way was finished, no later one started
    assert pending_of(redis_conn, "c-1") == 0
    assert len(redis_conn.xrange(STREAMS[0], "(" + ids[1], "+")) == 3  # the rest waits for the next run


def test_a_block_at_or_above_the_socket_timeout_is_refused(settings):
    settings.REDIS_SOCKET_TIMEOUT = 1.0
    with pytest.raises(ValueError, match="redis-py#3138"):
        consumer(Recorder(), block_ms=1000)
