"""Prometheus metrics of the web processes: request latency by route, and the gauges read at scrape.

prometheus-client runs in multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set (the launcher
sets it for every process, wiped at start): each process writes its samples to files there and
/metrics merges them. Other islands define their own metrics (external_apis/metrics.py,
websocket_service) in the same registry. Observing must stay cheap: it runs on every request.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector

from islands.cache_system.selectors import cache_stats
from islands.cache_system.stores import stream_counters, tiered_cache
from islands.shared_components.process_metrics import multiprocess_dir, multiprocess_registry

REQUEST_LATENCY = Histogram(
    "cryptodash_http_request_duration_seconds",
    "Time to answer an HTTP request, by route (URL pattern), method and status class.",
    ["route", "method", "status"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
# Per-process cache counters (cache_system keeps them as plain ints in each process): published
# here at most once a second per process, one series per pid (mode "all"), so a scrape sums them.
CACHE_TIER_EVENTS = Gauge(
    "cryptodash_cache_tier_events",
    "Cache reads of this process per tier (l1, l2, stream, page_cache) and result.",
    ["tier", "result"],
    multiprocess_mode="all",
)
_published_at = 0.0


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def request_observer(*, route: str, method: str, status: int) -> Callable[[float], None]:
    """The histogram child's observe for these labels: hot paths keep it and skip the label lookup."""
    # Labels come from a fixed set: a client inventing methods must not create series.
    method = method if method in _METHODS else "other"
    return REQUEST_LATENCY.labels(route, method, f"{status // 100}xx").observe


class HistogramBatch:
    """A histogram child's observe that adds up in memory and writes once a second.

    In multiprocess mode every observe is two writes to an mmap'ed file and two getpid() calls
    (~4 us), a quarter of what a page-cache hit costs in Python. Observations made within
    FLUSH_EVERY_S of the first pending one are written together when it ends, one write per bucket
    that moved and one for the sum (a scrape sees them at most that late). Needs a running event
    loop (the ASGI page cache); without one, or with a prometheus-client whose histogram child
    lacks the attributes used here (_sum, _buckets, _upper_bounds), every observation is written
    at once as before.
    """

    FLUSH_EVERY_S = 1.0

    def __init__(self, child: Any) -> None:
        self._child = child
        self._batchable = all(hasattr(child, name) for name in ("_sum", "_buckets", "_upper_bounds"))
        self._bounds: tuple[float, ...] = tuple(getattr(child, "_upper_bounds", ()))
        self._counts = [0] * len(self._bounds)
        self._sum = 0.0
        self._pending: asyncio.AbstractEventLoop | None = None  # the loop a flush is scheduled on

    def __call__(self, seconds: float) -> None:
        if not self._batchable:
            self._child.observe(seconds)
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._child.observe(seconds)
            return
        if self._pending is not loop:
            if self._pending is not None:
                self.flush()  # scheduled on a loop that is gone (a test's asyncio.run)
            loop.call_later(self.FLUSH_EVERY_S, self.flush)
            self._pending = loop
        self._sum += seconds
        self._counts[bisect.bisect_left(self._bounds, seconds)] += 1

    def flush(self) -> None:
        """Write what was observed since the last flush."""
        counts, total = self._counts, self._sum
        self._counts, self._sum, self._pending = [0] * len(self._bounds), 0.0, None
        if not any(counts):
            return
        self._child._sum.inc(total)
        for index, count in enumerate(counts):
            if count:
                self._child._buckets[index].inc(count)


def request_observer_batched(*, route: str, method: str, status: int) -> Callable[[float], None]:
    """request_observer's observe, written once a second (HistogramBatch): for the page cache's hits."""
    method = method if method in _METHODS else "other"
    return HistogramBatch(REQUEST_LATENCY.labels(route, method, f"{status // 100}xx"))


def request_observe(*, route: str, method: str, status: int, seconds: float) -> None:
    request_observer(route=route, method=method, status=status)(seconds)


def cache_counters_publish(*, extra: dict[str, dict[str, Any]] | None = None, every: float = 1.0) -> None:
    """Copy this process's cache counters into the gauges, at most once per `every` seconds."""
    global _published_at  # noqa: PLW0603 - one clock per process
    now = time.monotonic()
    if now - _published_at < every:
        return
    _published_at = now
    tiers = {**tiered_cache().stats(), "stream": stream_counters.as_dict(), **(extra or {})}
    for tier, counters in tiers.items():
        for result in ("hits", "misses"):
            value = counters.get(result)
            if isinstance(value, int):
                CACHE_TIER_EVENTS.labels(tier, result).set(value)


class StreamCollector(Collector):
    """Stream lengths and consumer-group lag/pending, read from Redis at scrape time."""

    def collect(self) -> list[Metric]:
        stats = cache_stats()
        length = GaugeMetricFamily("cryptodash_stream_length", "Entries in each Redis stream.", labels=["stream"])
        lag = GaugeMetricFamily(
            "cryptodash_stream_group_lag", "Entries not yet delivered to a consumer group.", labels=["stream", "group"]
        )
        pending = GaugeMetricFamily(
            "cryptodash_stream_group_pending", "Entries delivered but not acknowledged.", labels=["stream", "group"]
        )
        fallback = GaugeMetricFamily(
            "cryptodash_stream_fallback", "1 while this process serves streams from memory (Redis unreachable)."
        )
        for name, stream in stats["streams"].items():
            length.add_metric([name], stream["length"])
            for group in stream["groups"] or []:
                lag.add_metric([name, group["name"]], group["lag"])
                pending.add_metric([name, group["name"]], group["pending"])
        fallback.add_metric([], 1 if stats["store"]["mode"] == "fallback" else 0)
        return [length, lag, pending, fallback]


def metrics_text() -> bytes:
    """Every running process's samples (multiprocess mode; dead processes' live gauges dropped) or
    this process's, then the scrape-time gauges."""
    path = multiprocess_dir()
    base = multiprocess_registry(path) if path is not None else REGISTRY
    scraped = CollectorRegistry()
    scraped.register(StreamCollector())
    return generate_latest(base) + generate_latest(scraped)
