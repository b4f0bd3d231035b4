"""An eighth coin in settings.COINS reaches every surface: the stream, the summary API, the home
page, the live frames and the history (table and stream), with no other change than the setting."""

from __future__ import annotations

import orjson
import pytest
from channels.layers import get_channel_layer
from django.conf import settings

from islands.cache_system.backup import snapshots_store
from islands.cache_system.history import history_series
from islands.cache_system.market_schema import DEFAULT_COINS, Coin
from islands.cache_system.selectors import summary_latest
from islands.cache_system.stores import stream_store
from islands.external_apis.services import summary_refresh
from islands.external_apis.tests.conftest import fake_upstream  # noqa: F401  (a fixture)
from islands.websocket_service.relay import Relay
from islands.websocket_service.tests.conftest import connected, hub_joined, receive

DOGE = Coin("doge", "DOGEUSDT", "dogecoin", "Dogecoin")


@pytest.fixture
def eight_coins(settings) -> None:
    settings.COINS = (*DEFAULT_COINS, DOGE)


def test_it_is_fetched_into_the_stream_with_its_state(eight_coins, fake_upstream, redis_conn):  # noqa: F811
    summary_refresh(sources=["prices"])

    data = summary_latest().data
    assert data["doge_price_usd"] > 0
    assert data["doge_change_24h"] is not None
    assert data["field_states"]["doge_price_usd"]["state"] == "ok"
    asked = [row["query"]["symbols"] for row in fake_upstream.requests(prefix="binance")]
    assert asked == ['["BTCUSDT","ETHUSDT","SOLUSDT","XRPUSDT","ADAUSDT","LINKUSDT","BNBUSDT","DOGEUSDT"]']


def test_the_coingecko_fallback_asks_for_it_too(eight_coins, fake_upstream, redis_conn):  # noqa: F811
    fake_upstream.scenario_set("binance_geo_blocked")
    summary_refresh(sources=["prices"])

    assert summary_latest().data["doge_price_usd"] > 0
    ids = fake_upstream.requests(prefix="coingecko")[-1]["query"]["ids"]
    assert ids.split(",")[-1] == "dogecoin"


def test_the_summary_api_and_the_page_show_it(eight_coins, fake_upstream, redis_conn, asgi_get):  # noqa: F811
    summary_refresh(sources=["prices"])

    body = orjson.loads(asgi_get("/api/crypto/dashboard-summary")["body"])
    assert body["doge_price_usd"] > 0
    assert body["field_states"]["doge_price_usd"]["state"] == "ok"
    one = asgi_get("/api/crypto/dashboard-summary?fields=doge_price_usd,doge_change_24h")
    assert one["status"] == 200 and set(orjson.loads(one["body"])) >= {"doge_price_usd", "doge_change_24h"}

    page = asgi_get("/", headers=[(b"cookie", b"cryptodash_lang=en")])["body"].decode()
    assert 'id="tile-coin-doge" data-state="ok"' in page
    assert "Dogecoin (DOGE)" in page
    assert 'data-field="doge_price_usd"' in page
    assert '<option value="doge_price_usd"' in page


@pytest.mark.django_db
def test_its_history_comes_from_the_table_and_the_stream(eight_coins, fake_upstream, redis_conn):  # noqa: F811
    summary_refresh(sources=["prices"])
    stream = settings.STREAM_MARKET_DATA
    # The first entry is backed up (no column: read from the stored JSON), the second is not yet.
    snapshots_store(stream=stream, entries=[stream_store().latest(stream)])
    summary_refresh(sources=["prices"])

    series = history_series(field="doge_price_usd", range_="1h")
    assert (series.table_entries, series.stream_entries) == (1, 1)
    assert len(series.points) >= 1 and all(value > 0 for _ms, value in series.points)


async def test_the_live_frames_carry_it_and_its_state(eight_coins, fake_upstream, redis_conn):  # noqa: F811
    comm, _ = await connected()
    await hub_joined(redis_conn)
    relay = Relay(layer=get_channel_layer(), name="relay-eighth-coin", block_ms=50)
    await relay.run_once()

    summary_refresh(sources=["prices"])
    await relay.run_once()
    frame = await receive(comm)
    while frame["type"] != "dashboard_update":
        frame = await receive(comm)
    assert frame["data"]["doge_price_usd"] > 0
    state = frame["data"]["field_states"]["doge_price_usd"]
    assert (state["state"], state["reason"]) == ("ok", None)
    assert state["updated_at"] == frame["data"]["data_sources"]["binance"]["updated_at"]
    await comm.disconnect()
