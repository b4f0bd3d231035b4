"""The market schema: the COINS setting's form, the fields that follow from it, the tile states."""

from __future__ import annotations

import pytest

from islands.cache_system.market_schema import (
    DEFAULT_COINS,
    Coin,
    coin_fields,
    coins_parse,
    field_state_of,
    field_states,
    summary_keys,
)


def test_an_empty_setting_is_the_seven_default_coins():
    assert coins_parse("") == coins_parse(None) == DEFAULT_COINS
    assert [c.key for c in DEFAULT_COINS] == ["btc", "eth", "sol", "xrp", "ada", "link", "bnb"]


def test_items_are_default_keys_or_full_definitions():
    coins = coins_parse("btc, ETH ,doge:dogeusdt:DogeCoin:Dogecoin")
    assert coins == (DEFAULT_COINS[0], DEFAULT_COINS[1], Coin("doge", "DOGEUSDT", "dogecoin", "Dogecoin"))


@pytest.mark.parametrize("text", ["btc,nope", "doge:DOGEUSDT:dogecoin", "btc,btc", "x-y:XYUSDT:xy:XY"])
def test_a_bad_item_is_refused_with_its_text(text):
    with pytest.raises(ValueError, match="COINS"):
        coins_parse(text)


def test_fields_follow_the_setting(settings):
    settings.COINS = coins_parse("btc,doge:DOGEUSDT:dogecoin:Dogecoin")
    assert coin_fields() == ("btc_price_usd", "btc_change_24h", "doge_price_usd", "doge_change_24h")
    assert "eth_price_usd" not in summary_keys() and "field_states" in summary_keys()


def test_states_come_from_the_sources_of_each_field():
    data = {
        "btc_price_usd": 1.0,
        "market_cap_usd": None,
        "fng_value": 50,
        "us_stock_indices": {"SPY": {"price": 5.0, "status": "stale", "error": "finnhub: 429"}},
        "data_sources": {
            "binance": {"status": "failed", "error": "HTTP 451", "updated_at": "2026-11-29T00:00:00Z"},
            "coingecko": {"status": "ok", "updated_at": "2026-11-29T00:00:05Z"},
            "alternative_me": {"status": "stale", "updated_at": "2026-11-28T23:00:00Z"},
        },
    }
    states = field_states(data)

    # A fallback answered: fresh, though the primary failed.
    btc = states["btc_price_usd"]
    assert (btc["state"], btc["reason"], btc["updated_at"]) == ("ok", None, "2026-11-29T00:00:05Z")
    assert states["market_cap_usd"]["state"] == "unknown" and states["market_cap_usd"]["updated_at"] is None
    fng = states["fng_value"]
    assert (fng["state"], fng["reason"], fng["updated_at"]) == (
        "stale",
        "alternative_me: stale",
        "2026-11-28T23:00:00Z",
    )
    assert states["us_stock_indices.SPY.price"]["state"] == "stale"
    assert states["us_stock_indices.DIA.price"]["state"] == "unknown"
    assert states["eth_price_usd"]["state"] == "unknown"


def test_a_carried_state_wins_and_a_missing_one_is_computed():
    data = {"btc_price_usd": 1.0, "field_states": {"btc_price_usd": {"state": "stale", "reason": "r"}}}
    assert field_state_of(data, "btc_price_usd")["state"] == "stale"
    assert field_state_of(data, "eth_price_usd")["state"] == "unknown"
