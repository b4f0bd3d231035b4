"""A real Celery worker and a real beat process against the fake upstream: a complete summary
reaches crypto:market_data within 30 s, and each run appends at most one entry; the beat's start
also fills the market table and the candles."""

import subprocess
import sys
import time
from pathlib import Path

import orjson
from celery.contrib.testing.worker import start_worker

from cryptodash.celery import app
from islands.cache_system.market_schema import DEFAULT_COINS
from islands.cache_system.market_selectors import candles_latest
from islands.external_apis.tests.conftest import calls, process_env

CELERY = str(Path(sys.executable).parent / "celery")
COINS = tuple(coin.key for coin in DEFAULT_COINS)


def _latest(redis_conn, stream: str) -> dict | None:
    rows = redis_conn.xrevrange(stream, "+", "-", count=1)
    return orjson.loads(rows[0][1][b"data"]) if rows else None


def _complete(summary: dict | None) -> bool:
    if summary is None:
        return False
    scalars = [summary[f"{coin}_price_usd"] for coin in COINS] + [
        summary[key] for key in ("market_cap_usd", "volume_24h_usd", "fng_value", "btc_rsi_14")
    ]
    indices = [entry["price"] for entry in summary["us_stock_indices"].values()]
    return None not in scalars + indices and summary["partial_failure"] is False


def test_worker_and_beat_fill_the_stream_with_complete_summaries(fake_upstream, settings, redis_conn, tmp_path):
    stream = settings.STREAM_MARKET_DATA
    beat = subprocess.Popen(
        [CELERY, "-A", "cryptodash", "beat", "--loglevel", "WARNING", "--schedule", str(tmp_path / "schedule")],
        # Prices every 2 s instead of 10 keeps the test short; the schedule's shape is the same.
        env=process_env(fake_upstream, settings.REDIS_URL, INGEST_INTERVAL_PRICES="2"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            deadline = time.monotonic() + 30
            while not _complete(_latest(redis_conn, stream)) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert _complete(_latest(redis_conn, stream)), _latest(redis_conn, stream)
            # The next prices tick moves BTC and appends one more entry.
            first_btc = _latest(redis_conn, stream)["btc_price_usd"]
            deadline = time.monotonic() + 15
            while _latest(redis_conn, stream)["btc_price_usd"] == first_btc and time.monotonic() < deadline:
                time.sleep(0.2)
            assert _latest(redis_conn, stream)["btc_price_usd"] != first_btc
    finally:
        beat.terminate()
        beat.wait(timeout=10)

    # The beat's start queued the market jobs too: the table and every tracked coin's candles.
    assert redis_conn.xlen(settings.STREAM_MARKETS) >= 1
    assert len(_latest(redis_conn, settings.STREAM_MARKETS)["coins"]) == settings.MARKET_TOP_N
    assert candles_latest(coin_id="bitcoin", interval="1h").source == "binance"
    prices_runs = len([row for row in calls(fake_upstream, "binance") if row["path"].endswith("/ticker/24hr")])
    assert 2 <= redis_conn.xlen(stream) <= prices_runs  # one entry per run at most, never a backlog
    assert redis_conn.xlen(settings.STREAM_BTC_PRICE) == prices_runs
