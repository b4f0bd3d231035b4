"""The tick ingest against the fake upstream's WebSocket: ticks into crypto:ticks, and what it does
when the exchange drops, stalls, sends garbage, pings, or when another ingest takes over."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable

import pytest

from islands.cache_system.selectors import ticks_latest
from islands.cache_system.stores import stream_store
from islands.external_apis.fake_upstream.server import FakeUpstream, RandomWalk
from islands.external_apis.fake_upstream.ticks_server import FakeTickStream
from islands.external_apis.ticks import TickIngest


async def until(condition: Callable[[], bool], *, within: float = 10.0, what: str = "") -> None:
    """Wait (bounded) for `condition`; the bound only keeps a broken run from hanging."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        await asyncio.sleep(0.02)


def tick_count() -> int:
    return stream_store().redis.length("crypto:ticks")


class Running:
    """An ingest run as a task, stopped (lock released) at the end of the test."""

    def __init__(self, ingest: TickIngest) -> None:
        self.ingest = ingest
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(ingest.run(self.stop))

    async def close(self) -> None:
        self.stop.set()
        done, _ = await asyncio.wait([self.task], timeout=10)
        assert done, "the ingest did not stop within 10 s"


@pytest.fixture
async def fake(settings) -> AsyncIterator[FakeUpstream]:
    server = FakeUpstream(seed=3)
    server.ticks.rate_hz = 20.0
    server.start()
    settings.BINANCE_WS_URL = server.ticks.url
    settings.TICK_MIN_INTERVAL_MS = 50
    settings.TICK_BACKOFF_MAX_S = 0.5
    yield server
    await asyncio.to_thread(server.stop)


@pytest.fixture
async def running() -> AsyncIterator[list[Running]]:
    runs: list[Running] = []
    yield runs
    for run in runs:
        await run.close()


async def test_ticks_of_every_tracked_coin_reach_the_stream(fake, running):
    run = Running(TickIngest(name="a"))
    running.append(run)
    await until(lambda: len(ticks_latest()) == 7, what="a tick of each of the 7 coins")
    latest = ticks_latest()
    assert set(latest) == {"btc", "eth", "sol", "xrp", "ada", "link", "bnb"}
    assert all(t.price_usd > 0 and t.source == "binance_ws" for t in latest.values())
    # The fake's walk starts at its REST payload's price and moves by small steps.
    assert 60_000 < latest["btc"].price_usd < 75_000


async def test_a_pushed_price_is_the_one_stored(fake, running):
    running.append(Running(TickIngest(name="a")))
    await until(lambda: "btc" in ticks_latest(), what="a first BTC tick")
    await asyncio.to_thread(fake.ticks.control, mode="stall")
    await asyncio.to_thread(fake.ticks.control, push={"BTCUSDT": 70_123.5})
    await until(lambda: ticks_latest()["btc"].price_usd == 70_123.5, what="the pushed price")


async def test_it_reconnects_after_the_exchange_drops_the_connection(fake, running):
    run = Running(TickIngest(name="a"))
    running.append(run)
    await until(lambda: run.ingest.written > 0, what="first ticks")
    await asyncio.to_thread(fake.ticks.control, mode="drop")
    await until(lambda: fake.ticks.counters["dropped"] >= 2, what="the drop and a refused reconnection")
    before = tick_count()
    await asyncio.to_thread(fake.ticks.control, mode="normal")
    await until(lambda: tick_count() > before + 3, what="ticks after the reconnection")
    assert run.ingest.connections >= 3
    assert fake.ticks.state()["open"] == 1


async def test_a_stalled_connection_is_replaced(fake, running):
    run = Running(TickIngest(name="a", stale_s=0.5))
    running.append(run)
    await until(lambda: run.ingest.written > 0, what="first ticks")
    await asyncio.to_thread(fake.ticks.control, mode="stall")
    await until(lambda: run.ingest.stale_replaced >= 1, what="the stale connection replaced")
    before = tick_count()
    await asyncio.to_thread(fake.ticks.control, mode="normal")
    await until(lambda: tick_count() > before + 3, what="ticks on the new connection")
    assert run.ingest.connections >= 2


