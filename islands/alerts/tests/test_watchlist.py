"""The watchlist API: a user's starred coins, replaced or merged with what the browser kept."""

from __future__ import annotations

import orjson
import pytest

from islands.alerts.tests.conftest import user_make

pytestmark = pytest.mark.django_db


def send(client, method: str, coins) -> object:
    return getattr(client, method)("/api/watchlist", orjson.dumps({"coins": coins}), content_type="application/json")


def test_stars_are_kept_on_the_server_and_merged_at_log_in(client):
    assert client.get("/api/watchlist").status_code == 401  # a visitor's stars stay in the browser
    client.force_login(user_make())
    assert send(client, "put", ["eth", "btc"]).json() == {"coins": ["eth", "btc"]}
    # The first page after logging in adds what the visitor had starred in this browser.
    assert send(client, "post", ["sol", "btc"]).json() == {"coins": ["eth", "btc", "sol"]}
    assert send(client, "put", ["sol"]).json() == {"coins": ["sol"]}
    assert client.get("/api/watchlist").json() == {"coins": ["sol"]}


@pytest.mark.parametrize("coins", [["not-a-coin"], "btc", [1], None])
def test_unknown_coins_or_shapes_are_a_400_naming_coins(client, coins):
    client.force_login(user_make())
    response = send(client, "put", coins)
    assert response.status_code == 400
    assert "coins" in response.json()["fields"]
