"""Every client message type and every server frame of /ws (SPEC §7), over the real ASGI stack."""

from __future__ import annotations

import orjson

from islands.cache_system.services import summary_store
from islands.websocket_service.tests.conftest import communicator, connected, receive, summary


async def test_it_says_connected_then_sends_the_latest_summary_with_its_stream_id():
    entry_id = summary_store(summary=summary(1))
    comm, frame = await connected()
    assert frame["type"] == "dashboard_data"
    assert frame["stream_id"] == entry_id
    assert frame["data"] == summary(1)
    assert frame["timestamp"].endswith("Z")
    assert "resync" not in frame
    await comm.disconnect()


async def test_it_sends_a_no_data_error_rather_than_numbers_when_nothing_was_fetched():
    comm, frame = await connected()
    assert frame == {"type": "error", "code": "no_data", "message": "No market data has been fetched yet."}
    await comm.disconnect()


async def test_it_answers_a_raw_ping_and_a_json_ping_with_pong():
    comm, _ = await connected()
    await comm.send_to(text_data="ping")
    assert await receive(comm) == {"type": "pong"}
    await comm.send_to(text_data='{"type": "ping"}')
    assert await receive(comm) == {"type": "pong"}
    await comm.disconnect()


async def test_it_sends_a_fresh_snapshot_on_request_dashboard_data():
    comm, _ = await connected()
    entry_id = summary_store(summary=summary(2))
    await comm.send_to(text_data='{"type": "request_dashboard_data"}')
    frame = await receive(comm)
    assert (frame["type"], frame["stream_id"], frame["data"]) == ("dashboard_data", entry_id, summary(2))
    await comm.disconnect()


async def test_it_replays_the_entries_after_last_id_in_order_on_resume():
    ids = [summary_store(summary=summary(n)) for n in range(5)]
    comm, _ = await connected()
    await comm.send_to(text_data=orjson.dumps({"type": "resume", "last_id": ids[1]}).decode())
    frames = [await receive(comm) for _ in range(3)]
    assert [f["stream_id"] for f in frames] == ids[2:]
    assert {f["type"] for f in frames} == {"dashboard_update"}
    assert [f["data"] for f in frames] == [summary(n) for n in range(2, 5)]
    assert await comm.receive_nothing(timeout=0.1)
    await comm.disconnect()


async def test_it_sends_nothing_on_resume_from_the_newest_id():
    entry_id = summary_store(summary=summary(1))
    comm, _ = await connected()
    await comm.send_to(text_data=orjson.dumps({"type": "resume", "last_id": entry_id}).decode())
    assert await comm.receive_nothing(timeout=0.2)
    await comm.send_to(text_data="ping")
    assert await receive(comm) == {"type": "pong"}
    await comm.disconnect()


async def test_it_resyncs_with_a_snapshot_when_more_than_the_bound_was_missed(settings):
    settings.WS_RESUME_MAX = 3
    ids = [summary_store(summary=summary(n)) for n in range(6)]
    comm, _ = await connected()
    await comm.send_to(text_data=orjson.dumps({"type": "resume", "last_id": ids[0]}).decode())
    frame = await receive(comm)
    assert (frame["type"], frame["stream_id"], frame["resync"]) == ("dashboard_data", ids[-1], True)
    assert await comm.receive_nothing(timeout=0.1)
    await comm.disconnect()


async def test_it_resyncs_when_last_id_is_older_than_the_stream_or_newer_than_it(redis_conn):
    ids = [summary_store(summary=summary(n)) for n in range(3)]
    redis_conn.xtrim("crypto:market_data", minid=ids[1], approximate=False)
    comm, _ = await connected()
    for last_id in (ids[0], "99999999999999-0"):
        await comm.send_to(text_data=orjson.dumps({"type": "resume", "last_id": last_id}).decode())
        frame = await receive(comm)
        assert (frame["type"], frame["stream_id"], frame.get("resync")) == ("dashboard_data", ids[-1], True)
    await comm.disconnect()


async def test_a_reconnecting_client_gets_what_it_missed_instead_of_a_snapshot_via_the_query_string():
    ids = [summary_store(summary=summary(n)) for n in range(4)]
    comm, first = await connected(f"/ws?last_id={ids[1]}")
    second = await receive(comm)
    assert [first["stream_id"], second["stream_id"]] == ids[2:]
    assert first["type"] == second["type"] == "dashboard_update"
    assert await comm.receive_nothing(timeout=0.1)
    await comm.disconnect()


async def test_it_refuses_a_foreign_origin():
    comm = communicator(origin=(b"origin", b"https://evil.example"))
    accepted, _ = await comm.connect()
    assert not accepted
