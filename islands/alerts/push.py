"""Web Push of one fire to every subscription of its user (pywebpush, VAPID from settings).

A subscription the push service says is gone (404, 410) is deleted. A send that may pass later
(connection error, timeout, 429, 5xx) is retried by the task only when no subscription got the
message: retrying after a partial success would push the same fire twice to the others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import orjson
from django.conf import settings
from pywebpush import WebPushException, webpush

from islands.alerts.messages import fire_payload
from islands.alerts.models import AlertFire, PushSubscription

log = logging.getLogger(__name__)

GONE = frozenset({404, 410})
PUSH_TTL_S = 3600
PUSH_TIMEOUT_S = 10.0


class PushRetry(Exception):
    """No subscription got the message, and at least one failure may pass: retry later."""


@dataclass(frozen=True, slots=True)
class PushOutcome:
    sent: bool
    error: str = ""


def push_enabled() -> bool:
    return bool(settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY)


def push_one(subscription: PushSubscription, data: str) -> None:
    webpush(
        subscription_info={
            "endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
        },
        data=data,
        vapid_private_key=settings.VAPID_PRIVATE_KEY,
        # A fresh dict per call: webpush() adds aud and exp to the one it is given (pywebpush#79).
        vapid_claims={"sub": settings.VAPID_SUBJECT},
        ttl=PUSH_TTL_S,
        timeout=PUSH_TIMEOUT_S,
    )


def push_to_user(fire: AlertFire) -> PushOutcome:
    if not push_enabled():
        return PushOutcome(sent=False, error="push is off (no VAPID keys)")
    data = orjson.dumps(fire_payload(fire)).decode()
    sent, transient, errors = 0, 0, []
    for subscription in PushSubscription.objects.filter(user_id=fire.user_id):
        try:
            push_one(subscription, data)
        except WebPushException as exc:
            status = getattr(exc.response, "status_code", None)
            if status in GONE:
                log.info("push subscription %s expired (%s): removed", subscription.pk, status)
                subscription.delete()
                errors.append(f"{status}: subscription removed")
                continue
            transient += status is None or status == 429 or status >= 500
            errors.append(f"{status}: {exc.message}")
        except OSError as exc:  # requests' connection errors and timeouts
            transient += 1
            errors.append(f"{type(exc).__name__}: {exc}")
        else:
            sent += 1
    if not sent and transient:
        raise PushRetry("; ".join(errors))
    return PushOutcome(sent=bool(sent), error="; ".join(errors))
