"""Latest-summary read cost through the stream-first helper, beside raw baselines, in one run.

Prints p50/p99 (microseconds) for:
  dict lookup (floor for L1) | summary_latest() L1 hit | raw redis-py XREVRANGE (floor for the stream
  path) | summary_latest() L1 miss -> stream.
Runs against REDIS_URL, or an embedded redis-server when it is unset (as `make test` does).

    .venv/bin/python -m bench.cache_read [--iterations 20000]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time
from pathlib import Path

import django
from django.conf import settings

from cryptodash.stack.redis_server import redis_for
from islands.cache_system.market_schema import DEFAULT_COINS
from islands.cache_system.redis_client import redis_client
from islands.cache_system.selectors import summary_latest
from islands.cache_system.services import summary_store
from islands.cache_system.stores import tiered_cache

COINS = tuple(coin.key for coin in DEFAULT_COINS)


def synthetic_summary(rng: random.Random) -> dict:
    """A payload with the summary's shape and size (about 2 KB); the numbers are random, not market data."""
    summary: dict = {}
    for coin in COINS:
        summary[f"{coin}_price_usd"] = rng.uniform(0.1, 100_000)
        summary[f"{coin}_change_24h"] = rng.uniform(-10, 10)
    for key in ("market_cap_usd", "volume_24h_usd"):
        summary[key] = rng.uniform(1e11, 4e12)
    summary.update(
        market_cap_change_percentage_24h_usd=rng.uniform(-5, 5),
        btc_market_cap_percentage=rng.uniform(40, 60),
        eth_market_cap_percentage=rng.uniform(10, 20),
        fng_value=rng.randint(0, 100),
        btc_rsi_14=rng.uniform(0, 100),
        us_stock_indices={
            s: {
                "price": rng.uniform(100, 700),
                "change": rng.uniform(-5, 5),
                "change_percent": rng.uniform(-2, 2),
                "status": "ok",
            }
            for s in ("DIA", "SPY", "QQQM")
        },
        data_sources={
            s: {"status": "ok", "updated_at": "2026-01-01T00:00:00Z", "error": None}
            for s in ("binance", "coingecko", "coinmarketcap", "alternative_me", "taapi", "finnhub")
        },
        partial_failure=False,
        fetch_duration_ms=rng.randint(100, 900),
        last_updated="2026-01-01T00:00:00Z",
        timestamp="2026-01-01T00:00:00Z",
    )
    summary["rsi_14"] = summary["btc_rsi_14"]
    return summary


def measure_pair(fn_a, fn_b, iterations: int) -> tuple[list[float], list[float]]:
    """Time fn_a and fn_b alternately, call by call, so both see the same machine load."""
    a, b = [], []
    clock = time.perf_counter_ns
    for _ in range(iterations):
        start = clock()
        fn_a()
        middle = clock()
        fn_b()
        a.append((middle - start) / 1000)
        b.append((clock() - middle) / 1000)
    return a, b


def pct(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100)[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=20_000)
    args = parser.parse_args()

    with redis_for("bench") as url:
        os.environ["REDIS_URL"] = url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cryptodash.settings")
        django.setup()
        client = redis_client()
        client.delete(settings.STREAM_MARKET_DATA)
        summary = synthetic_summary(random.Random(7))
        summary_store(summary=summary)
        size = len(client.xrevrange(settings.STREAM_MARKET_DATA, "+", "-", count=1)[0][1][b"data"])
        plain = {"summary:latest": summary}

        redis_iters = max(1000, args.iterations // 4)
        settings.SUMMARY_L1_TTL = 3600.0
        summary_latest()
        dict_samples, l1_samples = measure_pair(lambda: plain.get("summary:latest"), summary_latest, args.iterations)
        settings.SUMMARY_L1_TTL = 0.0  # every read misses L1 and goes to the stream
        tiered_cache().l1.clear()
        raw_samples, stream_samples = measure_pair(
            lambda: client.xrevrange(settings.STREAM_MARKET_DATA, "+", "-", count=1), summary_latest, redis_iters
        )
        results = {"dict": dict_samples, "l1_hit": l1_samples, "xrevrange": raw_samples, "stream": stream_samples}

        cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "?")
        print(f"machine: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, Redis at {url}")
        print(f"payload: {size} bytes of JSON; helper and baseline timed alternately, call by call")
        print(f"{'read':<42}{'p50 us':>10}{'p99 us':>10}")
        rows = [
            ("raw dict lookup (baseline)", "dict"),
            ("summary_latest(), L1 hit", "l1_hit"),
            ("raw redis-py XREVRANGE + - COUNT 1 (baseline)", "xrevrange"),
            ("summary_latest(), L1 miss -> stream", "stream"),
        ]
        for label, key in rows:
            print(f"{label:<42}{pct(results[key], 50):>10.2f}{pct(results[key], 99):>10.2f}")
        ratio = pct(results["stream"], 50) / pct(results["xrevrange"], 50)
        print(f"stream path / raw XREVRANGE at p50: {ratio:.2f}x")


if __name__ == "__main__":
    main()
