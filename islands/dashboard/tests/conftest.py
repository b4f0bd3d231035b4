"""Fixtures of the dashboard tests: summaries in the real stream, and the ASGI app as clients see it."""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson
import pytest
from channels.testing import HttpCommunicator

from cryptodash.asgi import application
from islands.cache_system.services import summary_store
from islands.shared_components.page_cache import page_cache_reset

SUMMARY: dict[str, Any] = {
    "btc_price_usd": 97123.45,
    "btc_change_24h": 2.31,
    "eth_price_usd": 3456.78,
    "eth_change_24h": -1.25,
    "sol_price_usd": 187.4,
    "sol_change_24h": 0.5,
    "xrp_price_usd": 0.6123,
    "xrp_change_24h": -0.42,
    "ada_price_usd": 0.4567,
    "ada_change_24h": 1.1,
    "link_price_usd": 18.25,
    "link_change_24h": 3.3,
    "bnb_price_usd": 612.9,
    "bnb_change_24h": -0.2,
    "market_cap_usd": 3.41e12,
    "volume_24h_usd": 1.234e11,
    "market_cap_change_percentage_24h_usd": 1.8,
    "btc_market_cap_percentage": 56.3,
    "eth_market_cap_percentage": 12.1,
    "fng_value": 72,
    "btc_rsi_14": 61.5,
    "rsi_14": 61.5,
    "us_stock_indices": {
        "DIA": {"price": 441.2, "change": 1.2, "change_percent": 0.27, "status": "ok"},
        "SPY": {"price": 598.1, "change": -2.1, "change_percent": -0.35, "status": "ok"},
        "QQQM": {"price": 210.4, "change": 0.9, "change_percent": 0.43, "status": "ok"},
    },
    "data_sources": {
        "binance": {"status": "ok", "updated_at": "2026-11-26T13:00:00Z", "error": None},
        "coingecko": {"status": "ok", "updated_at": "2026-11-26T13:00:00Z", "error": None},
        "alternative_me": {"status": "ok", "updated_at": "2026-11-26T13:00:00Z", "error": None},
        "taapi": {"status": "ok", "updated_at": "2026-11-26T13:00:00Z", "error": None},
        "finnhub": {"status": "ok", "updated_at": "2026-11-26T13:00:00Z", "error": None},
    },
    "partial_failure": False,
    "fetch_duration_ms": 412,
    "last_updated": "2026-11-26T13:00:00Z",
    "timestamp": "2026-11-26T13:00:00Z",
    "mode": "live",
}


@pytest.fixture(autouse=True)
def _fresh_page_cache(settings) -> Iterator[None]:
    # No L1 copy of "the latest": each test sees what it just wrote to the stream.
    settings.SUMMARY_L1_TTL = 0.0
    page_cache_reset()
    yield
    page_cache_reset()


@pytest.fixture
def summary() -> dict[str, Any]:
    return copy.deepcopy(SUMMARY)


@pytest.fixture
def stored(summary) -> str:
    """The sample summary appended to the real stream; returns its entry id."""
    return summary_store(summary=summary)


@pytest.fixture
def asgi_get():
    """Request the project's ASGI application (page cache + Django) like a server would.

    Synchronous, on a thread with its own event loop: the browser tests' Playwright keeps a loop
    running in the main thread for the whole session.
    """

    async def call(path: str, method: str, headers: list[tuple[bytes, bytes]], body: bytes) -> dict[str, Any]:
        communicator = HttpCommunicator(application, method, path, body=body, headers=headers)
        return await communicator.get_response(timeout=5)

    def request(
        path: str, *, method: str = "GET", headers: list[tuple[bytes, bytes]] | None = None, body: bytes = b""
    ) -> dict[str, Any]:
        all_headers = list(headers or [])
        if not any(name == b"host" for name, _value in all_headers):
            all_headers.append((b"host", b"127.0.0.1"))
        with ThreadPoolExecutor(max_workers=1) as pool:
            response = pool.submit(asyncio.run, call(path, method, all_headers, body)).result()
        response["header_map"] = {k.decode().lower(): v.decode() for k, v in response["headers"]}
        return response

    return request


@pytest.fixture
def store_old(redis_conn, settings):
    """Append a summary to the real stream as if it had been stored `seconds` ago."""

    def store(summary: dict[str, Any], seconds: float) -> str:
        entry_id = f"{int((time.time() - seconds) * 1000)}-0"
        fields = {"v": "1", "type": "dashboard_update", "data": orjson.dumps(summary)}
        return redis_conn.xadd(settings.STREAM_MARKET_DATA, fields, id=entry_id).decode()

    return store
