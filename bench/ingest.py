"""Overhead of the external_apis guards and of one feed refresh, beside a bare HTTP call, in one run.

Against the project's fake upstream (in this process, loopback) and REDIS_URL or an embedded
redis-server. Prints p50/p99 (milliseconds) for, timed alternately call by call:
  bare requests.Session GET of Binance's 24 h ticker (baseline) | the same request through
  SourceGuard (Retry-After check, breaker, global quota, metrics) | summary_refresh(sources=["prices"])
  (guarded fetch + parse + keep + merge + XADD) beside the bare GET.

    .venv/bin/python -m bench.ingest [--iterations 300]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import django
import requests
from django.conf import settings

from cryptodash.stack.redis_server import redis_for
from islands.external_apis.clients.base import Deadline
from islands.external_apis.fake_upstream.server import FakeUpstream
from islands.external_apis.feeds import upstream_client
from islands.external_apis.resilience import source_guard
from islands.external_apis.services import summary_refresh


def measure_pair(fn_a, fn_b, iterations: int) -> tuple[list[float], list[float]]:
    a, b = [], []
    for _ in range(iterations):
        start = time.perf_counter()
        fn_a()
        middle = time.perf_counter()
        fn_b()
        a.append((middle - start) * 1000)
        b.append((time.perf_counter() - middle) * 1000)
    return a, b


def pct(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100)[q - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=300)
    args = parser.parse_args()

    with redis_for("bench") as url:
        os.environ["REDIS_URL"] = url
        # The quota is not what is measured here: let every call through.
        os.environ["RATE_LIMIT_BINANCE"] = "1000000/minute"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cryptodash.settings")
        django.setup()
        server = FakeUpstream(seed=1).start()
        for name, value in server.base_urls().items():
            setattr(settings, name, value)
        session = requests.Session()
        ticker = f"{server.url}/binance/api/v3/ticker/24hr"
        symbols = '["BTCUSDT","ETHUSDT","SOLUSDT","XRPUSDT","ADAUSDT","LINKUSDT","BNBUSDT"]'

        def bare() -> None:
            session.get(ticker, params={"symbols": symbols}, timeout=(3, 5)).json()

        client = upstream_client("binance")
        guard = source_guard("binance")

        def guarded() -> None:
            guard.call(lambda d: client.ticker_24h(deadline=d), deadline=Deadline(5))

        def refresh() -> None:
            summary_refresh(sources=["prices"])

        for _ in range(20):  # warm connections and code paths
            bare(), guarded(), refresh()
        bare_a, guarded_s = measure_pair(bare, guarded, args.iterations)
        bare_b, refresh_s = measure_pair(bare, refresh, args.iterations)
        server.stop()

        cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "?")
        print(f"machine: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, Redis at {url}")
        print(f"{args.iterations} iterations each; the bare GET is timed alternately with each path")
        print(f"{'path':<58}{'p50 ms':>9}{'p99 ms':>9}")
        rows = [
            ("bare Session GET of the ticker (baseline)", bare_a),
            ("the same request through SourceGuard + parsing", guarded_s),
            ("bare Session GET of the ticker (baseline, 2nd run)", bare_b),
            ('summary_refresh(sources=["prices"]) incl. XADD', refresh_s),
        ]
        for label, samples in rows:
            print(f"{label:<58}{pct(samples, 50):>9.2f}{pct(samples, 99):>9.2f}")
        print(f"guard overhead at p50: {pct(guarded_s, 50) - pct(bare_a, 50):.2f} ms")
        print(f"refresh overhead at p50: {pct(refresh_s, 50) - pct(bare_b, 50):.2f} ms")


if __name__ == "__main__":
    main()
