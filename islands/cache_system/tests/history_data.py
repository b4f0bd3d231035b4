"""Test helpers: realistic summaries, and hours of demo history written in a fraction of a second.

`demo_history_write` stores the older part as MarketSnapshot rows and the newest part as stream
entries with explicit ids, the way a running stack leaves them, without waiting in real time.
"""

from __future__ import annotations

import math
import random
import time
from typing import Any

from django.conf import settings

from islands.cache_system.backup import snapshots_store
from islands.cache_system.market_schema import tracked_coins
from islands.cache_system.redis_client import redis_client
from islands.cache_system.streams import RedisStreamStore, StreamEntry

BASE_PRICES = {"btc": 97_000.0, "eth": 3_400.0, "sol": 240.0, "xrp": 1.45, "ada": 1.05, "link": 24.0, "bnb": 650.0}


def summary_at(*, i: int, btc: float | None = None) -> dict[str, Any]:
    """A schema-1 summary whose BTC price is `btc` (default 97 000 + i) and other fields vary with i."""
    data: dict[str, Any] = {}
    for coin in (c.key for c in tracked_coins()):
        data[f"{coin}_price_usd"] = BASE_PRICES.get(coin, 1.0) * (1 + 0.0001 * i)
        data[f"{coin}_change_24h"] = round(math.sin(i / 50), 3)
    data["btc_price_usd"] = 97_000.0 + i if btc is None else btc
    data.update(
        market_cap_usd=3.4e12 + i * 1e6,
        volume_24h_usd=1.2e11,
        market_cap_change_percentage_24h_usd=1.5,
        btc_market_cap_percentage=57.1,
        eth_market_cap_percentage=12.0,
        fng_value=60 + i % 20,
        btc_rsi_14=55.5,
        rsi_14=55.5,
        us_stock_indices={"SPY": {"price": 600.1, "change": 1.0, "change_percent": 0.2, "status": "ok"}},
        data_sources={"binance": {"status": "ok", "updated_at": "2026-11-26T00:00:00Z", "error": None}},
        partial_failure=False,
        fetch_duration_ms=120,
        last_updated="2026-11-26T00:00:00Z",
        timestamp="2026-11-26T00:00:00Z",
    )
    return data


def demo_history_write(
    *, hours: float, every_s: float, now_ms: int | None = None, stream_tail_s: float = 600, seed: int = 7
) -> tuple[int, int]:
    """A random walk of summaries over the last `hours`, one every `every_s` seconds.

    Entries older than `stream_tail_s` become table rows (as if backed up and trimmed from the
    stream); the newer ones go into crypto:market_data with their ids. Returns (rows, entries).
    """
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    rng = random.Random(seed)
    step_ms = int(every_s * 1000)
    count = int(hours * 3_600_000 // step_ms)
    price = 95_000.0
    rows: list[StreamEntry] = []
    tail: list[StreamEntry] = []
    for n in range(count - 1, -1, -1):
        ms = now_ms - n * step_ms
        price *= 1 + rng.gauss(0, 0.0015)
        entry = StreamEntry(id=f"{ms}-0", type="dashboard_update", data=summary_at(i=count - n, btc=round(price, 2)))
        (tail if now_ms - ms <= stream_tail_s * 1000 else rows).append(entry)
    for start in range(0, len(rows), 2_000):
        snapshots_store(stream=settings.STREAM_MARKET_DATA, entries=rows[start : start + 2_000])
    store = RedisStreamStore(redis_client(), maxlen=settings.STREAM_MAXLEN)
    for entry in tail:
        store.add(settings.STREAM_MARKET_DATA, entry.type, entry.data, entry_id=entry.id)
    return len(rows), len(tail)
