"""Fixtures of the markets tests: a market table and rates in the real stream, the ASGI app as clients see it."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from islands.cache_system.services import (
    CANDLES_RECORD,
    MARKETS_SPARKLINES_RECORD,
    MARKETS_STATUS_RECORD,
    ingest_record_store,
    markets_store,
    summary_store,
)
from islands.shared_components.page_cache import page_cache_reset

# Test rates in the shape the summary carries them (SPEC §10), from exchange_rates_ok.json:
# USD->VND = 1765106094.5 / 67012.34, USD->EUR = 63544.87 / 67012.34.
FX = {"vnd": 1765106094.5 / 67012.34, "eur": 63544.87 / 67012.34, "age_s": 120.0}
NAMES = [
    ("bitcoin", "btc", "Bitcoin", 67012.34),
    ("ethereum", "eth", "Ethereum", 2512.2),
    ("tether", "usdt", "Tether", 1.0),
    ("binancecoin", "bnb", "BNB", 584.1),
    ("solana", "sol", "Solana", 142.5),
    ("ripple", "xrp", "XRP", 0.5123),
    ("cardano", "ada", "Cardano", 0.3512),
    ("chainlink", "link", "Chainlink", 11.2),
    ("dogecoin", "doge", "Dogecoin", 0.1034),
    ("shiba-inu", "shib", "Shiba Inu", 0.00001734),
]


def coins_usd(count: int = 30, *, seed: int = 7) -> list[dict[str, Any]]:
    """`count` rows in the stream's USD shape: the named coins first, then generated ones."""
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        if index < len(NAMES):
            coin_id, symbol, name, price = NAMES[index]
        else:
            coin_id, symbol, name, price = f"coin-{index}", f"c{index}", f"Coin {index}", rng.uniform(0.01, 50)
        market_cap = 1.3e12 / (index + 1) ** 1.6
        rows.append(
            {
                "rank": index + 1,
                "id": coin_id,
                "symbol": symbol,
                "name": name,
                "price_usd": price,
                "market_cap": market_cap,
                "volume_24h": market_cap * rng.uniform(0.01, 0.2),
                "change_1h": round(rng.uniform(-2, 2), 3),
                "change_24h": round(rng.uniform(-8, 8), 3),
                "change_7d": round(rng.uniform(-20, 20), 3),
                "sparkline_7d": [price * (1 + 0.02 * rng.uniform(-1, 1)) for _ in range(168)],
                "circulating_supply": market_cap / price,
                "total_supply": market_cap / price * 1.1,
                "max_supply": None if index % 3 else market_cap / price * 1.2,
                "ath": price * 1.4,
                "ath_change_percentage": -28.5,
                "ath_date": "2025-10-06T18:57:42.558Z",
            }
        )
    return rows


@pytest.fixture(autouse=True)
def _fresh_page_cache(settings) -> Iterator[None]:
    # No L1 copy of "the latest": each test sees what it just wrote to the streams.
    settings.SUMMARY_L1_TTL = 0.0
    settings.PAGE_CACHE_REVALIDATE_AFTER = 0.0
    page_cache_reset()
    yield
    page_cache_reset()


@pytest.fixture
def store_table() -> Callable[..., str]:
    """Append a market table to the markets stream; returns its entry id."""

    def store(rows: list[dict[str, Any]] | None = None, *, status: str = "ok", error: str | None = None) -> str:
        """As the ingest stores a fetch: sparklines beside the entry, then the entry, then the status."""
        rows = coins_usd() if rows is None else rows
        now = time.time()
        sparklines = {row["id"]: row.get("sparkline_7d") for row in rows}
        ingest_record_store(name=MARKETS_SPARKLINES_RECORD, record={"at": now, "by_id": sparklines}, ttl=3600)
        coins = [{key: value for key, value in row.items() if key != "sparkline_7d"} for row in rows]
        updated_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        entry_id = markets_store(table={"coins": coins, "updated_at": updated_at, "source": "coingecko", "top_n": 100})
        outcome = {"status": status, "error": error, "attempt_at": now, "success_at": now}
        ingest_record_store(name=MARKETS_STATUS_RECORD, record=outcome, ttl=3600)
        return entry_id

    return store


@pytest.fixture
def store_fx() -> Callable[..., str]:
    """Append a summary carrying `fx` (the rates the site converts with)."""

    def store(fx: dict[str, Any] | None = FX, **fields: Any) -> str:
        return summary_store(summary={"btc_price_usd": 67012.34, "btc_change_24h": 1.72, "fx": fx, **fields})

    return store


KLINES = Path(settings.BASE_DIR) / "islands/external_apis/fake_upstream/payloads/binance/klines_btcusdt_1h_ok.json"


@pytest.fixture
def store_candles() -> Callable[..., list[list[float]]]:
    """Store a coin's candles as the beat job does (the documented klines payload, as numbers)."""

    def store(coin_id: str = "bitcoin", interval: str = "1h", *, factor: float = 1.0) -> list[list[float]]:
        rows = [
            [row[0], *(float(value) * factor for value in row[1:5]), float(row[5])]
            for row in json.loads(KLINES.read_text())
        ]
        now = time.time()
        record = {"rows": rows, "updated_at": now, "attempt_at": now, "source": "binance", "error": None}
        ingest_record_store(name=CANDLES_RECORD.format(coin_id=coin_id, interval=interval), record=record, ttl=3600)
        return rows

    return store
