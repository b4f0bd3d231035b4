"""Currency and time-zone preferences: ?currency / ?tz, then the cookie, then the site's defaults;
money in USD, VND and EUR in both languages; times in the visitor's zone."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from islands.shared_components.formatting import display_zone, money_format, time_format
from islands.shared_components.preferences import (
    CURRENCY_COOKIE,
    TIME_ZONE_ALIASES,
    TIME_ZONE_COOKIE,
    currency_detect,
    time_zone_detect,
    time_zone_valid,
)


@pytest.mark.parametrize(
    ("query", "cookie", "expected"),
    [("vnd", "eur", "vnd"), (None, "eur", "eur"), ("VND", None, "vnd"), ("gbp", "xx", "usd"), (None, None, "usd")],
)
def test_it_picks_the_currency(query, cookie, expected):
    assert currency_detect(query=query, cookie=cookie) == expected


@pytest.mark.parametrize(
    ("query", "cookie", "expected"),
    [
        ("Europe/Paris", "UTC", "Europe/Paris"),
        (None, "America/New_York", "America/New_York"),
        (None, "Asia/Saigon", "Asia/Ho_Chi_Minh"),  # Chromium's name for Vietnam's zone
        ("Asia/Calcutta", None, "Asia/Kolkata"),
        (None, "US/Pacific", "America/Los_Angeles"),
        (None, "../../etc/passwd", "Asia/Ho_Chi_Minh"),
        (None, "Mars/Olympus", "Asia/Ho_Chi_Minh"),
        (None, "x" * 500, "Asia/Ho_Chi_Minh"),
        (None, None, "Asia/Ho_Chi_Minh"),
    ],
)
def test_it_picks_the_time_zone(query, cookie, expected):
    assert time_zone_detect(query=query, cookie=cookie) == expected


MONEY = [
    # value, currency, vi, en, vi compact, en compact
    (1.7e9, "vnd", "1.700.000.000 ₫", "₫1,700,000,000", "1,7 tỷ ₫", "₫1.7B"),
    (67012.34, "usd", "$67.012,34", "$67,012.34", "$67.012,34", "$67,012.34"),
    (0.00001234, "usd", "$0,00001234", "$0.00001234", "$0,00001234", "$0.00001234"),
    (0.5, "eur", "0,5000 €", "€0.5000", "0,5000 €", "€0.5000"),
    (1.3268e12, "usd", "$1.326.800.000.000,00", "$1,326,800,000,000.00", "$1,33 nghìn tỷ", "$1.33T"),
    (3.4e16, "vnd", "34.000.000.000.000.000 ₫", "₫34,000,000,000,000,000", "34 triệu tỷ ₫", "₫34,000T"),
    (-2.5e6, "eur", "-2.500.000,00 €", "-€2,500,000.00", "-2,5 triệu €", "-€2.5M"),
    (0, "vnd", "0 ₫", "₫0", "0 ₫", "₫0"),
    (1765106094.5, "vnd", "1.765.106.095 ₫", "₫1,765,106,095", "1,77 tỷ ₫", "₫1.77B"),  # a tie rounds up, as in JS
    (None, "vnd", "—", "—", "—", "—"),
]


@pytest.mark.parametrize("case", MONEY)
def test_it_formats_money_in_each_currency(case):
    value, currency, vi, en, vi_compact, en_compact = case
    assert money_format(value, currency, "vi") == vi
    assert money_format(value, currency, "en") == en
    assert money_format(value, currency, "vi", compact=True) == vi_compact
    assert money_format(value, currency, "en", compact=True) == en_compact


def test_it_shows_times_in_the_zone_of_the_request():
    moment = datetime(2026, 11, 28, 12, 0, 5, tzinfo=UTC)
    assert time_format(moment, "vi") == "19:00:05 28/11/2026 (UTC+07)"
    with display_zone("America/New_York"):
        assert time_format(moment, "en") == "2026-11-28 07:00:05 UTC-05"
    with display_zone("Asia/Kolkata"):
        assert time_format(moment, "en") == "2026-11-28 17:30:05 UTC+05:30"
    assert time_format(moment, "en") == "2026-11-28 19:00:05 UTC+07"


@pytest.mark.django_db
def test_pages_remember_a_chosen_currency_and_zone_but_api_answers_set_no_cookie():
    client = Client()
    page = client.get("/?currency=vnd&tz=Europe/Paris")
    assert page.cookies[CURRENCY_COOKIE].value == "vnd"
    assert page.cookies[TIME_ZONE_COOKIE].value == "Europe/Paris"
    api = Client().get("/api/crypto/history?field=btc_price_usd&tz=Europe/Paris")
    assert TIME_ZONE_COOKIE not in api.cookies


def test_every_alias_names_a_zone_of_its_own_and_leads_to_it():
    for alias, canonical in TIME_ZONE_ALIASES.items():
        assert time_zone_valid(canonical) == canonical  # a canonical name, known to the tz database
        assert time_zone_valid(alias) == canonical


@pytest.mark.django_db
def test_a_zone_chosen_by_its_alias_is_remembered_by_its_canonical_name():
    page = Client().get("/?tz=Asia/Saigon")
    assert page.cookies[TIME_ZONE_COOKIE].value == "Asia/Ho_Chi_Minh"
