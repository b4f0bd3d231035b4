"""Prometheus metrics of the web processes: request latency by route, and the gauges read at scrape.

prometheus-client runs in multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set (the launcher
sets it for every process, wiped at start): each process writes its samples to files there and
/metrics merges them. Other islands define their own metrics (external_apis/metrics.py,
websocket_service) in the same registry. Observing must stay cheap: it runs on every request.
"""

from __future__ import annotations

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
