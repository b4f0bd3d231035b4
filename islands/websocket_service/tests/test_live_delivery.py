"""An entry added to a stream reaches a connected client through the relay and the real layer."""

from __future__ import annotations

from channels.layers import get_channel_layer

from islands.cache_system.selectors import heartbeat_age
from islands.cache_system.services import btc_price_store, summary_store
from islands.cache_system.stores import stores_reset, stream_store
from islands.websocket_service.relay import Relay
from islands.websocket_service.tests.conftest import connected, group_key, hub_joined, receive, summary


async def started_relay(name: str = "relay-test") -> Relay:
    relay = Relay(layer=get_channel_layer(), name=name, block_ms=50)
    await relay.run_once()  # creates the groups; entries from now on are relayed
    return relay


async def test_it_delivers_an_xadd_to_a_connected_client_with_the_same_stream_id(redis_conn):
    comm, _ = await connected()
    await hub_joined(redis_conn)
    relay = await started_relay()

    entry_id = summary_store(summary=summary(7))
    assert await relay.run_once() == 1
    frame = await receive(comm)
    assert (frame["type"], frame["stream_id"], frame["data"]) == ("dashboard_update", entry_id, summary(7))
    assert frame["timestamp"].endswith("Z")

    tick_id = btc_price_store(price_usd=61_000.5, change_24h=-1.5, last_updated="2026-11-26T00:00:00Z")
    assert await relay.run_once() == 1
    frame = await receive(comm)
    assert (frame["type"], frame["stream_id"], frame["data"]["price_usd"]) == ("btc_price_update", tick_id, 61_000.5)
    await comm.disconnect()


async def test_every_client_of_the_process_gets_the_entry_from_one_group_member(redis_conn):
    clients = [(await connected())[0] for _ in range(5)]
    await hub_joined(redis_conn)
    assert redis_conn.zcard(group_key()) == 1
    relay = await started_relay()
    entry_id = summary_store(summary=summary(3))
    await relay.run_once()
    for comm in clients:
        assert (await receive(comm))["stream_id"] == entry_id
        await comm.disconnect()


async def test_the_hub_leaves_the_layer_group_when_its_last_client_disconnects(redis_conn):
    first, _ = await connected()
    second, _ = await connected()
    await hub_joined(redis_conn)
    await first.disconnect()
    assert redis_conn.zcard(group_key()) == 1
    await second.disconnect()
    assert redis_conn.zcard(group_key()) == 0


async def test_the_relay_acknowledges_what_it_sent_and_records_a_heartbeat(redis_conn):
    relay = await started_relay()
    for n in range(3):
        summary_store(summary=summary(n))
    assert await relay.run_once() == 3
    info = {g["name"]: g for g in stream_store().group_info("crypto:market_data")}
    assert (info["websocket_broadcast"]["pending"], info["websocket_broadcast"]["lag"]) == (0, 0)
    assert heartbeat_age(name="relay") is not None


class RecordingLayer:
    def __init__(self) -> None:
        self.ids: list[str] = []

    async def group_send(self, group: str, message: dict) -> None:
        self.ids.append(message["stream_id"])


async def test_after_redis_lost_its_data_the_relay_sends_what_was_written_before_it_came_back(redis_conn):
    layer = RecordingLayer()
    relay = Relay(layer=layer, name="relay-restart", block_ms=50)
    await relay.run_once()
    before = summary_store(summary=summary(1))
    assert await relay.run_once() == 1
    redis_conn.flushall()  # Redis restarted empty: stream and group are gone
    stores_reset()
    written_meanwhile = summary_store(summary=summary(2))

    assert await relay.run_once() == 0  # NOGROUP
    assert await relay.run_once() == 1  # the group is back, starting after what this relay sent
    assert layer.ids == [before, written_meanwhile]
