"""WebSocket amplification: resume spam, gaps read entry by entry, sockets per address, work after close.

Each `resume` used to read up to WS_RESUME_MAX entries even when it ended in a resync, every socket
could ask at the general frame rate, requests queued behind a slow read ran on after the socket
left, and one address could open thousands of sockets. Each test repeats one of those attacks.
"""

from __future__ import annotations

import asyncio
import collections
import threading
from typing import Any

import orjson
import pytest
from django.test import override_settings

from islands.cache_system.services import summary_store
from islands.cache_system.stores import stream_store
from islands.websocket_service import consumers, selectors
from islands.websocket_service.budgets import ADDRESSES
from islands.websocket_service.selectors import Replay
from islands.websocket_service.tests.conftest import communicator, connected, receive, summary


def _resume(last_id: str) -> str:
    return orjson.dumps({"type": "resume", "last_id": last_id}).decode()


class CountingStore:
    """The real stream store, counting the entries (or ids) each of its reads returned."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.read: collections.Counter[str] = collections.Counter()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.store, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            self.read[name] += len(result) if isinstance(result, list) else int(result is not None)
            return result

        return counted


@pytest.fixture
def counting(monkeypatch) -> CountingStore:
    store = CountingStore(stream_store())
    monkeypatch.setattr(selectors, "stream_store", lambda: store)
    return store


@override_settings(WS_RESUME_BURST=2, WS_RESUME_PER_MINUTE=0.1, WS_RESUME_ABUSE_REJECTS=3)
async def test_resume_spam_gets_error_frames_then_a_1008_close():
    ids = [summary_store(summary=summary(n)) for n in range(3)]
    comm, snapshot = await connected()  # the snapshot every socket starts with is the first request
    assert snapshot["stream_id"] == ids[-1]
    await comm.send_to(text_data=_resume(ids[0]))  # the second: within the budget
    assert [(await receive(comm))["stream_id"] for _ in range(2)] == ids[1:]
    for _ in range(2):
        await comm.send_to(text_data=_resume(ids[0]))
        frame = await receive(comm)
        assert (frame["type"], frame["code"]) == ("error", "resume_limited")
    await comm.send_to(text_data=_resume(ids[0]))
    assert await comm.receive_output(timeout=2) == {"type": "websocket.close", "code": 1008}
    await comm.wait()


@override_settings(WS_RESUME_MAX=50, WS_RESUME_BURST=20)
async def test_a_gap_beyond_the_limit_resyncs_without_reading_the_entries(counting):
    ids = [summary_store(summary=summary(n)) for n in range(80)]
    comm, _ = await connected()
    # The first resume of the process learns where the limit falls (one read of 51 entries).
    await comm.send_to(text_data=_resume(ids[-3]))
    assert [(await receive(comm))["stream_id"] for _ in range(2)] == ids[-2:]
    counting.read.clear()
    for _ in range(5):
        await comm.send_to(text_data=_resume(ids[0]))  # 79 missed
        frame = await receive(comm)
        assert (frame["type"], frame["stream_id"], frame.get("resync")) == ("dashboard_data", ids[-1], True)
    # Per resume: the first id and the newest entry (also the snapshot sent); none of the 51
    # entries each of them used to read.
    assert counting.read["after"] == counting.read["range"] == counting.read["revrange"] == 0
    assert counting.read["first_id"] == counting.read["latest"] == 5
    # A new entry moves the limit forward by reading that entry, not the 51 before it.
    ids.append(summary_store(summary=summary(80)))
    counting.read.clear()
    await comm.send_to(text_data=_resume(ids[-52]))  # 51 missed: one over the limit
    frame = await receive(comm)
    assert (frame["stream_id"], frame.get("resync")) == (ids[-1], True)
    # first id, newest, the known newest still there, the new entry, the limit's next one
    assert sum(counting.read.values()) == 5
    # A gap within the limit still replays every entry, in order.
    await comm.send_to(text_data=_resume(ids[-51]))
    replayed = [(await receive(comm))["stream_id"] for _ in range(50)]
    assert replayed == ids[-50:]
    await comm.disconnect()


async def test_an_id_older_than_the_stream_resyncs_without_reading(redis_conn, counting):
    ids = [summary_store(summary=summary(n)) for n in range(20)]
    redis_conn.xtrim("crypto:market_data", minid=ids[10], approximate=False)
    comm, _ = await connected()
    counting.read.clear()
    await comm.send_to(text_data=_resume(ids[2]))
    frame = await receive(comm)
    assert (frame["stream_id"], frame.get("resync")) == (ids[-1], True)
    assert counting.read["first_id"] == 1
    assert counting.read["after"] == counting.read["range"] == counting.read["revrange"] == 0
    await comm.disconnect()


def _from(address: str, **headers: str):
    comm = communicator()
    comm.scope["client"] = (address, 40000)
    comm.scope["headers"] = [*comm.scope["headers"], *((k.encode(), v.encode()) for k, v in headers.items())]
    return comm


@override_settings(WS_MAX_CONNECTIONS_PER_IP=3, TRUSTED_PROXIES=["10.0.0.2"])
async def test_one_address_gets_at_most_the_cap_of_sockets_and_others_are_not_affected():
    opened = []
    for _ in range(3):
        comm = _from("198.51.100.7")
        accepted, _ = await comm.connect()
        assert accepted
        opened.append(comm)
    refused = _from("198.51.100.7")
    assert await refused.connect() == (False, 1013)  # refused at the handshake (a 403 on the wire)
    # Spoofing X-Forwarded-For without a trusted proxy changes nothing.
    spoofed = _from("198.51.100.7", **{"x-forwarded-for": "203.0.113.1"})
    assert await spoofed.connect() == (False, 1013)
    other = _from("198.51.100.8")
    assert (await other.connect())[0]
    # Behind the trusted proxy, the client named by the proxy is counted, not the proxy.
    proxied = _from("10.0.0.2", **{"x-forwarded-for": "203.0.113.1"})
    assert (await proxied.connect())[0]
    assert ADDRESSES.count("203.0.113.1") == 1
    # A socket that closes frees its slot.
    await opened.pop().disconnect()
    again = _from("198.51.100.7")
    assert (await again.connect())[0]
    for comm in (*opened, other, proxied, again):
        await comm.disconnect()
    assert ADDRESSES.count("198.51.100.7") == 0


@override_settings(WS_RESUME_BURST=10)
async def test_requests_still_waiting_when_the_socket_closes_never_run(monkeypatch):
    ids = [summary_store(summary=summary(n)) for n in range(3)]
    release, calls, finished = threading.Event(), [], threading.Event()

    def slow_replay(*, last_id: str, limit: int) -> Replay:
        calls.append(last_id)
        release.wait(5)
        finished.set()
        return Replay(entries=[], resync=False)

    monkeypatch.setattr(consumers, "replay_after", slow_replay)
    comm, _ = await connected()
    for last_id in ids:  # the first is read (and blocks); the others wait behind it
        await comm.send_to(text_data=_resume(last_id))
    for _ in range(100):
        if calls:
            break
        await asyncio.sleep(0.01)
    await comm.disconnect()  # answered at once: receive() never waits for a read
    release.set()
    assert await asyncio.to_thread(finished.wait, 5)
    await asyncio.sleep(0.2)  # room for anything that would wrongly run on
    assert calls == [ids[0]]
