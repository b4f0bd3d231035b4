"""Read cost of the market table (markets_latest) and candles (candles_latest), beside raw
baselines timed alternately in the same run.

The table is stored the way the beat job stores it: the real ingest (market_ingest.markets_refresh,
candles_refresh) against the project's fake upstream (100 coins, 7-day sparklines, 365 daily
candles). Prints p50/p99 (microseconds) for:
  raw XREVRANGE of crypto:markets (baseline) | markets_latest(), L1 miss (entry + sparklines + the
  summary's live prices) | dict lookup (baseline) | markets_latest(), L1 hit |
  raw GET of the candles record (baseline) | candles_latest(bitcoin, 1d), L1 miss.
Runs against REDIS_URL, or an embedded redis-server when it is unset.

    .venv/bin/python -m bench.market_read [--iterations 4000]
"""

from __future__ import annotations

import argparse
import os
import platform
from pathlib import Path

import django
from django.conf import settings

from bench.cache_read import measure_pair, pct
from cryptodash.stack.redis_server import redis_for


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=4000)
    args = parser.parse_args()

    with redis_for("bench") as url:
        os.environ["REDIS_URL"] = url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cryptodash.settings")
        django.setup()
        # Imported after setup: they read settings at import.
        from islands.cache_system.market_selectors import candles_latest, markets_latest  # noqa: PLC0415
        from islands.cache_system.redis_client import redis_client  # noqa: PLC0415
        from islands.cache_system.services import CANDLES_RECORD, INGEST_RECORD_KEY  # noqa: PLC0415
        from islands.cache_system.stores import tiered_cache  # noqa: PLC0415
        from islands.external_apis.fake_upstream.server import FakeUpstream  # noqa: PLC0415
        from islands.external_apis.market_ingest import candles_refresh, markets_refresh  # noqa: PLC0415
        from islands.external_apis.services import summary_refresh  # noqa: PLC0415

        server = FakeUpstream(seed=7).start()
        for name, value in server.base_urls().items():
            setattr(settings, name, value)
        client = redis_client()
        client.flushdb()
        summary_refresh(sources=["prices"])
        markets_refresh()
        candles_refresh()
        server.stop()

        entry_bytes = len(client.xrevrange(settings.STREAM_MARKETS, "+", "-", count=1)[0][1][b"data"])
        spark_bytes = len(client.get(INGEST_RECORD_KEY.format(name="markets:sparklines")) or b"")
        candle_key = INGEST_RECORD_KEY.format(name=CANDLES_RECORD.format(coin_id="bitcoin", interval="1d"))
        candle_bytes = len(client.get(candle_key) or b"")
        l1 = tiered_cache().l1
        redis_iters = args.iterations

        settings.SUMMARY_L1_TTL = 0.0  # every read misses L1
        l1.clear()
        raw_markets, miss_markets = measure_pair(
            lambda: client.xrevrange(settings.STREAM_MARKETS, "+", "-", count=1), markets_latest, redis_iters
        )
        raw_candles, miss_candles = measure_pair(
            lambda: client.get(candle_key),
            lambda: candles_latest(coin_id="bitcoin", interval="1d"),
            redis_iters,
        )
        settings.SUMMARY_L1_TTL = 3600.0
        markets_latest()
        plain = {"markets": object()}
        dict_samples, hit_markets = measure_pair(lambda: plain.get("markets"), markets_latest, args.iterations * 5)

        cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "?")
        print(f"machine: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}")
        print(
            f"stored: markets entry {entry_bytes} B (100 coins), sparklines record {spark_bytes} B, "
            f"bitcoin 1d candles {candle_bytes} B; selector and baseline timed alternately"
        )
        print(f"{'read':<52}{'p50 us':>10}{'p99 us':>10}")
        for label, samples in (
            ("raw XREVRANGE crypto:markets COUNT 1 (baseline)", raw_markets),
            ("markets_latest(), L1 miss", miss_markets),
            ("raw dict lookup (baseline)", dict_samples),
            ("markets_latest(), L1 hit", hit_markets),
            ("raw GET of the candles record (baseline)", raw_candles),
            ("candles_latest(bitcoin, 1d), L1 miss", miss_candles),
        ):
            print(f"{label:<52}{pct(samples, 50):>10.1f}{pct(samples, 99):>10.1f}")


if __name__ == "__main__":
    main()
