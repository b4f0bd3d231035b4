"""summary_load() as the loader of summary_latest(): one fetch on an empty stream, one entry."""

from django.conf import settings

from islands.cache_system.selectors import summary_latest
from islands.external_apis.services import summary_load
from islands.external_apis.tests.conftest import calls


def test_an_empty_stream_is_filled_by_one_load(fake_upstream, redis_conn):
    snapshot = summary_latest(loader=summary_load)

    assert snapshot is not None and snapshot.data["btc_price_usd"] > 0
    assert redis_conn.xlen(settings.STREAM_MARKET_DATA) == 1
    assert summary_latest(loader=summary_load).stream_id == snapshot.stream_id
    assert len(calls(fake_upstream, "binance")) == 1


def test_it_returns_none_when_nothing_is_known(fake_upstream, redis_conn):
    fake_upstream.scenario_set("binance_geo_blocked")
    fake_upstream.scenarios["binance_geo_blocked"]["GET /coingecko/api/v3/simple/price?ids=*"] = {
        "status": 503,
        "file": "coingecko/service_unavailable_503.html",
        "headers": {"Content-Type": "text/html"},
    }
    fake_upstream.scenario_set("binance_geo_blocked")

    assert summary_load() is None
    assert redis_conn.xlen(settings.STREAM_MARKET_DATA) == 0
