"""Bad input gets an error frame and the connection stays; abuse is closed with 1008/1009."""

from __future__ import annotations

import orjson
import pytest

from islands.websocket_service.tests.conftest import connected, receive


async def assert_still_open(comm) -> None:
    await comm.send_to(text_data="ping")
    assert await receive(comm) == {"type": "pong"}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("{not json", "malformed"),
        ("pong", "malformed"),
        ("   ", "malformed"),
        ("[1, 2]", "unknown_type"),
        ('"resume"', "unknown_type"),
        ('{"type": "subscribe"}', "unknown_type"),
        ('{"no_type": 1}', "unknown_type"),
        ('{"type": "resume"}', "bad_last_id"),
        ('{"type": "resume", "last_id": "abc"}', "bad_last_id"),
        ('{"type": "resume", "last_id": "12-34-56"}', "bad_last_id"),
        ('{"type": "resume", "last_id": 1700000000000}', "bad_last_id"),
        ('{"type": "resume", "last_id": "-1"}', "bad_last_id"),
    ],
)
async def test_it_answers_bad_messages_with_an_error_frame_and_keeps_the_connection(text, code):
    comm, _ = await connected()
    await comm.send_to(text_data=text)
    frame = await receive(comm)
    assert (frame["type"], frame["code"]) == ("error", code)
    assert frame["message"]
    await assert_still_open(comm)
    await comm.disconnect()


async def test_it_answers_a_binary_frame_with_an_error_frame():
    comm, _ = await connected()
    await comm.send_to(bytes_data=b"\x00\x01")
    frame = await receive(comm)
    assert (frame["type"], frame["code"]) == ("error", "binary_not_supported")
    await assert_still_open(comm)
    await comm.disconnect()


async def test_it_closes_with_1009_on_a_2_mb_frame():
    comm, _ = await connected()
    await comm.send_to(text_data=orjson.dumps({"type": "ping", "pad": "x" * 2_000_000}).decode())
    assert await comm.receive_output(timeout=2) == {"type": "websocket.close", "code": 1009}
    await comm.wait()


async def test_it_rate_limits_then_closes_with_1008_a_client_sending_500_messages_in_a_second(settings):
    comm, _ = await connected()
    for _ in range(500):
        await comm.send_to(text_data="ping")
    outputs = []
    while True:
        output = await comm.receive_output(timeout=2)
        outputs.append(output)
        if output["type"] == "websocket.close":
            break
    frames = [orjson.loads(o["text"]) for o in outputs if o["type"] == "websocket.send"]
    pongs = [f for f in frames if f["type"] == "pong"]
    errors = [f for f in frames if f["type"] == "error"]
    assert outputs[-1] == {"type": "websocket.close", "code": 1008}
    # The burst (and what the bucket refilled meanwhile) is served; the rest gets rate_limited
    # errors (one per run of rejections), then the close.
    assert settings.WS_RATE_BURST <= len(pongs) < 100
    assert errors
    assert {e["code"] for e in errors} == {"rate_limited"}
    await comm.wait()


async def test_a_short_burst_under_the_limit_is_served_in_full(settings):
    comm, _ = await connected()
    for _ in range(settings.WS_RATE_BURST):
        await comm.send_to(text_data="ping")
    for _ in range(settings.WS_RATE_BURST):
        assert await receive(comm) == {"type": "pong"}
    await comm.disconnect()
