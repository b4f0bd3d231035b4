"""Open sockets are counted (Prometheus gauge, summed over live processes) and shown by /health."""

from __future__ import annotations

import asyncio

from islands.websocket_service.selectors import connections_count
from islands.websocket_service.tests.conftest import connected


async def test_it_counts_sockets_as_they_open_and_close():
    before = await asyncio.to_thread(connections_count)
    first, _ = await connected()
    second, _ = await connected()
    assert await asyncio.to_thread(connections_count) == before + 2

    await first.disconnect()
    await second.disconnect()
    assert await asyncio.to_thread(connections_count) == before


def test_health_reports_the_count_beside_the_relay_heartbeat(client, db):
    body = client.get("/health").json()
    assert body["islands"]["websocket_service"]["clients"] == connections_count()
