"""A client that never reads neither slows the others nor grows the server's memory."""

from __future__ import annotations

import asyncio
from typing import Any

from islands.cache_system.services import summary_store
from islands.cache_system.stores import stream_store
from islands.cache_system.streams import parse_id
from islands.websocket_service.hub import Hub
from islands.websocket_service.live_socket import LiveSocket
from islands.websocket_service.services import entry_message
from islands.websocket_service.tests.conftest import summary


async def test_a_client_that_never_reads_is_resynced_while_the_others_get_every_frame(settings):
    settings.WS_SEND_QUEUE = 8
    stuck = asyncio.Event()
    fast_sent: list[dict[str, Any]] = []

    async def never_returns(message: dict[str, Any]) -> None:
        await stuck.wait()

    async def record(message: dict[str, Any]) -> None:
        fast_sent.append(message)

    hub = Hub()
    slow, fast = LiveSocket(never_returns, queue_size=8), LiveSocket(record, queue_size=8)
    hub.sockets |= {slow, fast}

    ids = []
    for n in range(100):
        ids.append(summary_store(summary=summary(n)))
        entry = stream_store().latest("crypto:market_data")
        hub.deliver(entry_message(stream="crypto:market_data", entry=entry))
        await asyncio.sleep(0)  # the writers run between broadcasts, as they do between relay messages

    for _ in range(100):
        if len(fast_sent) == len(ids):
            break
        await asyncio.sleep(0.001)
    assert [parse_id(m["text"].split('"stream_id":"')[1].split('"')[0]) for m in fast_sent] == [
        parse_id(i) for i in ids
    ]
    assert len(slow._queue) <= 8
    assert slow.resyncs > 0
    assert fast.resyncs == 0
    slow.stop()
    fast.stop()
