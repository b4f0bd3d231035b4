"""WebSocket amplification by reconnecting: a socket closed with 1008 came back with a fresh budget.

The snapshot/resume budget was per socket, so an abusive client closed for spending it simply
reconnected and spent a new one, over and over. Now the budget is also per client address, shared
by the address's sockets and kept across reconnects, and an address closed for abuse
WS_ABUSE_CLOSES_PER_IP times is refused at the handshake for WS_ABUSE_COOLDOWN_S. Time is a fake
clock here (budgets.monotonic), so "after the window" needs no waiting.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from channels.testing import WebsocketCommunicator
from django.test import override_settings

from islands.cache_system.services import summary_store
from islands.cache_system.stores import stream_store
from islands.websocket_service import budgets
from islands.websocket_service.budgets import ADDRESSES
from islands.websocket_service.hub import hub_current
from islands.websocket_service.services import entry_message
from islands.websocket_service.tests.conftest import communicator, receive, summary

ABUSER = "198.51.100.7"
OTHER = "198.51.100.8"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(budgets, "monotonic", fake)
    return fake


def _resume(last_id: str) -> str:
    return orjson.dumps({"type": "resume", "last_id": last_id}).decode()


def _from(address: str) -> WebsocketCommunicator:
    comm = communicator()
    comm.scope["client"] = (address, 40000)
    return comm


async def _open(address: str) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    """An accepted socket from address, past `connected`, and the frame its opening request got."""
    comm = _from(address)
    assert await comm.connect() == (True, None)
    assert await receive(comm) == {"type": "connected"}
    return comm, await receive(comm)


async def _closed_with(comm: WebsocketCommunicator, code: int) -> None:
    assert await comm.receive_output(timeout=2) == {"type": "websocket.close", "code": code}
    await comm.disconnect(code)  # as a server does once the close went out: the consumer's slot is freed


def _limited(frame: dict[str, Any]) -> bool:
    return (frame["type"], frame.get("code")) == ("error", "resume_limited")


@override_settings(
    WS_RESUME_BURST=100,  # the socket's own budget is not what runs out here
    WS_RESUME_PER_IP_BURST=3,
    WS_RESUME_PER_IP_PER_MINUTE=1,
    WS_RESUME_ABUSE_REJECTS=2,
    WS_ABUSE_CLOSES_PER_IP=10,  # no cool-down in this test
)
async def test_a_socket_reconnecting_from_an_abusive_address_gets_no_fresh_budget(clock):
    ids = [summary_store(summary=summary(n)) for n in range(3)]
    first, snapshot = await _open(ABUSER)  # 1 of the address's 3
    assert snapshot["stream_id"] == ids[-1]
    await first.send_to(text_data=_resume(ids[1]))  # 2 of 3
    assert (await receive(first))["stream_id"] == ids[2]
    await first.send_to(text_data=_resume(ids[0]))  # 3 of 3
    assert [(await receive(first))["stream_id"] for _ in range(2)] == ids[1:]
    await first.send_to(text_data=_resume(ids[0]))
    assert _limited(await receive(first))
    await first.send_to(text_data=_resume(ids[0]))
    await _closed_with(first, 1008)

    # The client comes straight back: a new socket, but the address's budget is still spent, so
    # even the snapshot every socket starts with is refused (and then the socket is closed again).
    again, opening = await _open(ABUSER)
    assert _limited(opening)
    # Live frames still reach it (they were held for the opening snapshot's answer, refused).
    ids.append(summary_store(summary=summary(3)))
    hub_current().deliver(entry_message(stream="crypto:market_data", entry=stream_store().latest("crypto:market_data")))
    assert (await receive(again))["stream_id"] == ids[-1]
    await again.send_to(text_data=_resume(ids[0]))
    await _closed_with(again, 1008)

    # Another address has a budget of its own.
    other, snapshot = await _open(OTHER)
    assert snapshot["stream_id"] == ids[-1]
    await other.send_to(text_data=_resume(ids[0]))
    assert [(await receive(other))["stream_id"] for _ in range(3)] == ids[1:]
    await other.disconnect()


@override_settings(
    WS_RESUME_PER_IP_BURST=2,
    WS_RESUME_PER_IP_PER_MINUTE=2,
    WS_RESUME_ABUSE_REJECTS=2,
    WS_ABUSE_CLOSES_PER_IP=2,
    WS_ABUSE_COOLDOWN_S=60,
    WS_ABUSE_REFUSE_DELAY_S=0,
)
async def test_an_address_closed_for_abuse_is_refused_at_the_handshake_until_its_cool_down_ends(clock):
    ids = [summary_store(summary=summary(n)) for n in range(2)]
    first, _ = await _open(ABUSER)
    await first.send_to(text_data=_resume(ids[0]))  # the second request spends the budget
    assert (await receive(first))["stream_id"] == ids[1]
    for _ in range(2):  # the next two are refused
        await first.send_to(text_data=_resume(ids[0]))
    assert _limited(await receive(first))
    await _closed_with(first, 1008)  # the address's first close for abuse
    second, opening = await _open(ABUSER)
    assert _limited(opening)
    await second.send_to(text_data=_resume(ids[0]))
    await _closed_with(second, 1008)  # the second: the cool-down starts

    assert await _from(ABUSER).connect() == (False, 1008)  # refused before accepting (403 on the wire)
    other, snapshot = await _open(OTHER)  # another address is not affected
    assert snapshot["stream_id"] == ids[-1]
    await other.disconnect()

    clock.now += 59
    assert await _from(ABUSER).connect() == (False, 1008)  # refusals do not end the cool-down early
    clock.now += 2
    # Past the cool-down, and the budget has refilled over the same minute (2 a minute).
    back, snapshot = await _open(ABUSER)
    assert snapshot["stream_id"] == ids[-1]
    await back.send_to(text_data=_resume(ids[0]))
    assert (await receive(back))["stream_id"] == ids[1]
    await back.disconnect()


@override_settings(WS_MAX_FRAME_BYTES=256, WS_ABUSE_CLOSES_PER_IP=2, WS_ABUSE_REFUSE_DELAY_S=0)
async def test_oversized_frames_count_as_abuse_too(clock):
    for _ in range(2):
        comm, _ = await _open(ABUSER)
        await comm.send_to(text_data="x" * 300)
        await _closed_with(comm, 1009)
    assert await _from(ABUSER).connect() == (False, 1008)


@override_settings(WS_RESUME_PER_IP_BURST=2, WS_RESUME_PER_IP_PER_MINUTE=60, WS_ABUSE_CLOSES_PER_IP=2)
async def test_an_address_that_owes_nothing_leaves_no_record(clock):
    summary_store(summary=summary(0))
    comm, _ = await _open(OTHER)  # its opening snapshot spends one of two: refilled in a second
    await comm.disconnect()
    assert ADDRESSES.count(OTHER) == 0
    assert ADDRESSES.known() == 1  # kept while it owes: a reconnect must not find a full budget
    clock.now += budgets.SWEEP_EVERY_S + 1
    comm, _ = await _open(ABUSER)  # the next handshake sweeps records that owe nothing any more
    assert ADDRESSES.known() == 1
    await comm.disconnect()
    clock.now += 1
    # One that owes nothing when its last socket closes is dropped at once.
    comm, _ = await _open(ABUSER)
    clock.now += 2
    await comm.disconnect()
    assert ADDRESSES.known() == 0


@override_settings(
    WS_MAX_FRAME_BYTES=256, WS_ABUSE_CLOSES_PER_IP=1, WS_ABUSE_REFUSE_DELAY_S=30, WS_MAX_CONNECTIONS_PER_IP=2
)
async def test_a_refusal_in_the_cool_down_is_answered_late_and_holds_a_slot_meanwhile(clock):
    comm, _ = await _open(ABUSER)
    await comm.send_to(text_data="x" * 300)
    await _closed_with(comm, 1009)  # the cool-down starts
    waiting = [_from(ABUSER) for _ in range(2)]
    for refused in waiting:
        await refused.send_input({"type": "websocket.connect"})
    for refused in waiting:
        assert await refused.receive_nothing(timeout=0.2)  # no answer yet: a retry loop waits for it
    # Both of the address's slots are held by waiting refusals: the next one is refused at once.
    assert await _from(ABUSER).connect() == (False, 1013)
    for refused in waiting:  # the client gives up (or the server stops): the slots come back
        refused.future.cancel()
    await asyncio.gather(*(refused.future for refused in waiting), return_exceptions=True)
    assert ADDRESSES.count(ABUSER) == 0
