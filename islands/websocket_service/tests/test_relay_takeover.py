"""Two relays deliver each entry exactly once, also when one dies between XREADGROUP and XACK."""

from __future__ import annotations

import asyncio
import threading

import orjson
from channels.layers import get_channel_layer
from django.conf import settings

from islands.cache_system.services import summary_store
from islands.cache_system.stores import stream_store
from islands.websocket_service.hub import hub_current
from islands.websocket_service.relay import Relay
from islands.websocket_service.tests.conftest import connected, hub_joined, receive, summary

STREAMS = ["crypto:market_data", "crypto:btc_price"]


async def test_an_entry_left_pending_by_a_dead_relay_is_delivered_once_by_another(redis_conn):
    comm, _ = await connected()
    await hub_joined(redis_conn)
    store = stream_store()
    for stream in STREAMS:
        store.group_ensure(stream, settings.RELAY_GROUP)
    entry_id = summary_store(summary=summary(1))
    # relay-a reads the entry and is killed before it sends or acknowledges anything.
    taken = store.group_read_many(STREAMS, settings.RELAY_GROUP, "relay-a", count=10, block_ms=50, pending=False)
    assert [entry.id for _, entry in taken] == [entry_id]

    relay_b = Relay(layer=get_channel_layer(), name="relay-b", block_ms=50, claim_idle_ms=50)
    await asyncio.sleep(0.1)
    assert await relay_b.run_once() == 1
    frame = await receive(comm)
    assert frame["stream_id"] == entry_id

    for _ in range(3):
        assert await relay_b.run_once() == 0
    assert await comm.receive_nothing(timeout=0.2)
    assert store.group_info("crypto:market_data")[0]["pending"] == 0
    await comm.disconnect()


class RecordingSocket:
    """Stands beside the real sockets in the hub and keeps every frame the hub was handed."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    def offer(self, frame) -> None:
        self.ids.append(orjson.loads(frame.message["text"])["stream_id"])


async def test_two_relays_running_together_deliver_every_entry_exactly_once(redis_conn):
    comm, _ = await connected()
    await hub_joined(redis_conn)
    recorder = RecordingSocket()
    hub_current().sockets.add(recorder)
    stop = threading.Event()
    relays = [Relay(layer=get_channel_layer(), name=f"relay-{n}", block_ms=50) for n in range(2)]
    for relay in relays:
        await relay.run_once()
    tasks = [asyncio.create_task(relay.run(stop=stop)) for relay in relays]

    ids = [summary_store(summary=summary(n)) for n in range(20)]
    for _ in range(300):
        if len(recorder.ids) >= len(ids):
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)  # time for a duplicate to show up, if there were one
    stop.set()
    await asyncio.gather(*tasks)

    assert recorder.ids == ids
    assert sum(relay.delivered for relay in relays) == len(ids)
    assert stream_store().group_info("crypto:market_data")[0]["pending"] == 0
    # The two relays' frames may reach the hub out of order; the client still gets each, in order.
    seen = []
    while not await comm.receive_nothing(timeout=0.05):
        seen.append((await receive(comm))["stream_id"])
    assert seen == ids
    hub_current().sockets.discard(recorder)
    await comm.disconnect()
