"""The sorted index decides exactly what a look at every alert decides, crossing by crossing."""

from __future__ import annotations

import random

from islands.alerts.conditions import summary_values
from islands.alerts.index import AlertIndex, IndexRow, brute_force_crossings


def test_above_fires_on_the_way_up_only_and_below_on_the_way_down_only():
    rows = [IndexRow(1, "price:btc:usd", "above", 100.0), IndexRow(2, "price:btc:usd", "below", 90.0)]
    index = AlertIndex(rows)
    assert index.crossed("price:btc:usd", 99.0, 100.0) == [1]  # reaching the level is crossing it
    assert index.crossed("price:btc:usd", 100.0, 101.0) == []  # already above: no crossing
    assert index.crossed("price:btc:usd", 101.0, 99.0) == []
    assert index.crossed("price:btc:usd", 95.0, 90.0) == [2]
    assert index.crossed("price:btc:usd", 90.0, 85.0) == []
    assert index.crossed("price:btc:usd", 80.0, 120.0) == [1]
    assert index.crossed("price:eth:usd", 80.0, 120.0) == []


def test_it_agrees_with_brute_force_on_random_moves():
    rng = random.Random(7)
    keys = [f"price:c{n}:usd" for n in range(5)] + ["fng"]
    rows = [
        IndexRow(i, rng.choice(keys), rng.choice(["above", "below"]), round(rng.uniform(0, 100), 1))
        for i in range(2_000)
    ]
    index = AlertIndex(rows)
    for _ in range(300):
        prev = {key: round(rng.uniform(0, 100), 1) for key in keys if rng.random() > 0.1}
        cur = {key: round(rng.uniform(0, 100), 1) for key in keys if rng.random() > 0.1}
        assert sorted(a for a, _key in index.crossings(prev, cur)) == sorted(brute_force_crossings(rows, prev, cur))


def test_unknown_values_fire_nothing():
    data = {"btc_price_usd": None, "eth_price_usd": float("nan"), "sol_price_usd": "12", "fng_value": True}
    assert summary_values(data, coins=["btc", "eth", "sol"]) == {}


def test_prices_in_other_currencies_and_the_1h_change_come_from_the_summary():
    values = summary_values(
        {"btc_price_usd": 100.0, "fx": {"vnd": 25_000.0, "eur": 0.9, "age_s": 3}},
        coins=["btc"],
        hour_ago={"btc_price_usd": 80.0},
    )
    assert values == {
        "price:btc:usd": 100.0,
        "price:btc:vnd": 2_500_000.0,
        "price:btc:eur": 90.0,
        "change:btc:1h": 25.0,
    }