async def test_garbage_frames_are_logged_and_skipped(fake, running, caplog):
    caplog.set_level(logging.WARNING, logger="islands.external_apis.ticks")
    run = Running(TickIngest(name="a"))
    running.append(run)
    await until(lambda: run.ingest.written > 0, what="first ticks")
    await asyncio.to_thread(fake.ticks.control, mode="garbage")
    written = run.ingest.written
    await until(lambda: run.ingest.garbage >= 6, what="every kind of garbage frame")
    # The valid ticks between them are still written, and the connection was never dropped.
    assert run.ingest.written > written
    assert run.ingest.connections == 1
    assert any("no mini ticker" in r.getMessage() for r in caplog.records)
    for entry in stream_store().redis.range("crypto:ticks"):
        assert set(entry.data["ticks"]) <= {"btc", "eth", "sol", "xrp", "ada", "link", "bnb"}
        assert all(tick["price_usd"] > 0 for tick in entry.data["ticks"].values())


async def test_a_standby_takes_over_when_the_holder_dies(fake, running, settings):
    first = Running(TickIngest(name="first", lock_ttl_s=1.5))
    await until(lambda: first.ingest.holding and first.ingest.written > 0, what="the first ingest holding")
    second = Running(TickIngest(name="second", lock_ttl_s=1.5))
    running.append(second)
    await asyncio.sleep(1.0)
    assert not second.ingest.holding
    assert fake.ticks.state()["open"] == 1

    # A crash: the holder stops without freeing the lock, which then lapses after its TTL.
    first.ingest.lock.release = lambda: False
    first.task.cancel()
    await asyncio.gather(first.task, return_exceptions=True)
    died = time.monotonic()
    await until(lambda: second.ingest.holding, within=5.0, what="the standby taking over within 5 s")
    logging.getLogger(__name__).info("standby took over after %.2f s", time.monotonic() - died)
    before = second.ingest.written
    await until(lambda: second.ingest.written > before, what="ticks from the standby")


async def test_pings_are_answered(settings, running):
    # The fake pings every 0.1 s and drops a client that has not answered within 0.1 s.
    stream = FakeTickStream(walk=RandomWalk(1), rate_hz=2.0, ping_interval=0.1).start()
    try:
        run = Running(TickIngest(name="a", url=stream.url))
        running.append(run)
        await until(lambda: run.ingest.written > 0, what="first ticks")
        await asyncio.sleep(1.0)
        assert run.ingest.connections == 1
        assert stream.state()["open"] == 1
    finally:
        await running.pop().close()
        await asyncio.to_thread(stream.stop)


async def test_the_connection_is_renewed_before_the_exchange_cuts_it(fake, running):
    run = Running(TickIngest(name="a", reconnect_after_s=1.0))
    running.append(run)
    await until(lambda: run.ingest.rotations >= 2, what="two renewals")
    before = tick_count()
    await until(lambda: tick_count() > before, what="ticks after the renewals")
    assert run.ingest.stale_replaced == 0
    await until(lambda: fake.ticks.state()["open"] == 1, what="the old connections closed")


async def test_at_most_one_write_per_coin_per_interval(fake, running, settings):
    settings.TICK_MIN_INTERVAL_MS = 200
    fake.ticks.rate_hz = 20.0
    writes: list[tuple[float, dict]] = []
    run = Running(TickIngest(name="a", store=lambda ticks: writes.append((time.monotonic(), ticks))))
    running.append(run)
    await until(lambda: len(writes) >= 10, what="ten writes")
    elapsed = writes[-1][0] - writes[0][0]
    for coin in ("btc", "eth", "bnb"):
        # The exchange sent this coin about four times as often as it may be written.
        assert sum(coin in ticks for _, ticks in writes) <= elapsed / 0.2 + 1
    # Several coins per write: a burst of the exchange becomes one stream entry.
    assert max(len(ticks) for _, ticks in writes) == 7
