"""Bad alerts are refused with the field named: a 400 from the API, a form error on the page."""

from __future__ import annotations

import orjson
import pytest
from django.contrib.auth import get_user_model

from islands.alerts.models import Alert
from islands.alerts.tests.conftest import alert_make, btc_at, user_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client):
    client.force_login(user_make())

    def post(**body):
        return client.post("/api/alerts", orjson.dumps(body), content_type="application/json")

    return post


def fields(response) -> dict:
    assert response.status_code == 400, response.content
    return response.json()["fields"]


@pytest.mark.parametrize("threshold", ["NaN", "Infinity", "-Infinity", "nan", "abc", None])
def test_not_a_number_is_refused_on_threshold(api, threshold):
    assert "threshold" in fields(api(kind="price_above", coin="btc", threshold=threshold))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "price_above", "coin": "btc", "threshold": -5}, "threshold"),
        ({"kind": "price_above", "coin": "btc", "threshold": 0}, "threshold"),
        ({"kind": "price_above", "coin": "btc", "threshold": 1e20}, "threshold"),
        ({"kind": "fng_above", "threshold": 150}, "threshold"),
        ({"kind": "rsi_below", "threshold": 100}, "threshold"),
        ({"kind": "move_up", "coin": "btc", "window": "24h", "threshold": 5000}, "threshold"),
        ({"kind": "move_up", "coin": "btc", "window": "7d", "threshold": 5}, "window"),
        ({"kind": "price_above", "coin": "dogecoin-xyz", "threshold": 1}, "coin"),
        ({"kind": "price_above", "threshold": 1}, "coin"),
        ({"kind": "price_above", "coin": "btc", "currency": "jpy", "threshold": 1}, "currency"),
        ({"kind": "explode", "threshold": 1}, "kind"),
        ({"kind": "price_above", "coin": "btc", "threshold": 1, "note": "x" * 201}, "note"),
        ({"kind": "price_above", "coin": ["btc"], "threshold": 1}, "coin"),
    ],
)
def test_out_of_range_or_unknown_values_name_their_field(api, body, field):
    response = api(**body)
    assert field in fields(response)
    assert field in response.json()["error"]


def test_a_price_far_from_today_is_taken_for_a_typo(api):
    btc_at(97_000)
    assert "threshold" in fields(api(kind="price_above", coin="btc", threshold=97_000_000))
    assert api(kind="price_above", coin="btc", threshold=120_000).status_code == 201


def test_more_than_the_maximum_is_refused(client, settings):
    settings.ALERTS_MAX_PER_USER = 2
    user = user_make()
    client.force_login(user)
    for _ in range(2):
        alert_make(user)
    response = client.post("/api/alerts", {"kind": "fng_above", "threshold": 50}, content_type="application/json")
    assert "__all__" in fields(response)
    assert Alert.objects.count() == 2


def test_bad_json_and_anonymous_callers_get_clear_errors(client):
    assert client.post("/api/alerts", b"{", content_type="application/json").status_code == 401
    client.force_login(user_make())
    response = client.post("/api/alerts", b"{", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]
    assert client.post("/api/alerts", b"[1]", content_type="application/json").status_code == 400


def test_a_good_alert_is_created_and_listed(api, client):
    response = api(kind="move_down", coin="eth", window="1h", threshold="7.5", note="dip")
    assert response.status_code == 201
    listed = client.get("/api/alerts").json()["alerts"]
    assert [(a["kind"], a["coin"], a["window"], a["threshold"], a["note"]) for a in listed] == [
        ("move_down", "eth", "1h", 7.5, "dip")
    ]


def test_the_page_form_shows_the_error_beside_the_field(client):
    client.force_login(user_make())
    response = client.post(
        "/alerts?lang=en", {"kind": "price_above", "coin": "btc", "threshold": "NaN", "currency": "usd"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'class="errorlist' in body
    assert "Enter a number." in body
    ok = client.post(
        "/alerts", {"kind": "price_above", "coin": "btc", "threshold": "120000", "currency": "usd", "active": "on"}
    )
    assert ok.status_code == 302
    assert Alert.objects.get().threshold == 120_000


def test_another_users_alert_is_not_found(client):
    other = alert_make(user_make("bob@example.org"))
    client.force_login(user_make())
    assert client.get(f"/api/alerts/{other.pk}").status_code == 404
    assert client.post(f"/alerts/{other.pk}/delete").status_code == 404
    assert Alert.objects.filter(pk=other.pk).exists()


def test_the_alerts_page_keeps_the_content_security_policy(client):
    client.force_login(user_make())
    response = client.get("/alerts")
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "<script>" not in response.content.decode()  # no inline script: the policy would block it
    assert client.get("/alerts-sw.js")["Content-Type"].startswith("text/javascript")


def test_staff_see_alerts_fires_and_deliveries_in_admin(client):
    alert_make(user_make())
    staff = get_user_model().objects.create_superuser("root", "root@example.org", "x" * 16)
    client.force_login(staff)
    for model in ("alert", "alertfire", "alertdelivery", "pushsubscription", "watchlistitem"):
        assert client.get(f"/admin/alerts/{model}/").status_code == 200, model
