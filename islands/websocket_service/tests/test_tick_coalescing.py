"""Exchange ticks on the sockets: coalesced per process and per socket, newest first, never a backlog."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from channels.layers import get_channel_layer

from islands.cache_system.services import ticks_store
from islands.websocket_service.hub import Hub
from islands.websocket_service.live_socket import LiveSocket
from islands.websocket_service.relay import Relay
from islands.websocket_service.tests.conftest import connected, hub_joined, receive
from islands.websocket_service.ticks import TickCoalescer

COINS = ("btc", "eth", "sol", "xrp", "ada", "link", "bnb")


def tick_message(n: int, coins: tuple[str, ...] = COINS, *, at: int | None = None) -> dict[str, Any]:
    t = at if at is not None else 1_800_000_000_000 + n
    return {
        "type": "live.frame",
        "stream": "crypto:ticks",
        "stream_id": f"{t}-0",
        "source": "binance_ws",
        "ticks": {coin: {"price_usd": 100.0 + n, "change_24h": 1.0, "t": t} for coin in coins},
    }


class Recorder:
    """An ASGI send that records the frames; `gate` (when set) holds every send until opened."""

    def __init__(self, gate: asyncio.Event | None = None) -> None:
        self.frames: list[dict[str, Any]] = []
        self.gate = gate

    async def __call__(self, message: dict[str, Any]) -> None:
        if self.gate is not None:
            await self.gate.wait()
        self.frames.append(orjson.loads(message["text"]))


async def settle(coalescer: TickCoalescer) -> None:
    """Until no flush is scheduled any more (bounded)."""
    for _ in range(500):
        await asyncio.sleep(0.01)
        if coalescer._timer is None:
            return
    raise AssertionError("a flush stayed scheduled")


async def test_ticks_reach_each_socket_at_most_hz_times_a_second_with_the_newest_prices():
    hub = Hub()
    hub.ticks.period = 0.25
    sent = [Recorder() for _ in range(3)]
    hub.sockets |= {LiveSocket(recorder, queue_size=8) for recorder in sent}
    for n in range(50):
        await hub.arrive(tick_message(n, coins=(COINS[n % 7],)))
        # The first ticks go out after the gather; the others arrive after that frame left.
        await asyncio.sleep(0.02 if n == 5 else 0)
    await settle(hub.ticks)
    for recorder in sent:
        # Ticks 0-5 in one frame, the 44 others in one frame when the period ends: never 50.
        assert len(recorder.frames) == 2
        assert recorder.frames[0]["data"]["sol"]["price_usd"] == 102.0
        last = recorder.frames[-1]
        assert last["type"] == "ticks"
        assert {coin: tick["price_usd"] for coin, tick in last["data"].items()} == {
            coin: 100.0 + max(n for n in range(50) if COINS[n % 7] == coin) for coin in COINS
        }
        assert all(tick["source"] == "binance_ws" for tick in last["data"].values())
    assert hub.ticks.flushes == 2


async def test_a_slow_socket_gets_the_newest_tick_frame_never_a_backlog():
    gate = asyncio.Event()
    slow, fast = Recorder(gate), Recorder()
    slow_socket, fast_socket = LiveSocket(slow, queue_size=8), LiveSocket(fast, queue_size=8)
    coalescer = TickCoalescer(lambda: [slow_socket, fast_socket], hz=1000)
    for n in range(10):
        coalescer.add(tick_message(n))
        await settle(coalescer)
    assert len(fast.frames) == 10
    # The slow socket is still sending the first frame; only the newest one waits behind it.
    assert slow.frames == []
    gate.set()
    for _ in range(100):
        await asyncio.sleep(0.01)
        if len(slow.frames) == 2:
            break
    assert [f["data"]["btc"]["price_usd"] for f in slow.frames] == [100.0, 109.0]
    assert slow_socket._tick is None and not slow_socket._queue


async def test_a_late_redelivery_never_steps_a_coin_back():
    socket_sent = Recorder()
    coalescer = TickCoalescer(lambda: [LiveSocket(socket_sent, queue_size=8)], hz=1000)
    coalescer.add(tick_message(5))
    await settle(coalescer)
    coalescer.add(tick_message(1))  # older exchange time: nothing changes, nothing is sent
    await settle(coalescer)
    assert [f["data"]["btc"]["price_usd"] for f in socket_sent.frames] == [105.0]


async def test_malformed_ticks_are_ignored():
    sent = Recorder()
    coalescer = TickCoalescer(lambda: [LiveSocket(sent, queue_size=8)], hz=1000)
    message = tick_message(1)
    message["ticks"] = {"btc": {"price_usd": "high", "t": 1}, "eth": [], "sol": {"price_usd": 1.0, "t": "x"}}
    coalescer.add(message)
    coalescer.add({**tick_message(2), "ticks": None})
    await settle(coalescer)
    assert sent.frames == []


async def test_a_tick_in_the_stream_reaches_a_client_through_the_relay(redis_conn):
    comm, _ = await connected()
    await hub_joined(redis_conn)
    relay = Relay(layer=get_channel_layer(), name="relay-ticks", block_ms=50)
    await relay.run_once()
    entry_id = ticks_store(
        ticks={"btc": {"price_usd": 70_001.5, "change_24h": 2.5, "t": 1_800_000_000_000}}, source="x"
    )
    assert await relay.run_once() == 1
    frame = await receive(comm)
    assert frame["type"] == "ticks"
    assert frame["stream_id"] == entry_id
    assert frame["data"] == {"btc": {"price_usd": 70_001.5, "change_24h": 2.5, "t": 1_800_000_000_000, "source": "x"}}

    # A client that connects now starts from the newest ticks, without waiting for the next one.
    late, second = await connected()
    frames = [second, await receive(late)]
    assert [f["data"]["btc"]["price_usd"] for f in frames if f["type"] == "ticks"] == [70_001.5]
    await comm.disconnect()
    await late.disconnect()
