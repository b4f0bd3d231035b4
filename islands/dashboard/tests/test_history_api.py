"""GET /api/crypto/history: the JSON series, its validation, methods and the no-data answer."""

from __future__ import annotations

import pytest

from islands.cache_system.history import MAX_POINTS
from islands.cache_system.tests.history_data import demo_history_write

pytestmark = pytest.mark.django_db
URL = "/api/crypto/history"


@pytest.fixture
def day_of_history() -> tuple[int, int]:
    return demo_history_write(hours=24, every_s=60)


def test_it_returns_the_merged_downsampled_series(client, day_of_history):
    rows, entries = day_of_history
    response = client.get(URL, {"field": "btc_price_usd", "range": "24h"})
    body = response.json()

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert (body["field"], body["range"]) == ("btc_price_usd", "24h")
    assert 0 < len(body["points"]) <= MAX_POINTS
    assert body["sources"] == {"table": rows, "stream": entries}
    assert body["table_error"] is None
    times = [ms for ms, _ in body["points"]]
    assert times == sorted(times)
    assert body["start_ms"] <= times[0] and times[-1] <= body["end_ms"]
    assert all(isinstance(value, float) for _, value in body["points"])


def test_it_defaults_to_the_btc_price_over_24_hours(client, day_of_history):
    body = client.get(URL).json()
    assert (body["field"], body["range"]) == ("btc_price_usd", "24h")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"field": "password", "range": "24h"}, "unknown field 'password'"),
        ({"field": "data_sources", "range": "24h"}, "unknown field 'data_sources'"),
        ({"field": "btc_price_usd", "range": "1y"}, "unknown range '1y'"),
        ({"field": "btc_price_usd", "range": ""}, "unknown range ''"),
        ({"field": "btc_price_usd", "since": "0"}, "unknown query parameter 'since'"),
    ],
)
def test_bad_queries_get_a_400_with_a_message(client, params, message):
    response = client.get(URL, params)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_the_400_lists_what_is_allowed(client):
    body = client.get(URL, {"field": "nope"}).json()
    assert "fng_value" in body["fields"]
    assert body["ranges"] == ["1h", "24h", "7d", "30d"]


def test_other_methods_get_a_405(client):
    response = client.post(URL, {"field": "btc_price_usd"})
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_head_answers_like_get_without_a_body(client, day_of_history):
    get = client.get(URL, {"range": "1h"})
    head = client.head(URL, {"range": "1h"})
    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Length"] == str(len(get.content))


def test_without_any_stored_data_it_answers_503(client):
    response = client.get(URL, {"field": "eth_price_usd", "range": "7d"})
    assert response.status_code == 503
    assert response.json()["error"] == "no data yet"
