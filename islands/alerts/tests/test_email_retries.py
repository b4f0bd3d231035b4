"""An alert's mail is retried while the mail server fails, sent once when it answers, and marked
failed with the reason after the last retry."""

from __future__ import annotations

import smtplib

import pytest
from celery import current_app
from django.core import mail

from islands.alerts import tasks
from islands.alerts.evaluator import alerts_consumer
from islands.alerts.models import AlertDelivery
from islands.alerts.tests.conftest import alert_make, btc_at, user_make

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


@pytest.fixture(autouse=True)
def _retries_stay_in_the_task(eager_celery):
    """A worker catches the task's Retry and runs it again later; eagerly, Celery runs the retries
    at once and then raises Retry to the caller, which a worker never sees: not propagated here."""
    conf = current_app.conf
    conf.task_eager_propagates = False
    yield
    conf.task_eager_propagates = True


def fire() -> None:
    alert_make(user_make(), threshold=100_000)
    loop = alerts_consumer(consumer="alerts-a", block_ms=10)
    loop.prepare()
    btc_at(99_000)
    btc_at(100_500)
    while loop.step():
        pass


def flaky_send_mail(failures: int):
    real = tasks.send_mail
    calls = {"n": 0}

    def send(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] <= failures:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real(*args, **kwargs)

    return send


def test_a_mail_server_that_fails_twice_gets_the_mail_once_on_the_third_try(monkeypatch, settings):
    settings.ALERTS_EMAIL_RETRIES = 5
    monkeypatch.setattr(tasks, "send_mail", flaky_send_mail(2))
    fire()
    delivery = AlertDelivery.objects.get(channel="email")
    assert (delivery.status, delivery.attempts) == ("sent", 3)
    assert len(mail.outbox) == 1


def test_after_the_last_retry_the_delivery_says_failed_and_why(monkeypatch, settings):
    settings.ALERTS_EMAIL_RETRIES = 2
    monkeypatch.setattr(tasks, "send_mail", flaky_send_mail(100))
    fire()
    delivery = AlertDelivery.objects.get(channel="email")
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert "SMTPServerDisconnected" in delivery.error
    assert mail.outbox == []
    assert AlertDelivery.objects.get(channel="web").status == "sent"
