"""crypto:markets: bounded by its own MAXLEN, relayed to connected clients as `markets_update`."""

from __future__ import annotations

from channels.layers import get_channel_layer
from django.conf import settings

from islands.cache_system.services import markets_store, summary_store
from islands.cache_system.stores import stores_reset
from islands.websocket_service.relay import Relay
from islands.websocket_service.tests.conftest import connected, hub_joined, receive, summary

TABLE = {
    "coins": [{"rank": 1, "id": "bitcoin", "symbol": "BTC", "name": "Bitcoin", "price_usd": 67000.5}],
    "fetched_at": "2026-11-29T00:00:00Z",
    "source": {"name": "coingecko", "status": "ok", "error": None},
    "top_n": 1,
}


def test_the_markets_stream_is_bounded_by_its_own_maxlen(redis_conn, settings):
    settings.STREAM_MAXLENS = {settings.STREAM_MARKETS: 10}
    stores_reset()
    for _ in range(250):
        markets_store(table=TABLE)
        summary_store(summary=summary(1))

    # MAXLEN ~ trims whole macro-nodes (100 entries by default): at most one node above the bound.
    assert 10 <= redis_conn.xlen(settings.STREAM_MARKETS) <= 110
    assert redis_conn.xlen(settings.STREAM_MARKET_DATA) == 250  # the summaries keep STREAM_MAXLEN


async def test_a_markets_entry_reaches_a_connected_client(redis_conn):
    comm, _ = await connected()
    await hub_joined(redis_conn)
    relay = Relay(layer=get_channel_layer(), name="relay-markets", block_ms=50)
    await relay.run_once()

    entry_id = markets_store(table=TABLE)
    assert await relay.run_once() == 1
    frame = await receive(comm)

    assert (frame["type"], frame["stream_id"]) == ("markets_update", entry_id)
    groups = {
        g["name"].decode() if isinstance(g["name"], bytes) else g["name"]
        for g in redis_conn.xinfo_groups(settings.STREAM_MARKETS)
    }
    assert settings.RELAY_GROUP in groups
    await comm.disconnect()
