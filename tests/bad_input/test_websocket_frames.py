"""Hostile /ws handshakes and frames, against the full cryptodash.asgi.application: an error frame
(and the socket stays usable), a close code, or a refused handshake; never an exception.

Frames the websocket_service island already tests (plain malformed JSON, wrong types, a binary
frame, 2 MB, a flood) live in islands/websocket_service/tests/test_consumer_bad_input.py."""

from __future__ import annotations

import orjson
import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from cryptodash.asgi import application
from islands.cache_system.services import summary_store
from islands.websocket_service.tests.conftest import ORIGIN, connected, receive


async def _pong(comm: WebsocketCommunicator) -> None:
    await comm.send_to(text_data="ping")
    assert await receive(comm) == {"type": "pong"}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("[" * 2_000 + "]" * 2_000, "malformed"),  # deeper than any JSON parser recurses
        ('{"type": "ping", "x": NaN}', "malformed"),
        ('{"type": "ping", "x": 1e400}', "malformed"),
        ("\x00\x00\x00", "malformed"),
        ('"\\ud800"', "malformed"),
        ("💥" * 100, "malformed"),
        ('{"type": ["ping"]}', "unknown_type"),
        ('{"type": {"$ne": null}}', "unknown_type"),
        ('{"type": "ping\\u0000"}', "unknown_type"),
        ('{"type": "resume", "last_id": null}', "bad_last_id"),
        ('{"type": "resume", "last_id": []}', "bad_last_id"),
        ('{"type": "resume", "last_id": {"ms": 1}}', "bad_last_id"),
        ('{"type": "resume", "last_id": true}', "bad_last_id"),
        ('{"type": "resume", "last_id": 1.5}', "bad_last_id"),
        ('{"type": "resume", "last_id": "1-1\\u0000"}', "bad_last_id"),
        ('{"type": "resume", "last_id": "1700000000000-0 "}', "bad_last_id"),
        ('{"type": "resume", "last_id": "\\u0663-0"}', "bad_last_id"),
    ],
    ids=lambda v: v[:24],
)
async def test_a_hostile_frame_gets_an_error_frame_and_the_socket_stays(text, code):
    comm, _ = await connected()
    await comm.send_to(text_data=text)
    frame = await receive(comm)
    assert (frame["type"], frame["code"]) == ("error", code)
    await _pong(comm)
    await comm.disconnect()


@pytest.mark.parametrize(
    "last_id",
    ["99999999999999999999-0", "18446744073709551615-18446744073709551615", "0-0"],
)
async def test_a_resume_from_an_id_out_of_any_stream_never_breaks_the_socket(last_id):
    comm, _ = await connected()
    await comm.send_to(text_data=orjson.dumps({"type": "resume", "last_id": last_id}).decode())
    frame = await receive(comm)
    assert frame["type"] == "error"  # no data yet: a no_data frame, or bad_last_id for an impossible id
    await _pong(comm)
    await comm.disconnect()


async def test_a_frame_over_the_limit_in_bytes_but_not_in_characters_closes_with_1009():
    comm, _ = await connected()
    await comm.send_to(text_data="é" * settings.WS_MAX_FRAME_BYTES)  # 2 bytes each in UTF-8
    assert await comm.receive_output(timeout=2) == {"type": "websocket.close", "code": 1009}
    await comm.wait()


async def test_an_oversized_binary_frame_closes_with_1009():
    comm, _ = await connected()
    await comm.send_to(bytes_data=b"\x00" * (settings.WS_MAX_FRAME_BYTES + 1))
    assert await comm.receive_output(timeout=2) == {"type": "websocket.close", "code": 1009}
    await comm.wait()


@pytest.mark.parametrize(
    "query",
    ["last_id=%00", "last_id=" + "9" * 10_000, "last_id=99999999999999999999-0", "last_id=1-1&last_id=x", "%ff%fe=1"],
    ids=lambda q: q[:24],
)
async def test_a_hostile_query_string_falls_back_to_a_snapshot(query):
    comm, after = await connected(f"/ws?{query}")
    assert after == {"type": "error", "code": "no_data", "message": "No market data has been fetched yet."}
    await _pong(comm)
    await comm.disconnect()


def _comm(path: str, headers: list[tuple[bytes, bytes]]) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, path, headers=headers)


@pytest.mark.parametrize(
    "headers",
    [
        [(b"origin", b"http://evil.example"), (b"host", b"127.0.0.1")],
        [(b"origin", b"null"), (b"host", b"127.0.0.1")],
        [(b"origin", b"http://127.0.0.1\x00.evil"), (b"host", b"127.0.0.1")],
        [(b"origin", b"http://127.0.0.1:3000"), (b"host", b"127.0.0.1")],
        [(b"origin", b"http://127.0.0.1:80.evil"), (b"host", b"127.0.0.1")],
        [(b"origin", b"http://127.0.0.1:99999999"), (b"host", b"127.0.0.1")],
        [(b"origin", b"http://[::1"), (b"host", b"127.0.0.1")],
        [(b"host", b"127.0.0.1")],
    ],
    ids=["foreign", "null", "nul-byte", "other-port", "port-not-a-number", "port-out-of-range", "open-bracket", "none"],
)
async def test_a_foreign_origin_is_refused_at_the_handshake(headers):
    comm = _comm("/ws", headers)
    accepted, _code = await comm.connect()
    assert not accepted
    await comm.disconnect()


@pytest.mark.parametrize("path", ["/ws/extra", "/ws/../admin/", "/websocket", "/ws%00"])
async def test_a_socket_to_an_unknown_path_is_refused_at_the_handshake(path):
    comm = _comm(path, [ORIGIN, (b"host", b"127.0.0.1")])
    accepted, _code = await comm.connect()
    assert not accepted
    await comm.disconnect()


@pytest.mark.parametrize(
    "last_id",
    [
        "99999999999999999999-0",
        "18446744073709551615-18446744073709551616",
        "".join(chr(ord(c) + 0x0630) for c in "99999999999999") + "-0",  # Arabic-Indic digits
    ],
    ids=["over-64-bit", "seq-over-64-bit", "arabic-digits"],
)
async def test_a_resume_from_an_impossible_id_with_data_in_the_stream_is_an_error_frame(last_id):
    await sync_to_async(summary_store)(summary={"btc_price_usd": 1.0})
    comm, _snapshot = await connected()
    await comm.send_to(text_data=orjson.dumps({"type": "resume", "last_id": last_id}).decode())
    frame = await receive(comm)
    assert (frame["type"], frame["code"]) == ("error", "bad_last_id")
    await _pong(comm)
    await comm.disconnect()
