"""The live tiles beside a report: the latest summary when there is one, a dash when not."""

import pytest

from islands.cache_system.services import summary_store

pytestmark = pytest.mark.django_db


def test_tiles_show_the_latest_summary_with_live_fields(client, make_report):
    report = make_report()
    summary_store(summary={"btc_price_usd": 97123.45, "btc_change_24h": -1.5, "fng_value": 64})

    html = client.get(f"/crypto_report/{report.id}", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<span data-field="btc_price_usd" data-format="price">$97,123.45</span>' in html
    assert 'class="change down" data-field="btc_change_24h" data-format="change">-1.50%</span>' in html
    assert '<span data-field="fng_value" data-format="int">64</span>' in html
    # A field the summary does not have is unknown, not zero.
    assert '<span data-field="sol_price_usd" data-format="price">\u2014</span>' in html


def test_without_any_summary_the_tiles_say_there_is_no_data(client, make_report):
    report = make_report()

    html = client.get(f"/crypto_report/{report.id}", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "No market data yet." in html
    assert '<span data-field="btc_price_usd" data-format="price">\u2014</span>' in html
