"""The page cache's latency observations are added up in memory and written once a second, with
the same buckets, count and sum as observing each one."""

from __future__ import annotations

import asyncio
import uuid

from prometheus_client import CollectorRegistry, Histogram

from islands.health_system.metrics import HistogramBatch

BUCKETS = (0.001, 0.01, 0.1)
SECONDS = [0.0004, 0.001, 0.002, 0.05, 0.1, 0.3, 7.0, 0.0009]


def _samples(registry: CollectorRegistry) -> dict[str, float]:
    # Keyed without the metric's own (unique) name, so two histograms compare.
    return {
        sample.name.split("_", 2)[2] + str(sorted(sample.labels.items())): sample.value
        for metric in registry.collect()
        for sample in metric.samples
        if not sample.name.endswith("_created")
    }


def _histogram(registry: CollectorRegistry) -> Histogram:
    # A name of its own: in multiprocess mode values are stored by name and labels, shared by
    # every registry of the process.
    return Histogram(f"t_{uuid.uuid4().hex}_latency_seconds", "test", ["route"], buckets=BUCKETS, registry=registry)


def test_a_batch_writes_what_each_observation_would_once_flushed():
    direct_registry, batched_registry = CollectorRegistry(), CollectorRegistry()
    direct = _histogram(direct_registry).labels("/markets")
    batch = HistogramBatch(_histogram(batched_registry).labels("/markets"))
    before = _samples(batched_registry)

    async def observe_all() -> dict[str, float]:
        for seconds in SECONDS:
            direct.observe(seconds)
            batch(seconds)
        return _samples(batched_registry)

    pending = asyncio.run(observe_all())
    assert pending == before  # nothing written yet: the flush is a second away
    batch.flush()
    assert _samples(batched_registry) == _samples(direct_registry)
    assert _samples(batched_registry)["latency_seconds_count[('route', '/markets')]"] == len(SECONDS)


def test_without_a_loop_or_across_loops_nothing_is_lost():
    direct_registry, batched_registry = CollectorRegistry(), CollectorRegistry()
    direct = _histogram(direct_registry).labels("/")
    batch = HistogramBatch(_histogram(batched_registry).labels("/"))
    batch(0.002)  # no running loop: written at once
    direct.observe(0.002)
    assert _samples(batched_registry) == _samples(direct_registry)

    async def one(seconds: float) -> None:
        batch(seconds)
        direct.observe(seconds)

    asyncio.run(one(0.02))  # its loop closes before the flush it scheduled
    asyncio.run(one(0.2))  # the next loop writes what the closed one held
    batch.flush()
    assert _samples(batched_registry) == _samples(direct_registry)


def test_the_flush_runs_on_its_own_a_second_later():
    registry = CollectorRegistry()
    batch = HistogramBatch(_histogram(registry).labels("/"))
    batch.FLUSH_EVERY_S = 0.01

    async def observe_and_wait() -> None:
        batch(0.005)
        await asyncio.sleep(0.05)

    asyncio.run(observe_and_wait())
    assert _samples(registry)["latency_seconds_count[('route', '/')]"] == 1
