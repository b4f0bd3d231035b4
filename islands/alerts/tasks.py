"""Celery tasks of the alerts island: an alert's e-mail and its Web Push messages.

Each claims its delivery row first (pending -> sending): a task queued twice for one fire sends
once. A failure that may pass (SMTP down, a push service's 5xx or timeout) puts the row back to
pending and retries with backoff; after the last retry the row says failed, with the reason.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail

from islands.alerts.messages import fire_email
from islands.alerts.models import AlertDelivery
from islands.alerts.push import push_to_user
from islands.alerts.services import RETRY_WAIT_MAX_S, delivery_claim, delivery_done, delivery_release

log = logging.getLogger(__name__)


@shared_task(bind=True, ignore_result=True, max_retries=None)
def alert_email_send(self, delivery_id: int) -> None:
    if not delivery_claim(delivery_id):
        return
    delivery = AlertDelivery.objects.select_related("fire__alert__user").get(pk=delivery_id)
    subject, body = fire_email(delivery.fire)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [delivery.fire.alert.user.email])
    except Exception as exc:
        _retry_or_fail(self, delivery_id, exc, retries=settings.ALERTS_EMAIL_RETRIES)
        return
    delivery_done(delivery_id, status="sent")


@shared_task(bind=True, ignore_result=True, max_retries=None)
def alert_push_send(self, delivery_id: int) -> None:
    if not delivery_claim(delivery_id):
        return
    delivery = AlertDelivery.objects.select_related("fire__alert").get(pk=delivery_id)
    try:
        outcome = push_to_user(delivery.fire)
    except Exception as exc:
        _retry_or_fail(self, delivery_id, exc, retries=settings.ALERTS_PUSH_RETRIES)
        return
    delivery_done(delivery_id, status="sent" if outcome.sent else "failed", error=outcome.error)


def _retry_or_fail(task, delivery_id: int, exc: Exception, *, retries: int) -> None:
    error = f"{type(exc).__name__}: {exc}"
    # Counted on the row, not the task: a delivery sent again after its lease expired (a killed
    # worker) continues the same count in a new task.
    attempts = AlertDelivery.objects.filter(pk=delivery_id).values_list("attempts", flat=True).first() or 0
    if attempts > retries:
        log.warning("alert delivery %s failed for good: %s", delivery_id, error)
        delivery_done(delivery_id, status="failed", error=error)
        return
    delivery_release(delivery_id, error=error)
    log.info("alert delivery %s failed (%s); retrying", delivery_id, error)
    raise task.retry(countdown=min(RETRY_WAIT_MAX_S, 2 ** (task.request.retries + 1)), exc=exc)
