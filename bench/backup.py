"""Stream -> database backup throughput, beside the raw XADD rate, measured in one run.

Prints entries/s for:
  raw XADD (one client writing summaries, the ingest's path; the baseline)
  backup drain (the db_backup consumer emptying a backlog of N entries, batch insert + XACK)
  backup under load (a producer process XADDs as fast as it can while the consumer runs:
    what the consumer sustains, and the lag it has left when the producer stops)
Uses REDIS_URL or an embedded redis-server, and DATABASE_URL (PostgreSQL is the point; SQLite
works too). It writes only to the streams bench:market_data / bench:btc_price and their rows,
and deletes both at the end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python -m bench.backup [--entries 20000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import random
import threading
import time

import django
import orjson
import redis
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from bench.cache_read import synthetic_summary
from cryptodash.stack.redis_server import redis_for
from islands.cache_system.redis_client import redis_client
from islands.cache_system.streams import RedisStreamStore

STREAMS = ("bench:market_data", "bench:btc_price")


def produce(url: str, stream: str, seconds: float, counter) -> None:
    """Child process: XADD summaries as fast as one client can for `seconds`."""
    client = redis.Redis.from_url(url)
    payload = orjson.dumps(synthetic_summary(random.Random(2)))
    deadline = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < deadline:
        client.xadd(stream, {"v": "1", "type": "dashboard_update", "data": payload}, maxlen=1_000_000, approximate=True)
        n += 1
    counter.value = n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20_000, help="backlog size for the drain (default 20000)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the run under load (default 10)")
    parser.add_argument("--batch", type=int, default=500, help="consumer batch size (default 500)")
    args = parser.parse_args()

    with redis_for("bench") as url:
        os.environ["REDIS_URL"] = url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cryptodash.settings")
        django.setup()
        # Models can only be imported once Django is set up, which must wait for the Redis URL.
        from islands.cache_system.backup_worker import backup_consumer  # noqa: PLC0415 - needs django.setup()
        from islands.cache_system.models import MarketSnapshot  # noqa: PLC0415 - needs django.setup()

        call_command("migrate", verbosity=0)
        settings.STREAM_MAXLEN = 1_000_000  # nothing of the run may be trimmed away before it is stored
        client = redis_client()
        store = RedisStreamStore(client, maxlen=settings.STREAM_MAXLEN)
        market = STREAMS[0]

        def clean() -> None:
            client.delete(*STREAMS)
            MarketSnapshot.objects.filter(stream__in=STREAMS).delete()

        clean()
        rng = random.Random(1)
        summaries = [synthetic_summary(rng) for _ in range(100)]
        version = connection.pg_version if connection.vendor == "postgresql" else ""
        print(f"# {platform.node()} {os.cpu_count()} CPUs, {connection.vendor} {version}")
        print(f"# batch {args.batch}, backlog {args.entries}, run under load {args.seconds:.0f} s")

        # 1. Baseline: raw XADD, one client, the ingest's own path (RedisStreamStore.add).
        start = time.perf_counter()
        for i in range(args.entries):
            store.add(market, "dashboard_update", summaries[i % 100])
        xadd_rate = args.entries / (time.perf_counter() - start)
        print(f"raw XADD (baseline)         {xadd_rate:10.0f} entries/s")

        # 2. The consumer drains that backlog.
        worker = backup_consumer(consumer="bench", streams=STREAMS, batch=args.batch, block_ms=50)
        worker.prepare()  # creates the group at the stream's start; nothing restored (the table is empty)
        start = time.perf_counter()
        while worker.handled < args.entries:
            worker.step()
        drain_rate = worker.handled / (time.perf_counter() - start)
        stored = MarketSnapshot.objects.filter(stream=market).count()
        share = drain_rate / xadd_rate
        print(f"backup drain                {drain_rate:10.0f} entries/s   ({stored} rows, {share:.0%} of raw XADD)")

        # 3. Under load: a producer process at full speed, the consumer beside it.
        fork = multiprocessing.get_context("fork")
        counter = fork.Value("l", 0)
        connection.close()  # the child must not share the parent's database socket
        producer = fork.Process(target=produce, args=(url, market, args.seconds, counter))
        saved_before = worker.handled
        stop = threading.Event()
        consumer = threading.Thread(target=worker.run, args=(stop,))
        producer.start()
        start = time.perf_counter()
        consumer.start()
        producer.join()
        elapsed = time.perf_counter() - start
        during = worker.handled - saved_before
        lag_at_end = counter.value - during
        while worker.handled - saved_before < counter.value and time.perf_counter() - start < 120:
            time.sleep(0.05)
        stop.set()
        consumer.join()
        total = time.perf_counter() - start
        produced_rate = counter.value / elapsed
        print(f"producer under load         {produced_rate:10.0f} entries/s   ({counter.value} in {elapsed:.1f} s)")
        print(
            f"backup under load           {during / elapsed:10.0f} entries/s   "
            f"(lag when the producer stopped: {lag_at_end}, caught up after {total:.1f} s)"
        )
        rows = MarketSnapshot.objects.filter(stream=market).count()
        pending = client.xpending(market, "db_backup")["pending"]
        print(f"rows stored {rows}, entries written {args.entries + counter.value}, pending {pending}")
        clean()


if __name__ == "__main__":
    main()
