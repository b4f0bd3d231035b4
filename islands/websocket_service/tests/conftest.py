"""Helpers for the websocket_service tests: the real ASGI app, a fresh channel layer per test."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from channels.layers import channel_layers, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings

from cryptodash.asgi import application
from islands.websocket_service.budgets import ADDRESSES

# The first allowed origin: http://127.0.0.1:PORT unless WS_ALLOWED_ORIGINS says otherwise.
ORIGIN = (b"origin", settings.WS_ALLOWED_ORIGINS[0].encode())


@pytest.fixture(autouse=True)
def _fresh_channel_layer() -> Iterator[None]:
    # A layer caches connection pools bound to the event loop that created them, and every
    # async test has a loop of its own (django/channels#876).
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def _fresh_addresses() -> Iterator[None]:
    # The suite's sockets share a few client addresses: one test's spent budget or abuse cool-down
    # (budgets.py, per process) must not throttle the next test's sockets.
    ADDRESSES.reset()
    yield
    ADDRESSES.reset()


def communicator(path: str = "/ws", origin: tuple[bytes, bytes] = ORIGIN) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, path, headers=[origin, (b"host", b"127.0.0.1")])


async def receive(comm: WebsocketCommunicator, timeout: float = 2.0) -> dict[str, Any]:
    return orjson.loads(await comm.receive_from(timeout=timeout))


async def connected(path: str = "/ws") -> tuple[WebsocketCommunicator, dict[str, Any]]:
    """An open socket past its `connected` frame, and the frame that followed (snapshot/no-data)."""
    comm = communicator(path)
    accepted, _ = await comm.connect()
    assert accepted
    assert await receive(comm) == {"type": "connected"}
    return comm, await receive(comm)


def summary(n: int) -> dict[str, Any]:
    """A summary-shaped payload whose values differ per n."""
    return {
        "btc_price_usd": 60_000 + n,
        "btc_change_24h": n / 10,
        "fng_value": n % 100,
        "us_stock_indices": {"SPY": {"price": 500 + n, "change": 1.0, "change_percent": 0.2, "status": "ok"}},
        "last_updated": "2026-11-26T00:00:00Z",
    }


def group_key() -> str:
    """The Redis key of the layer group every web process's hub joins (channels_redis's layout)."""
    return f"{get_channel_layer().prefix}:group:{settings.WS_GROUP}"


async def hub_joined(redis_conn, members: int = 1) -> None:
    """Wait (bounded) until `members` hubs have joined the layer group."""
    for _ in range(200):
        if redis_conn.zcard(group_key()) == members:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{members} hub(s) never joined {group_key()}")
