"""A delivery whose sender was killed between its claim and its send is sent again once its lease
(ALERTS_DELIVERY_LEASE_S) has expired, once; one still inside its lease is left to its sender."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from islands.alerts.evaluator import alerts_consumer, alerts_tick
from islands.alerts.models import AlertDelivery
from islands.alerts.tests.conftest import alert_make, btc_at, user_make

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


def _fires(count: int) -> list[AlertDelivery]:
    """`count` alerts fired by one crossing, their mails claimed by a sender that then died."""
    user = user_make()
    for _ in range(count):
        alert_make(user, threshold=100_000)
    loop = alerts_consumer(consumer="alerts-a", block_ms=10)
    loop.prepare()
    btc_at(99_000)
    btc_at(100_500)
    while loop.step():
        pass
    mail.outbox.clear()
    # The state a SIGKILL between delivery_claim and send_mail leaves behind.
    AlertDelivery.objects.filter(channel="email").update(status="sending", attempts=1)
    return list(AlertDelivery.objects.filter(channel="email").order_by("pk"))


def _claimed_ago(delivery: AlertDelivery, seconds: float) -> None:
    AlertDelivery.objects.filter(pk=delivery.pk).update(updated_at=timezone.now() - dt.timedelta(seconds=seconds))


def test_a_mail_left_sending_past_its_lease_is_sent_once_and_one_inside_it_is_left_alone(settings):
    settings.ALERTS_DELIVERY_LEASE_S = 120
    expired, fresh = _fires(2)
    _claimed_ago(expired, 121)
    _claimed_ago(fresh, 30)

    alerts_tick()
    alerts_tick()  # the next run finds nothing more to do

    assert len(mail.outbox) == 1
    expired.refresh_from_db()
    fresh.refresh_from_db()
    assert (expired.status, expired.attempts) == ("sent", 2)
    assert (fresh.status, fresh.attempts) == ("sending", 1)  # its sender may still be at work


def test_a_page_notice_left_sending_past_its_lease_is_sent_again(settings):
    settings.ALERTS_DELIVERY_LEASE_S = 120
    _fires(1)
    page = AlertDelivery.objects.get(channel="web")
    AlertDelivery.objects.filter(pk=page.pk).update(status="sending")
    _claimed_ago(page, 500)

    alerts_tick()

    page.refresh_from_db()
    assert page.status == "sent"


def test_a_delivery_that_killed_its_sender_every_time_is_failed_with_the_reason(settings):
    settings.ALERTS_DELIVERY_LEASE_S = 120
    settings.ALERTS_EMAIL_RETRIES = 2
    (delivery,) = _fires(1)
    AlertDelivery.objects.filter(pk=delivery.pk).update(attempts=3)
    _claimed_ago(delivery, 121)

    alerts_tick()

    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert "lease expired" in delivery.error
    assert mail.outbox == []


def test_a_pending_mail_whose_task_was_lost_is_queued_again(settings):
    settings.ALERTS_DELIVERY_LEASE_S = 120
    (delivery,) = _fires(1)
    AlertDelivery.objects.filter(pk=delivery.pk).update(status="pending", attempts=0)
    _claimed_ago(delivery, 60)
    alerts_tick()
    assert mail.outbox == []  # within the lease and the longest retry wait: its task may be queued

    _claimed_ago(delivery, 121 + 300)
    alerts_tick()

    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert len(mail.outbox) == 1
