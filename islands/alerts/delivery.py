"""Sending what a batch fired, after its transaction and before its XACK.

Each delivery is sent by whoever claims it (pending -> sending), so dispatching the same fires
again, after a kill between the commit and the XACK, sends nothing twice: the page frame is sent
here and marked sent; e-mail and push are queued to Celery, whose tasks claim the row before they
send (a second task for the same row finds it claimed and does nothing).
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from islands.alerts.messages import fire_frame
from islands.alerts.models import AlertDelivery
from islands.alerts.services import delivery_claim, delivery_done
from islands.alerts.tasks import alert_email_send, alert_push_send
from islands.websocket_service.services import user_frame_send

log = logging.getLogger(__name__)

TASKS = {"email": alert_email_send, "push": alert_push_send}


def deliveries_dispatch(fire_ids: list[int]) -> int:
    """Send or queue every pending delivery of these fires; the number handed on."""
    if not fire_ids:
        return 0
    pending = list(
        AlertDelivery.objects.filter(fire_id__in=fire_ids, status="pending")
        .select_related("fire__alert")
        .order_by("pk")
    )
    for delivery in pending:
        if delivery.channel == "web":
            _page_send(delivery)
        else:
            TASKS[delivery.channel].delay(delivery.pk)
    return len(pending)


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
