"""Sending what a batch fired, after its transaction and before its XACK.

Each delivery is sent by whoever claims it (pending -> sending), so dispatching the same fires
again, after a kill between the commit and the XACK, sends nothing twice: the page frame is sent
here and marked sent; e-mail and push are queued to Celery, whose tasks claim the row before they
send (a second task for the same row finds it claimed and does nothing). A row whose sender died
after claiming it is sent again once its lease expires (`deliveries_lease_sweep`).
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db.models import QuerySet

from islands.alerts.messages import fire_frame
from islands.alerts.models import AlertDelivery
from islands.alerts.services import deliveries_lease_expired, delivery_claim, delivery_done
from islands.alerts.tasks import alert_email_send, alert_push_send
from islands.websocket_service.services import user_frame_send

log = logging.getLogger(__name__)

TASKS = {"email": alert_email_send, "push": alert_push_send}


def deliveries_dispatch(fire_ids: list[int]) -> int:
    """Send or queue every pending delivery of these fires; the number handed on."""
    if not fire_ids:
        return 0
    return _send(AlertDelivery.objects.filter(fire_id__in=fire_ids, status="pending"))


def deliveries_lease_sweep() -> int:
    """Send again the deliveries whose sender died after claiming them (see
    services.deliveries_lease_expired: at-least-once for that window); the number handed on.

    Run by the evaluator between batches: it sends page frames itself, and a Celery task would
    have to bridge onto the async channel layer (django/channels_redis#332).
    """
    ids = deliveries_lease_expired()
    if ids:
        log.warning("alert deliveries %s: lease expired or task lost; sending again", ids)
    return _send(AlertDelivery.objects.filter(pk__in=ids, status="pending"))


def _send(pending: QuerySet[AlertDelivery]) -> int:
    deliveries = list(pending.select_related("fire__alert").order_by("pk"))
    for delivery in deliveries:
        if delivery.channel == "web":
            _page_send(delivery)
        else:
            TASKS[delivery.channel].delay(delivery.pk)
    return len(deliveries)


def _page_send(delivery: AlertDelivery) -> None:
    if not delivery_claim(delivery.pk):
        return
    fire = delivery.fire
    try:
        async_to_sync(user_frame_send)(layer=get_channel_layer(), user_id=fire.user_id, frame=fire_frame(fire))
    except Exception as exc:
        # Redis down: the batch stays unacknowledged and comes back; so must this delivery.
        AlertDelivery.objects.filter(pk=delivery.pk).update(status="pending", error=repr(exc)[:300])
        raise
    delivery_done(delivery.pk, status="sent")
