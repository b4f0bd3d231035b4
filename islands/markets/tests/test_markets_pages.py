"""/markets and /coin/<id>: the server's first paint in the visitor's currency, the 404 page with
search, the missing-rate note, and the page cache keeping one stored page per currency."""

from __future__ import annotations

import pytest
from django.test import Client

from islands.shared_components.formatting import money_format
from islands.shared_components.page_cache import page_cache_stats

from .conftest import FX, coins_usd

pytestmark = pytest.mark.django_db(transaction=True)


def _page(path: str, **cookies: str):
    client = Client()
    for name, value in cookies.items():
        client.cookies[name] = value
    return client.get(path)


def test_the_table_is_in_the_first_paint(store_table, store_fx):
    store_fx()
    store_table()
    response = _page("/markets", cryptodash_lang="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<tr data-id="') == 30
    assert "$67,012.34" in html
    assert 'href="/coin/bitcoin"' in html
    assert 'aria-sort="ascending"' in html  # rank, the default sort
    assert html.count('role="img" aria-label="') == 30  # a labelled 7-day sparkline per row
    assert "Bitcoin, price over the last 7 days: " in html
    assert "spinner" not in html and "None" not in html and "NaN" not in html


def test_the_table_is_sorted_and_searched_by_the_query(store_table, store_fx):
    store_fx()
    store_table()
    html = _page("/markets?sort=price&order=asc&q=coin", cryptodash_lang="en").content.decode()
    ids = [part.split('"', 1)[0] for part in html.split('<tr data-id="')[1:]]
    prices = {row["id"]: row["price_usd"] for row in coins_usd()}
    assert "ethereum" not in ids and "bitcoin" in ids
    assert [prices[i] for i in ids] == sorted(prices[i] for i in ids)


def test_vnd_shows_every_price_in_dong(store_table, store_fx):
    store_fx()
    store_table()
    html = _page("/markets", cryptodash_lang="vi", cryptodash_currency="vnd").content.decode()
    bitcoin = money_format(67012.34 * FX["vnd"], "vnd", "vi")
    assert bitcoin in html and bitcoin.endswith(" ₫")
    cells = html.split('data-cell="price">')[1:]
    assert len(cells) == 30 and all(cell.split("<", 1)[0].endswith("₫") for cell in cells)
    assert "tỷ ₫" in html or "nghìn tỷ ₫" in html  # market caps, compact


def test_a_missing_rate_keeps_usd_with_a_visible_note(store_table, store_fx):
    store_fx({"eur": FX["eur"], "age_s": 10})
    store_table()
    html = _page("/markets", cryptodash_lang="en", cryptodash_currency="vnd").content.decode()
    assert "No exchange rate for VND is known yet: prices are shown in USD." in html
    assert "hidden" not in html.split('id="rate-note"', 1)[1].split(">", 1)[0]
    assert "$67,012.34" in html


def test_no_table_yet_says_so(store_fx):
    store_fx()
    html = _page("/markets", cryptodash_lang="en").content.decode()
    assert "No data yet" in html


def test_an_unknown_coin_is_a_404_with_the_search_box(store_table, store_fx):
    store_fx()
    store_table()
    response = _page("/coin/not-a-coin", cryptodash_lang="en")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'role="search"' in html and 'name="q"' in html and 'value="not-a-coin"' in html


def test_a_coin_page_names_the_source_and_age_of_each_number(store_table, store_fx):
    store_fx()
    store_table()
    html = _page("/coin/bitcoin", cryptodash_lang="en", cryptodash_currency="eur").content.decode()
    assert "Bitcoin" in html and "BTC" in html
    assert money_format(67012.34 * FX["eur"], "eur", "en") in html  # Binance's live price, from the summary
    assert html.count('<td class="fact__source"><span data-source-for="', 0) == html.count("<tr data-fact=")
    assert html.count('">CoinGecko</span>') >= 8 and '<span data-source-for="price">Binance</span>' in html
    for label in ("Market cap", "Volume (24h)", "Circulating supply", "All-time high", "Change 1h", "Change 7d"):
        assert label in html
    assert 'data-range="1y"' in html and 'id="coin-chart"' in html


def test_a_coin_outside_the_tracked_ones_takes_its_price_from_the_table(store_table, store_fx):
    store_fx()
    store_table()
    html = _page("/coin/dogecoin", cryptodash_lang="en").content.decode()
    assert "$0.1034" in html and 'data-tracked=""' in html


def test_each_currency_gets_its_own_stored_page(asgi, store_table, store_fx):
    store_fx()
    store_table()
    usd = asgi("/markets", headers=[(b"cookie", b"cryptodash_lang=en")])
    vnd = asgi("/markets", headers=[(b"cookie", b"cryptodash_lang=en; cryptodash_currency=vnd")])
    vnd_again = asgi("/markets", headers=[(b"cookie", b"cryptodash_lang=en; cryptodash_currency=vnd")])
    assert usd["status"] == vnd["status"] == 200
    assert "$67,012.34" in usd["body"].decode() and "₫" in vnd["body"].decode()
    assert vnd_again["body"] == vnd["body"]
    assert page_cache_stats()["hits"] == 1


def test_a_new_table_replaces_the_stored_page(asgi, store_table, store_fx):
    store_fx()
    store_table()
    first = asgi("/markets", headers=[(b"cookie", b"cryptodash_lang=en")])
    rows = coins_usd()
    rows[8]["price_usd"] = 0.2345  # dogecoin: not a tracked coin, so the table's own price shows
    store_table(rows)
    second = asgi("/markets", headers=[(b"cookie", b"cryptodash_lang=en")])
    assert "$0.1034" in first["body"].decode()
    assert "$0.2345" in second["body"].decode()


def test_the_api_is_stored_per_currency_too(asgi, store_table, store_fx):
    store_fx()
    store_table()
    usd = asgi("/api/crypto/markets", query=b"currency=usd")
    eur = asgi("/api/crypto/markets", query=b"currency=eur")
    eur_again = asgi("/api/crypto/markets", query=b"currency=eur")
    assert b'"currency":"usd"' in usd["body"] and b'"currency":"eur"' in eur["body"]
    assert eur_again["body"] == eur["body"] and "set-cookie" not in eur["header_map"]
    assert page_cache_stats()["hits"] == 1


def test_the_home_page_tiles_link_to_their_coin_page(store_fx):
    store_fx()
    html = _page("/", cryptodash_lang="en", cryptodash_currency="vnd").content.decode()
    assert 'href="/coin/bitcoin"' in html and 'href="/coin/binancecoin"' in html
    assert '<option value="vnd" selected>' in html  # the header's select shows the visitor's currency


def test_a_failed_fetch_keeps_the_table_marked_stale_with_the_reason(store_table, store_fx):
    store_fx()
    store_table(status="rate_limited", error="HTTP 429 from coingecko, Retry-After 30 s")
    html = _page("/markets", cryptodash_lang="en").content.decode()
    assert html.count('<tr data-id="') == 30  # the last table stays
    banner = html.split('id="markets-stale"', 1)[1].split("</div>", 1)[0]
    assert "hidden" not in banner.split(">", 1)[0]
    assert "HTTP 429 from coingecko" in banner
    body = Client().get("/api/crypto/markets").json()
    assert body["stale"] is True and "429" in body["stale_reason"]


def test_each_time_zone_gets_its_own_stored_page_naming_it(asgi, store_table, store_fx):
    store_fx()
    store_table()
    home = asgi("/markets", headers=[(b"cookie", b"cryptodash_lang=en")])
    paris = asgi("/markets", headers=[(b"cookie", b"cryptodash_lang=en; cryptodash_tz=Europe/Paris")])
    forged = asgi("/markets", headers=[(b"cookie", b"cryptodash_lang=en; cryptodash_tz=../../etc/passwd")])
    assert "Times are shown in Asia/Ho_Chi_Minh." in home["body"].decode()
    assert "Times are shown in Europe/Paris." in paris["body"].decode()
    assert "UTC+01" in paris["body"].decode() and "UTC+07" in home["body"].decode()
    assert forged["body"] == home["body"]  # an unknown zone is the site's zone, from the same stored page
