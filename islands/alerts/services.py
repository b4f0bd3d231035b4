"""Writes of the alerts island: recording fires (the exactly-once transaction), delivery state
changes, watchlists and push subscriptions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from islands.alerts.models import Alert, AlertDelivery, AlertFire, PushSubscription, WatchlistItem

# The longest wait between two tries of a mail or push (tasks._retry_or_fail's backoff cap).
RETRY_WAIT_MAX_S = 300


@dataclass(frozen=True, slots=True)
class Decision:
    """The evaluator's verdict for one alert and one stream entry: its value crossed the threshold."""

    alert_id: int
    stream: str
    stream_id: str
    fired_at: dt.datetime
    value: float
    previous: float


def fires_record(decisions: Iterable[Decision]) -> list[int]:
    """Store the fires and their deliveries of one batch in one transaction; ids of the batch's fires.

    Keyed by (alert, stream, stream id): a decision whose fire exists (an entry evaluated again
    after a kill before its XACK, or claimed from a dead evaluator) adds nothing, and its fire id
    is returned again so deliveries it left pending still go out. A paused or deleted alert, or
    one inside its cooldown at the entry's time, does not fire. Each alert row is locked, so two
    evaluators deciding on the same alert at once take turns.
    """
    decisions = sorted(decisions, key=lambda d: (d.fired_at, d.stream_id))
    if not decisions:
        return []
    cooldown = dt.timedelta(seconds=settings.ALERTS_COOLDOWN_S)
    fire_ids: list[int] = []
    with transaction.atomic():
        alert_ids = {d.alert_id for d in decisions}
        alerts = {
            alert.pk: alert
            for alert in Alert.objects.select_for_update()
            .filter(pk__in=alert_ids, active=True)
            .select_related("user")
            .order_by("pk")
        }
        existing = {
            (alert_id, stream, stream_id): pk
            for pk, alert_id, stream, stream_id in AlertFire.objects.filter(
                alert_id__in=alert_ids, stream_id__in={d.stream_id for d in decisions}
            ).values_list("pk", "alert_id", "stream", "stream_id")
        }
        # Mail only to a confirmed address: anyone can sign up with someone else's.
        mailable = set(
            EmailAddress.objects.filter(
                user_id__in={a.user_id for a in alerts.values()}, verified=True, primary=True
            ).values_list("user_id", flat=True)
        )
        pushers = set(
            PushSubscription.objects.filter(user_id__in={a.user_id for a in alerts.values()}).values_list(
                "user_id", flat=True
            )
        )
        for decision in decisions:
            known = existing.get((decision.alert_id, decision.stream, decision.stream_id))
            if known is not None:
                fire_ids.append(known)
                continue
            alert = alerts.get(decision.alert_id)
            if alert is None:
                continue
            if alert.last_fired_at is not None and decision.fired_at - alert.last_fired_at < cooldown:
                continue
            fire = AlertFire.objects.create(
                alert=alert,
                user_id=alert.user_id,
                stream=decision.stream,
                stream_id=decision.stream_id,
                value=decision.value,
                previous=decision.previous,
                fired_at=decision.fired_at,
            )
            channels = ["web"]
            if alert.user_id in mailable:
                channels.append("email")
            if alert.user_id in pushers:
                channels.append("push")
            AlertDelivery.objects.bulk_create([AlertDelivery(fire=fire, channel=channel) for channel in channels])
            alert.last_fired_at = decision.fired_at
            # Only this field: updated_at (the index's version) does not move for a fire.
            alert.save(update_fields=["last_fired_at"])
            fire_ids.append(fire.pk)
    return fire_ids


def delivery_claim(delivery_id: int) -> bool:
    """pending -> sending for one sender only: True for the caller that may send it.

    The claim's time starts the delivery's lease (ALERTS_DELIVERY_LEASE_S, see
    deliveries_lease_expired). QuerySet.update() leaves auto_now alone, so every state change here
    sets updated_at itself.
    """
    return bool(
        AlertDelivery.objects.filter(pk=delivery_id, status="pending").update(
            status="sending", attempts=F("attempts") + 1, updated_at=timezone.now()
        )
    )


