"""Zulip's test: an old snapshot plus the replayed entries equals a fresh snapshot."""

from __future__ import annotations

from typing import Any

import orjson

from islands.cache_system.services import summary_store
from islands.websocket_service.tests.conftest import connected, receive, summary


def apply(state: dict[str, Any], frame: dict[str, Any]) -> dict[str, Any]:
    """What the browser client does with a dashboard frame: every field of the entry replaces its tile."""
    return {**state, **frame["data"]}


async def test_a_client_resuming_from_an_old_id_gets_exactly_the_missed_entries_and_ends_on_the_fresh_snapshot():
    summary_store(summary=summary(0))
    comm, snapshot = await connected()
    state, last_id = snapshot["data"], snapshot["stream_id"]
    await comm.disconnect()

    # Away: ten summaries, some with fields the client has never seen or that became unknown.
    missed = []
    for n in range(1, 11):
        data = summary(n)
        if n % 3 == 0:
            data["fng_value"] = None
        data["eth_price_usd"] = 3_000 + n
        missed.append(summary_store(summary=data))

    comm, _ = await connected()
    await comm.send_to(text_data=orjson.dumps({"type": "resume", "last_id": last_id}).decode())
    replayed = [await receive(comm) for _ in missed]
    assert [f["stream_id"] for f in replayed] == missed
    assert await comm.receive_nothing(timeout=0.1)
    for frame in replayed:
        state = apply(state, frame)

    await comm.send_to(text_data='{"type": "request_dashboard_data"}')
    fresh = await receive(comm)
    assert fresh["stream_id"] == missed[-1]
    assert state == fresh["data"]
    await comm.disconnect()
