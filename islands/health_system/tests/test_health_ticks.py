"""/health reports the tick ingest (heartbeat, exchange connection, newest tick); it degrades
/health when stale or disconnected, never makes it unhealthy: the REST feed keeps the prices."""

from __future__ import annotations

import asyncio
import time

import pytest

from islands.cache_system.services import TICKS_STATUS_RECORD, heartbeat_record, ingest_record_store, ticks_store
from islands.external_apis.fake_upstream.server import FakeUpstream
from islands.external_apis.tests.test_ticks_ingest import Running, until
from islands.external_apis.ticks import TickIngest
from islands.health_system.selectors import check_ticks


@pytest.fixture(autouse=True)
def _short_ping(settings):
    settings.HEALTH_WORKER_PING_TIMEOUT = 0.1
    settings.HEALTH_WORKER_PING_TTL = 0.0


def holder_status(*, connected: bool) -> None:
    record = {"holder": "host:1", "connected": connected, "connected_at": time.time() if connected else None}
    ingest_record_store(name=TICKS_STATUS_RECORD, record=record | {"at": time.time()}, ttl=15)


def a_tick() -> None:
    ticks_store(ticks={"btc": {"price_usd": 70_000.5, "change_24h": 1.5, "t": int(time.time() * 1000)}}, source="x")


@pytest.mark.django_db
def test_a_connected_holder_with_fresh_ticks_is_healthy(client):
    heartbeat_record(name="ticks")
    holder_status(connected=True)
    a_tick()
    ticks = client.get("/health").json()["islands"]["ticks"]
    assert ticks["status"] == "healthy"
    assert ticks["reason"] is None
    assert ticks["holder"] == "host:1"
    assert ticks["connected"] is True
    assert 0 <= ticks["heartbeat_age_s"] < 30
    assert 0 <= ticks["newest_tick_age_s"] < 30


@pytest.mark.django_db
def test_no_tick_ingest_degrades_and_says_the_rest_feed_keeps_the_prices(client):
    response = client.get("/health")
    ticks = response.json()["islands"]["ticks"]
    assert response.status_code == 200
    assert ticks["status"] == "degraded"
    assert ticks["reason"] == "no tick ingest heartbeat recorded; prices come from the REST feed"
    assert ticks["connected"] is None
    assert ticks["newest_tick_age_s"] is None


@pytest.mark.django_db
def test_a_holder_without_an_exchange_connection_degrades(client):
    heartbeat_record(name="ticks")
    holder_status(connected=False)
    a_tick()
    ticks = client.get("/health").json()["islands"]["ticks"]
    assert ticks["status"] == "degraded"
    assert ticks["connected"] is False
    assert ticks["reason"].startswith("the tick ingest holds no exchange connection")


@pytest.mark.django_db
def test_an_old_newest_tick_degrades(client, settings):
    settings.HEALTH_TICKS_MAX_AGE = 1.0
    holder_status(connected=True)
    a_tick()
    # The heartbeat stays fresh; only the newest tick ages past the limit.
    deadline = time.monotonic() + 10
    while (ticks := client.get("/health").json()["islands"]["ticks"])["status"] == "healthy" or ticks[
        "heartbeat_age_s"
    ] is None:
        heartbeat_record(name="ticks")
        assert time.monotonic() < deadline, "the newest tick never aged past the limit"
        time.sleep(0.1)
    assert ticks["status"] == "degraded"
    # Degraded once the age passed the limit; /health rounds it to 0.1 s, so 1.04 s reads 1.0.
    assert ticks["newest_tick_age_s"] >= 1.0
    assert ticks["reason"].startswith("the newest tick is ")


async def test_the_ingest_reports_its_exchange_connection(settings):
    """A real ingest against the fake exchange: connected and healthy, then, while the exchange
    drops every connection, not connected and degraded."""
    fake = FakeUpstream(seed=5)
    fake.ticks.rate_hz = 20.0
    fake.start()
    settings.BINANCE_WS_URL = fake.ticks.url
    settings.TICK_BACKOFF_MAX_S = 0.5
    seen: dict = {}

    def reports(condition) -> bool:
        seen["report"] = check_ticks()
        return condition(seen["report"])

    run = Running(TickIngest(name="health-a"))
    try:
        await until(lambda: reports(lambda r: r["status"] == "healthy"), what="a healthy tick ingest")
        healthy = seen["report"]
        assert healthy["holder"] == "health-a"
        assert healthy["connected"] is True
        await asyncio.to_thread(fake.ticks.control, mode="drop")
        await until(lambda: reports(lambda r: r["connected"] is False), what="the holder without a connection")
        dropped = seen["report"]
        assert dropped["status"] == "degraded"
        assert dropped["holder"] == "health-a"
    finally:
        await run.close()
        await asyncio.to_thread(fake.stop)
    # A holder that stopped says so before it lets the lock go.
    assert check_ticks()["connected"] is False
