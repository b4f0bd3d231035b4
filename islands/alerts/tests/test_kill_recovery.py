"""The evaluator killed at each point between reading an entry and acknowledging it, or taken over
by another evaluator (XAUTOCLAIM): every crossing fires once, no fire is lost, no mail goes twice."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.core import mail

from islands.alerts import evaluator as evaluator_module
from islands.alerts.evaluator import Evaluator, alerts_consumer
from islands.alerts.models import AlertDelivery, AlertFire
from islands.alerts.tasks import alert_email_send
from islands.alerts.tests.conftest import alert_make, btc_at, user_make

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


class Killed(BaseException):
    """Stands in for SIGKILL: nothing after the raising line runs, no handler catches it."""


def kill(*args, **kwargs):
    raise Killed


def pending(redis_conn) -> int:
    return redis_conn.xpending(settings.STREAM_MARKET_DATA, settings.ALERTS_GROUP)["pending"]


def assert_fired_once_and_delivered(crossing: str) -> None:
    fire = AlertFire.objects.get()
    assert fire.stream_id == crossing
    assert dict(AlertDelivery.objects.values_list("channel", "status")) == {"web": "sent", "email": "sent"}
    assert len(mail.outbox) == 1


@pytest.fixture
def crossing():
    """One alert, the group, and two entries whose BTC price crosses it; the crossing entry's id."""
    alert_make(user_make(), threshold=100_000)
    alerts_consumer(consumer="alerts-a", block_ms=10).prepare()
    btc_at(99_000)
    return btc_at(100_500)


def restart_and_drain(consumer: str = "alerts-a") -> None:
    """A new process for the same consumer name: its own pending entries first, then new ones."""
    loop = alerts_consumer(consumer=consumer, block_ms=10)
    while loop.step():
        pass


# Kill points inside the handler (the transaction's own inside and the XACK have tests of their own).
POINTS = {
    "before the transaction": (evaluator_module, "fires_record"),
    "after the commit, before any delivery": (evaluator_module, "deliveries_dispatch"),
}


@pytest.mark.parametrize("point", list(POINTS))
def test_killed_inside_the_handler_the_restart_fires_once(point, crossing, monkeypatch, redis_conn):
    module, name = POINTS[point]
    first = alerts_consumer(consumer="alerts-a", block_ms=10)
    with monkeypatch.context() as patch:
        patch.setattr(module, name, kill)
        with pytest.raises(Killed):
            while first.step():
                pass
    assert pending(redis_conn) >= 1
    restart_and_drain()
    assert_fired_once_and_delivered(crossing)
    assert pending(redis_conn) == 0


def test_killed_inside_the_transaction_nothing_is_kept_and_the_restart_fires_once(crossing, monkeypatch):
    first = alerts_consumer(consumer="alerts-a", block_ms=10)
    with monkeypatch.context() as patch:
        # The deliveries' insert is the transaction's second write: the fire before it is rolled back.
        patch.setattr(AlertDelivery.objects, "bulk_create", kill)
        with pytest.raises(Killed):
            while first.step():
                pass
    assert AlertFire.objects.count() == 0
    restart_and_drain()
    assert_fired_once_and_delivered(crossing)


def test_killed_after_the_deliveries_before_the_xack_the_restart_sends_nothing_again(crossing, monkeypatch, redis_conn):
    first = alerts_consumer(consumer="alerts-a", block_ms=10)
    monkeypatch.setattr(first.store, "group_ack", kill)
    with pytest.raises(Killed):
        while first.step():
            pass
    assert AlertFire.objects.count() == 1
    assert len(mail.outbox) == 1
    restart_and_drain()
    assert_fired_once_and_delivered(crossing)
    assert pending(redis_conn) == 0


def test_killed_before_the_xack_another_evaluator_claims_the_entry_and_fires_nothing_twice(
    crossing, monkeypatch, redis_conn
):
    first = alerts_consumer(consumer="alerts-a", block_ms=10)
    monkeypatch.setattr(first.store, "group_ack", kill)
    with pytest.raises(Killed):
        while first.step():
            pass
    time.sleep(0.06)
    other = alerts_consumer(consumer="alerts-b", block_ms=10, claim_idle_ms=50, evaluator=Evaluator())
    while other.step():
        pass
    assert pending(redis_conn) == 0
    assert_fired_once_and_delivered(crossing)


def test_killed_before_the_transaction_another_evaluator_claims_and_fires_once(crossing, monkeypatch, redis_conn):
    first = alerts_consumer(consumer="alerts-a", block_ms=10)
    with monkeypatch.context() as patch:
        patch.setattr(evaluator_module, "fires_record", kill)
        with pytest.raises(Killed):
            while first.step():
                pass
    time.sleep(0.06)
    other = alerts_consumer(consumer="alerts-b", block_ms=10, claim_idle_ms=50)
    while other.step():
        pass
    assert_fired_once_and_delivered(crossing)
    assert pending(redis_conn) == 0


def test_an_e_mail_task_run_twice_for_one_fire_sends_one_mail(crossing):
    restart_and_drain()
    delivery = AlertDelivery.objects.get(channel="email")
    alert_email_send.delay(delivery.pk)
    AlertDelivery.objects.filter(pk=delivery.pk).update(status="sending")
    alert_email_send.delay(delivery.pk)
    assert len(mail.outbox) == 1
