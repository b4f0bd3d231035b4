"""Web Push of a fire: VAPID-signed, encrypted, accepted by a local push service that checks both;
a subscription the service says is gone (404/410) is removed; the page manages subscriptions."""

from __future__ import annotations

import orjson
import pytest

from islands.alerts.evaluator import alerts_consumer
from islands.alerts.models import AlertDelivery, PushSubscription
from islands.alerts.services import push_subscription_save
from islands.alerts.tests.conftest import alert_make, btc_at, user_make
from islands.alerts.tests.fake_push import fake_push_start
from islands.alerts.vapid import vapid_keys_new

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


@pytest.fixture
def push_service(settings):
    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = vapid_keys_new()
    settings.VAPID_SUBJECT = "mailto:ops@example.org"
    service, server = fake_push_start()
    yield service
    server.shutdown()


def fire_once() -> None:
    loop = alerts_consumer(consumer="alerts-a", block_ms=10)
    loop.prepare()
    btc_at(99_000)
    btc_at(100_500)
    while loop.step():
        pass


def test_a_fire_is_pushed_signed_and_encrypted_to_every_subscription(push_service):
    user = user_make()
    alert = alert_make(user, threshold=100_000, note="hello")
    for _ in range(2):
        push_subscription_save(user, **_flat(push_service.browser().subscription()))
    fire_once()
    assert push_service.refused == []
    assert sorted(m["endpoint"] for m in push_service.received) == ["b0", "b1"]
    payload = push_service.received[0]["payload"]
    assert (payload["type"], payload["alert_id"], payload["value"], payload["note"]) == (
        "alert",
        alert.pk,
        100_500,
        "hello",
    )
    assert AlertDelivery.objects.get(channel="push").status == "sent"


def test_an_expired_subscription_is_removed_and_the_others_still_get_it(push_service):
    user = user_make()
    alert_make(user, threshold=100_000)
    gone, alive = push_service.browser(), push_service.browser()
    for browser in (gone, alive):
        push_subscription_save(user, **_flat(browser.subscription()))
    push_service.gone.add("b0")
    fire_once()
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [alive.endpoint]
    assert [m["endpoint"] for m in push_service.received] == ["b1"]
    delivery = AlertDelivery.objects.get(channel="push")
    assert delivery.status == "sent"
    assert "410" in delivery.error


def test_the_page_subscribes_and_unsubscribes_a_browser(client, push_service):
    client.force_login(user_make())
    subscription = push_service.browser().subscription()
    created = client.post("/api/push/subscriptions", orjson.dumps(subscription), content_type="application/json")
    assert created.status_code == 201
    assert PushSubscription.objects.get().endpoint == subscription["endpoint"]
    bad = client.post("/api/push/subscriptions", orjson.dumps({"endpoint": "x"}), content_type="application/json")
    assert bad.status_code == 400
    assert "endpoint" in bad.json()["fields"]
    no_keys = {"endpoint": subscription["endpoint"], "keys": {}}
    assert (
        "keys"
        in client.post("/api/push/subscriptions", orjson.dumps(no_keys), content_type="application/json").json()[
            "fields"
        ]
    )
    removed = client.delete("/api/push/subscriptions", orjson.dumps(subscription), content_type="application/json")
    assert removed.status_code == 204
    assert PushSubscription.objects.count() == 0


def _flat(subscription: dict) -> dict:
    return {"endpoint": subscription["endpoint"], **subscription["keys"]}
