"""The home page: tiles from the latest stream entry, "no data yet" before any."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from islands.cache_system.services import summary_store


def test_it_shows_no_data_yet_before_the_first_summary(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="no-data"' in html
    assert "No data yet" in html
    assert "$" not in html.split('id="no-data"')[1].split("</div>")[0]


def test_it_renders_every_tile_with_its_live_field(client, stored):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    for field in (
        "btc_price_usd",
        "eth_change_24h",
        "bnb_price_usd",
        "market_cap_usd",
        "volume_24h_usd",
        "market_cap_change_percentage_24h_usd",
        "fng_value",
        "btc_rsi_14",
        "btc_market_cap_percentage",
        "eth_market_cap_percentage",
        "us_stock_indices.SPY.price",
        "us_stock_indices.QQQM.change_percent",
    ):
        assert f'data-field="{field}"' in html, field
    assert "$97,123.45" in html
    assert "$3.41T" in html
    assert f'data-stream-id="{stored}"' in html
    assert 'href="/crypto_report"' in html
    assert 'href="/crypto_reports_list"' in html
    for bad in ("None", "NaN", "undefined"):
        assert bad not in html.replace("data-", "")


def test_it_shows_unknown_with_the_reason_instead_of_a_number(client, summary):
    summary["fng_value"] = None
    summary["data_sources"]["alternative_me"] = {"status": "failed", "updated_at": None, "error": "HTTP 502"}
    summary_store(summary=summary)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    tile = html.split('id="tile-fng"')[1].split('class="tile ')[0]
    assert 'data-state="unknown"' in tile
    assert "alternative.me: failed — HTTP 502" in tile
    assert ">—<" in tile


def test_it_marks_tiles_stale_when_every_source_of_theirs_failed(client, summary):
    summary["data_sources"]["binance"] = {"status": "stale", "updated_at": None, "error": "HTTP 451 geo-blocked"}
    summary["data_sources"]["coingecko"] = {"status": "rate_limited", "updated_at": None, "error": "HTTP 429"}
    summary_store(summary=summary)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    tile = html.split('id="tile-coin-btc"')[1].split('class="tile ')[0]
    assert 'data-state="stale"' in tile
    assert "Binance: stale — HTTP 451 geo-blocked" in tile
    assert "$97,123.45" in tile  # the last good value stays, marked


def test_each_tile_says_when_its_source_last_answered(client, summary):
    fetched = (datetime.now(UTC) - timedelta(seconds=125)).replace(microsecond=0).isoformat()
    summary["data_sources"]["binance"]["updated_at"] = fetched
    summary["data_sources"]["coingecko"]["updated_at"] = "2026-01-01T00:00:00Z"
    summary_store(summary=summary)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    tile = html.split('id="tile-coin-btc"')[1].split('class="tile ')[0]
    assert f'datetime="{fetched}"' in tile
    assert "2 min ago" in tile


def test_it_marks_the_whole_summary_stale_when_the_stream_stops(client, summary, store_old):
    store_old(summary, 600)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    banner = html.split('id="stale-banner"')[1].split(">")[0]
    assert "hidden" not in banner
    assert "10 min ago" in html


def test_it_shows_the_simulated_banner_in_demo_mode(client, summary):
    summary["mode"] = "simulated"
    summary_store(summary=summary)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="simulated-banner"' in html


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_it_refuses_other_methods(method):
    response = Client(enforce_csrf_checks=True).generic(method, "/")
    assert response.status_code == 405
    assert "GET" in response["Allow"]


def test_it_answers_head_without_a_body(client, stored):
    response = client.head("/")
    assert response.status_code == 200
    assert response.content == b""
    assert int(response["Content-Length"]) > 1000
