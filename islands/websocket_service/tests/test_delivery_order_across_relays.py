"""With several relays, every process forwards each market-data entry exactly once, in stream order.

Two relays share the consumer group, so consecutive entries go out through different relays and can
reach a web process in either order; the hub fills the gap from the stream and drops the late one.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import orjson
from channels.layers import get_channel_layer

from islands.cache_system.services import summary_store
from islands.cache_system.stores import stream_store
from islands.websocket_service.hub import Hub, hub_current
from islands.websocket_service.live_socket import RESYNC
from islands.websocket_service.relay import Relay
from islands.websocket_service.services import entry_message
from islands.websocket_service.tests.conftest import connected, hub_joined, receive, summary

STREAM = "crypto:market_data"


class RecordingSocket:
    """Stands in a hub's socket set and keeps the stream id of every frame it is handed."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.resyncs = 0

    def offer(self, frame: Any) -> None:
        if frame is RESYNC:
            self.resyncs += 1
        else:
            self.ids.append(orjson.loads(frame.message["text"])["stream_id"])


class LateLayer:
    """The real channel layer, but each group_send leaves `delay` seconds late (a slower relay)."""

    def __init__(self, layer: Any, delay: float) -> None:
        self.layer = layer
        self.delay = delay

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        await asyncio.sleep(self.delay)
        await self.layer.group_send(group, message)


def message(entry_id: str, prev_id: str | None) -> dict[str, Any]:
    entry = stream_store().range(STREAM, entry_id, entry_id)[0]
    return entry_message(stream=STREAM, entry=entry, prev_id=prev_id)


def hub_with_recorder() -> tuple[Hub, RecordingSocket]:
    hub, recorder = Hub(), RecordingSocket()
    hub.sockets.add(recorder)
    return hub, recorder


async def test_a_newer_entry_arriving_first_brings_the_older_one_before_it_and_the_late_one_is_dropped():
    ids = [summary_store(summary=summary(n)) for n in range(4)]
    hub, recorder = hub_with_recorder()
    await hub.arrive(message(ids[0], None))
    await hub.arrive(message(ids[2], ids[1]))  # overtook ids[1], sent by another relay
    await hub.arrive(message(ids[1], ids[0]))  # the late one
    await hub.arrive(message(ids[3], ids[2]))
    assert recorder.ids == ids
    assert hub.order.gaps_filled == 1


async def test_in_order_arrivals_are_forwarded_without_reading_the_stream(redis_conn):
    ids = [summary_store(summary=summary(n)) for n in range(5)]
    hub, recorder = hub_with_recorder()
    messages = [message(entry_id, prev) for prev, entry_id in zip([None, *ids], ids, strict=False)]
    redis_conn.delete(STREAM)  # a read now would find nothing to forward, and resync instead
    for m in messages:
        await hub.arrive(m)
    assert recorder.ids == ids
    assert hub.order.gaps_filled == 0


async def test_an_arrival_with_an_unknown_predecessor_is_checked_against_the_stream():
    ids = [summary_store(summary=summary(n)) for n in range(3)]
    hub, recorder = hub_with_recorder()
    await hub.arrive(message(ids[0], None))
    await hub.arrive(message(ids[2], None))
    assert recorder.ids == ids


async def test_a_gap_wider_than_the_resume_bound_resyncs_the_sockets_instead(settings):
    settings.WS_RESUME_MAX = 3
    ids = [summary_store(summary=summary(n)) for n in range(8)]
    hub, recorder = hub_with_recorder()
    await hub.arrive(message(ids[0], None))
    await hub.arrive(message(ids[7], ids[6]))
    await hub.arrive(message(ids[3], ids[2]))  # older than what the resync covers: dropped
    assert (recorder.ids, recorder.resyncs) == ([ids[0]], 1)


async def test_two_relays_and_a_burst_of_xadds_reach_a_client_once_each_in_order(redis_conn):
    comm, _ = await connected()
    await hub_joined(redis_conn)
    layer = get_channel_layer()
    # One relay sends late, so its entries arrive after the other relay's newer ones.
    relays = [
        Relay(layer=layer, name="relay-prompt", block_ms=20, batch=1),
        Relay(layer=LateLayer(layer, 0.03), name="relay-late", block_ms=20, batch=1),
    ]
    for relay in relays:
        await relay.run_once()
    stop = threading.Event()
    tasks = [asyncio.create_task(relay.run(stop=stop)) for relay in relays]

    ids = []
    for n in range(40):
        ids.append(summary_store(summary=summary(n)))
        await asyncio.sleep(0.002)
    received = []
    while len(received) < len(ids):
        received.append((await receive(comm, timeout=5))["stream_id"])
    assert await comm.receive_nothing(timeout=0.3)  # a duplicate would show up here
    stop.set()
    await asyncio.gather(*tasks)

    assert received == ids
    assert all(relay.delivered for relay in relays)  # both relays took part
    assert hub_current().order.gaps_filled > 0  # and their frames did arrive out of order
    await comm.disconnect()


class RecordingLayer:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        self.messages.append(message)


async def test_the_relay_names_each_entrys_predecessor_even_one_it_did_not_send():
    layer = RecordingLayer()
    relay = Relay(layer=layer, name="relay-prev", block_ms=20)
    await relay.run_once()  # the group starts at the stream's end
    before = summary_store(summary=summary(0))  # sent by nobody here, yet the next one's predecessor
    relay_before = Relay(layer=RecordingLayer(), name="relay-other", block_ms=20)
    assert await relay_before.run_once() == 1
    ids = [summary_store(summary=summary(n)) for n in range(1, 4)]
    assert await relay.run_once() == 3
    assert [(m["stream_id"], m["prev_id"]) for m in layer.messages] == list(zip(ids, [before, *ids[:-1]], strict=True))
