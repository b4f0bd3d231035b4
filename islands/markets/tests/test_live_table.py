"""Live rows: a new market table reaches a connected socket as a markets_update frame carrying
only the rows that changed, small enough for 100 coins (≤ 20 KB)."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import orjson
import pytest
from channels.layers import channel_layers, get_channel_layer
from django.conf import settings

from islands.cache_system.stores import stream_store
from islands.cache_system.streams import StreamEntry
from islands.websocket_service import frames
from islands.websocket_service.relay import Relay
from islands.websocket_service.tests.conftest import connected, hub_joined, receive

from .conftest import coins_usd


@pytest.fixture(autouse=True)
def _fresh_channel_layer() -> Iterator[None]:
    # A layer keeps pools bound to the loop that made them; every async test has its own loop.
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def _table(rows: list[dict]) -> str:
    return stream_store().add(settings.STREAM_MARKETS, "markets_update", {"coins": rows, "source": {"status": "ok"}})


async def test_a_new_table_reaches_the_socket_as_its_changed_rows(redis_conn):
    first = coins_usd(100)
    first_id = _table(first)
    comm, _snapshot = await connected()
    await hub_joined(redis_conn)
    relay = Relay(layer=get_channel_layer(), name="relay-markets", block_ms=50)
    await relay.run_once()

    second = copy.deepcopy(first)
    second[0]["price_usd"] = 70123.45
    second[5]["change_24h"] = -9.99
    second_id = _table(second)
    assert await relay.run_once() == 1
    frame = await receive(comm)
    await comm.disconnect()

    assert frame["type"] == "markets_update"
    assert (frame["stream_id"], frame["prev_id"]) == (second_id, first_id)
    assert frame["fields"][:3] == ["id", "rank", "price_usd"]
    assert [row[0] for row in frame["rows"]] == [first[0]["id"], first[5]["id"]]
    assert frame["rows"][0][2] == 70123.45
    assert "ids" not in frame  # the same coins as before


def _entry(entry_id: str, rows: list[dict]) -> StreamEntry:
    return StreamEntry(id=entry_id, type="markets_update", data={"coins": rows})


def test_a_frame_for_100_coins_that_all_moved_stays_under_20_kb():
    before = coins_usd(100, seed=1)
    after = coins_usd(100, seed=2)
    text = frames.frame_markets_update(entry=_entry("2-0", after), previous=_entry("1-0", before))
    frame = orjson.loads(text)
    assert len(frame["rows"]) == 100
    assert len(text.encode()) <= 20_000, len(text.encode())


def test_without_the_previous_table_every_row_and_the_order_are_sent():
    rows = coins_usd(10)
    frame = orjson.loads(frames.frame_markets_update(entry=_entry("2-0", rows), previous=None))
    assert frame["prev_id"] is None
    assert frame["ids"] == [row["id"] for row in rows]
    assert len(frame["rows"]) == 10


def test_a_coin_entering_the_table_sends_the_new_order():
    rows = coins_usd(10)
    newcomer = [*rows[:9], {**rows[9], "id": "newcoin", "rank": 10}]
    frame = orjson.loads(frames.frame_markets_update(entry=_entry("2-0", newcomer), previous=_entry("1-0", rows)))
    assert frame["ids"][-1] == "newcoin"
    assert [row[0] for row in frame["rows"]] == ["newcoin"]
