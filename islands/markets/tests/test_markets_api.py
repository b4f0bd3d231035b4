"""GET /api/crypto/markets: sorting, search, currencies, a missing rate, and a 400 naming each bad parameter."""

from __future__ import annotations

import math

import pytest
from django.test import Client

from .conftest import FX, coins_usd

pytestmark = pytest.mark.django_db


def _get(query: str = "", **headers) -> tuple[int, dict]:
    response = Client().get("/api/crypto/markets" + (f"?{query}" if query else ""), **headers)
    return response.status_code, response.json()


def test_it_answers_503_before_the_first_table(store_fx):
    store_fx()
    status, body = _get()
    assert status == 503
    assert body["error"] == "no data yet"


def test_it_lists_the_table_in_rank_order_in_usd(store_table, store_fx):
    store_fx()
    entry_id = store_table()
    status, body = _get()
    assert status == 200
    assert body["currency"] == "usd" and body["rate"] == 1.0 and body["stream_id"] == entry_id
    assert [coin["rank"] for coin in body["coins"]] == list(range(1, 31))
    first = body["coins"][0]
    assert set(first) == {
        "rank", "id", "symbol", "name", "price", "price_usd", "market_cap", "volume_24h",
        "change_1h", "change_24h", "change_7d", "sparkline_7d",
    }  # fmt: skip
    assert first["id"] == "bitcoin" and first["price"] == first["price_usd"] == 67012.34
    assert len(first["sparkline_7d"]) == 168


@pytest.mark.parametrize("sort", ["price", "change_1h", "change_24h", "change_7d", "market_cap", "volume_24h"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_it_sorts_by_every_column(store_table, store_fx, sort, order):
    store_fx()
    rows = coins_usd()
    rows[3]["change_24h"] = None  # an unknown value sorts last in either order
    rows[3]["price_usd"] = None
    store_table(rows)
    _status, body = _get(f"sort={sort}&order={order}")
    field = "price_usd" if sort == "price" else sort
    values = [coin[field] for coin in body["coins"]]
    known = [v for v in values if v is not None]
    assert known == sorted(known, reverse=order == "desc")
    assert values[len(known) :] == [None] * (len(values) - len(known))


def test_it_sorts_by_name_and_defaults_each_order(store_table, store_fx):
    store_fx()
    store_table()
    _status, by_name = _get("sort=name")
    names = [coin["name"].casefold() for coin in by_name["coins"]]
    assert names == sorted(names)
    _status, by_cap = _get("sort=market_cap")
    caps = [coin["market_cap"] for coin in by_cap["coins"]]
    assert caps == sorted(caps, reverse=True)  # biggest first unless asked otherwise


@pytest.mark.parametrize(("q", "ids"), [("btc", ["bitcoin"]), ("SHIBA", ["shiba-inu"]), ("coin", None), ("zzz", [])])
def test_it_searches_by_name_or_symbol(store_table, store_fx, q, ids):
    store_fx()
    store_table()
    _status, body = _get(f"q={q}")
    found = [coin["id"] for coin in body["coins"]]
    if ids is None:  # "coin" is in Bitcoin, Dogecoin, BNB's id binancecoin and the Coin N names
        assert {"bitcoin", "dogecoin", "binancecoin", "coin-10"} <= set(found)
        assert "ethereum" not in found
    else:
        assert found == ids


@pytest.mark.parametrize("currency", ["vnd", "eur"])
def test_it_converts_money_but_keeps_price_usd(store_table, store_fx, currency):
    store_fx()
    store_table()
    _status, body = _get(f"currency={currency}")
    rate = FX[currency]
    assert body["currency"] == currency and math.isclose(body["rate"], rate)
    assert body["rate_age_s"] >= 120
    bitcoin = body["coins"][0]
    assert math.isclose(bitcoin["price"], 67012.34 * rate)
    assert bitcoin["price_usd"] == 67012.34
    usd = coins_usd()[0]
    assert math.isclose(bitcoin["market_cap"], usd["market_cap"] * rate)
    assert math.isclose(bitcoin["volume_24h"], usd["volume_24h"] * rate)
    assert math.isclose(bitcoin["sparkline_7d"][0], usd["sparkline_7d"][0] * rate, rel_tol=1e-5)
    assert bitcoin["change_24h"] == usd["change_24h"]  # percentages are the same in any currency


def test_the_cookie_currency_applies_when_the_query_names_none(store_table, store_fx):
    store_fx()
    store_table()
    client = Client()
    client.cookies["cryptodash_currency"] = "vnd"
    body = client.get("/api/crypto/markets").json()
    assert body["currency"] == "vnd"


def test_a_missing_rate_keeps_usd_and_says_so(store_table, store_fx):
    store_fx({"eur": FX["eur"], "vnd": None, "age_s": 30})
    store_table()
    status, body = _get("currency=vnd")
    assert status == 200
    assert body["currency"] == "usd" and body["requested_currency"] == "vnd"
    assert "VND" in body["rate_missing"]
    assert body["coins"][0]["price"] == 67012.34


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("currency=gbp", "currency"),
        ("currency=VND", "currency"),
        ("currency=", "currency"),
        ("sort=symbol", "sort"),
        ("sort=", "sort"),
        ("order=up", "order"),
        ("order=DESC", "order"),
        ("q=" + "x" * 65, "q"),
        ("q=a%00b", "q"),
        ("page=2", "page"),
        ("sort=rank&sort=price", "sort"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(store_table, store_fx, query, param):
    store_fx()
    store_table()
    status, body = _get(query)
    assert status == 400
    assert param in body["error"]
    if "param" in body:
        assert body["param"] == param
