"""Writes of the cache_system island: summaries, BTC and exchange ticks and market tables into the
streams, heartbeats, ingest records (market status, sparklines, candles), content versions."""

from __future__ import annotations

import time
from typing import Any

import orjson
from django.conf import settings

from islands.cache_system.errors import REDIS_DOWN_ERRORS
from islands.cache_system.redis_client import redis_client
from islands.cache_system.stores import stream_store, tiered_cache
from islands.cache_system.streams import RedisStreamStore

SUMMARY_CACHE_KEY = "summary:latest"
HEARTBEAT_KEY = "cryptodash:heartbeat:{name}"
# A counter per kind of content (e.g. "reports"), bumped on every change, read by every process.
CONTENT_VERSION_KEY = "cryptodash:content_version:{name}"


def summary_store(*, summary: dict[str, Any]) -> str:
    """Append a new summary to crypto:market_data and refresh the cache tiers; returns its id."""
    entry_id = stream_store().add(settings.STREAM_MARKET_DATA, "dashboard_update", summary)
    tiered_cache().set(SUMMARY_CACHE_KEY, {"id": entry_id, "data": summary}, settings.CACHE_TTL_REALTIME)
    return entry_id


def btc_price_store(*, price_usd: float, change_24h: float | None, last_updated: str) -> str:
    """Append a fast BTC tick to crypto:btc_price; returns its id."""
    data = {"price_usd": price_usd, "change_24h": change_24h, "last_updated": last_updated}
    return stream_store().add(settings.STREAM_BTC_PRICE, "btc_price_update", data)


def markets_store(*, table: dict[str, Any]) -> str:
    """Append a market table (`{"coins": [...], "fetched_at", "source": {"name", "status", "error"},
    "top_n"}`) to
    crypto:markets, bounded by STREAM_MARKETS_MAXLEN; returns its id."""
    return stream_store().add(settings.STREAM_MARKETS, "markets_update", table)


TICKS_ENTRY_TYPE = "ticks"


def ticks_store(*, ticks: dict[str, dict[str, Any]], source: str) -> str:
    """Append one entry of exchange ticks ({coin: {price_usd, change_24h, t}}) to crypto:ticks.

    Straight to Redis, never to the in-process fallback: a tick is worth something for a second,
    so one written during an outage is dropped rather than replayed later (raises
    REDIS_DOWN_ERRORS). The stream keeps TICKS_KEEP_S seconds (MINID ~), whatever the rate.
    """
    oldest_ms = int(time.time() * 1000) - settings.TICKS_KEEP_S * 1000
    store = RedisStreamStore(redis_client(), maxlen=settings.STREAM_MAXLEN)
    return store.add(
        settings.STREAM_TICKS, TICKS_ENTRY_TYPE, {"source": source, "ticks": ticks}, min_id=f"{oldest_ms}-0"
    )


def heartbeat_record(*, name: str, ttl: int = 600) -> bool:
    """Record that `name` (beat, relay, worker...) is alive now. False when Redis is down."""
    try:
        redis_client().set(HEARTBEAT_KEY.format(name=name), repr(time.time()), ex=ttl)
    except REDIS_DOWN_ERRORS:
        return False
    return True


INGEST_RECORD_KEY = "cryptodash:ingest:{name}"
# Ingest records of the market data, written by external_apis, read by the selectors here.
# The last markets fetch: {"status", "error", "attempt_at", "success_at", "retry_after_s",
# "stream_id" (the table the last success appended)}.
MARKETS_STATUS_RECORD = "markets:status"
# {"at": epoch s, "by_id": {coingecko id: [prices of 7 days, oldest first]}} from the last good fetch.
MARKETS_SPARKLINES_RECORD = "markets:sparklines"
# Per coin (CoinGecko id) and interval: {"rows": [[open ms, o, h, l, c, v], ...], "updated_at",
# "attempt_at", "source", "error"}.
CANDLES_RECORD = "candles:{coin_id}:{interval}"
# The tick ingest holding the exchange connection: {"holder", "connected" (bool), "connected_at"
# (epoch s or None), "at" (epoch s of the record)}; kept a few heartbeats long (/health reads it).
TICKS_STATUS_RECORD = "ticks:status"


def ingest_record_store(*, name: str, record: dict[str, Any], ttl: float) -> bool:
    """Keep one JSON record of the ingest layer (a source's last good values, its last outcome)
    for `ttl` seconds, visible to every process. False when Redis is down."""
    try:
        redis_client().set(INGEST_RECORD_KEY.format(name=name), orjson.dumps(record), px=max(1, int(ttl * 1000)))
    except REDIS_DOWN_ERRORS:
        return False
    return True


def content_version_bump(*, name: str) -> int | None:
    """Count one change of the content `name` for every process; the new count, None when Redis is down."""
    try:
        return int(redis_client().incr(CONTENT_VERSION_KEY.format(name=name)))
    except REDIS_DOWN_ERRORS:
        return None