def delivery_done(delivery_id: int, *, status: str, error: str = "") -> None:
    AlertDelivery.objects.filter(pk=delivery_id).update(status=status, error=error[:300], updated_at=timezone.now())


def delivery_release(delivery_id: int, *, error: str) -> None:
    """sending -> pending after a failed attempt that will be retried."""
    AlertDelivery.objects.filter(pk=delivery_id, status="sending").update(
        status="pending", error=error[:300], updated_at=timezone.now()
    )


def delivery_attempts_max(channel: str) -> int:
    """Claims a delivery may take before it is failed: the first try and the channel's retries."""
    retries = {"email": settings.ALERTS_EMAIL_RETRIES, "push": settings.ALERTS_PUSH_RETRIES}
    return retries.get(channel, settings.ALERTS_EMAIL_RETRIES) + 1


def deliveries_lease_expired(*, now: dt.datetime | None = None) -> list[int]:
    """Deliveries whose sender is gone, handed back to the caller to send again; their ids.

    A sender claims a row (pending -> sending) and marks it sent when done. One killed in between
    (a worker's OOM or SIGKILL, a host lost) leaves it "sending" with nobody left to finish it.
    A row "sending" for longer than ALERTS_DELIVERY_LEASE_S (longer than any live send may take:
    Celery's hard time limit kills a task first) is put back to pending, by one caller only (a
    conditional update per row). A row pending for longer than the lease plus the longest retry
    wait (RETRY_WAIT_MAX_S) has lost its task (a broker that lost its queue) and is returned too;
    the sender's claim keeps a second dispatch from sending it twice. A row that has used up its
    attempts (delivery_attempts_max) is marked failed instead: a mail that kills its worker every
    time must not loop for ever.

    This makes those rows at-least-once, not exactly-once: a sender killed after the mail server
    accepted the message but before it marked the row sent leaves a row that looks the same as one
    killed before sending, and SMTP (like Web Push) has no idempotency key that would let the
    server drop the second copy. Only that narrow window can send twice; every other path sends once.
    """
    now = now or timezone.now()
    lease = dt.timedelta(seconds=settings.ALERTS_DELIVERY_LEASE_S)
    stuck = AlertDelivery.objects.filter(status="sending", updated_at__lt=now - lease)
    lost = AlertDelivery.objects.filter(
        status="pending", updated_at__lt=now - lease - dt.timedelta(seconds=RETRY_WAIT_MAX_S)
    )
    again: list[int] = []
    for pk, channel, attempts in stuck.values_list("pk", "channel", "attempts"):
        if attempts >= delivery_attempts_max(channel):
            error = f"the sender stopped before finishing, {attempts} times (lease expired)"
            AlertDelivery.objects.filter(pk=pk, status="sending").update(status="failed", error=error, updated_at=now)
            continue
        if AlertDelivery.objects.filter(pk=pk, status="sending", updated_at__lt=now - lease).update(
            status="pending", error="lease expired: sent again", updated_at=now
        ):
            again.append(pk)
    again += list(lost.values_list("pk", flat=True))
    return again


def watchlist_set(user, coins: Iterable[str]) -> list[str]:
    """Make the user's watchlist exactly `coins` (known coins only, in that order of adding)."""
    wanted = list(dict.fromkeys(coins))
    with transaction.atomic():
        WatchlistItem.objects.filter(user=user).exclude(coin__in=wanted).delete()
        have = set(WatchlistItem.objects.filter(user=user).values_list("coin", flat=True))
        WatchlistItem.objects.bulk_create([WatchlistItem(user=user, coin=c) for c in wanted if c not in have])
    return wanted


def watchlist_merge(user, coins: Iterable[str]) -> None:
    """Add the coins a visitor starred before logging in to the account's watchlist."""
    WatchlistItem.objects.bulk_create(
        [WatchlistItem(user=user, coin=c) for c in dict.fromkeys(coins)], ignore_conflicts=True
    )


def push_subscription_save(user, *, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth}
    )
    return subscription


def push_subscription_delete(*, endpoint: str, user=None) -> int:
    rows = PushSubscription.objects.filter(endpoint=endpoint)
    if user is not None:
        rows = rows.filter(user=user)
    return rows.delete()[0]
