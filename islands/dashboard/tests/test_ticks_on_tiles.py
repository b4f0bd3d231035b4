"""Coin tiles show the exchange tick while it is fresh and newer than the REST price, and fall
back to the REST feed (saying so, with its age) while the exchange socket is down."""

from __future__ import annotations

import copy
import time

from islands.cache_system.market_schema import _rfc3339_ms, field_states, ticks_overlay
from islands.cache_system.selectors import SummarySnapshot, ticks_latest
from islands.cache_system.services import summary_store, ticks_store
from islands.dashboard.selectors import dashboard_tiles
from islands.dashboard.tests.conftest import SUMMARY


def rest_summary(fetched_ms: int) -> dict:
    data = copy.deepcopy(SUMMARY)
    for source in data["data_sources"].values():
        source["updated_at"] = _rfc3339_ms(fetched_ms)
    data["field_states"] = field_states(data)
    return data


def coin_tile(tiles: dict, coin: str):
    return next(tile for tile in tiles["coins"] if tile.id == f"coin-{coin}")


def test_a_fresh_tick_newer_than_the_rest_price_is_shown_with_its_source_and_time():
    now = int(time.time() * 1000)
    data = rest_summary(now - 8_000)
    tick = {"btc": {"price_usd": 97_500.5, "change_24h": 2.9, "t": now - 200, "source": "binance_ws"}}
    merged = ticks_overlay(data, tick, now_ms=now, fresh_ms=15_000)
    assert (merged["btc_price_usd"], merged["btc_change_24h"]) == (97_500.5, 2.9)
    assert merged["field_states"]["btc_price_usd"] == {
        "state": "ok",
        "reason": None,
        "updated_at": _rfc3339_ms(now - 200),
        "source": "binance_ws",
    }
    # The other coins keep their REST price, source and age.
    assert merged["eth_price_usd"] == SUMMARY["eth_price_usd"]
    assert merged["field_states"]["eth_price_usd"]["source"] == "binance"
    assert data["btc_price_usd"] == SUMMARY["btc_price_usd"]  # the summary itself is left alone


def test_while_the_exchange_socket_is_down_the_rest_price_shows_with_its_source_and_age():
    now = int(time.time() * 1000)
    data = rest_summary(now - 3_000)
    # The last tick came 20 s ago (the socket went down): older than TICK_FRESH_S.
    old = {"btc": {"price_usd": 99_999.0, "change_24h": 1.0, "t": now - 20_000, "source": "binance_ws"}}
    merged = ticks_overlay(data, old, now_ms=now, fresh_ms=15_000)
    assert merged["btc_price_usd"] == SUMMARY["btc_price_usd"]
    assert merged["field_states"]["btc_price_usd"]["source"] == "binance"
    assert merged["field_states"]["btc_price_usd"]["updated_at"] == _rfc3339_ms(now - 3_000)
    # A fresh tick older than the REST fetch loses too: the newest price wins.
    older = {"btc": {"price_usd": 99_999.0, "change_24h": 1.0, "t": now - 4_000, "source": "binance_ws"}}
    assert ticks_overlay(data, older, now_ms=now, fresh_ms=15_000)["btc_price_usd"] == SUMMARY["btc_price_usd"]


def test_the_tiles_read_the_ticks_stream(redis_conn):
    now = int(time.time() * 1000)
    entry_id = summary_store(summary=rest_summary(now - 5_000))
    ticks_store(ticks={"sol": {"price_usd": 190.25, "change_24h": 0.7, "t": now - 100}}, source="binance_ws")
    tiles = dashboard_tiles(
        snapshot=SummarySnapshot(data=rest_summary(now - 5_000), stream_id=entry_id), ticks=ticks_latest()
    )
    sol, btc = coin_tile(tiles, "sol"), coin_tile(tiles, "btc")
    assert (sol.value, sol.change, sol.source_label) == (190.25, 0.7, "Binance WebSocket")
    assert (btc.value, btc.source_label) == (SUMMARY["btc_price_usd"], "Binance")


def test_the_home_page_says_where_each_price_came_from(client, redis_conn):
    now = int(time.time() * 1000)
    summary_store(summary=rest_summary(now - 5_000))
    ticks_store(ticks={"btc": {"price_usd": 98_765.5, "change_24h": 1.5, "t": now - 100}}, source="binance_ws")
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    btc = html.split('id="tile-coin-btc"')[1].split('class="tile"')[0]
    assert "$98,765.50" in btc
    assert "Binance WebSocket" in btc
    eth = html.split('id="tile-coin-eth"')[1].split('class="tile"')[0]
    assert "Binance" in eth and "WebSocket" not in eth
