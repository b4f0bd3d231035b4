"""What a fire says: one line per language, the WebSocket frame, the e-mail and the push payload.
Pure functions over a fire (no I/O beyond the rows already loaded)."""

from __future__ import annotations

from typing import Any

import orjson
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from islands.alerts.models import AlertFire

ALERT_FRAME_TYPE = "alert"


def _amount(value: float) -> str:
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.6g}"


def fire_text(fire: AlertFire) -> str:
    """One sentence in the active language: what crossed which level, and the value now."""
    alert = fire.alert
    what = {
        "price_above": _("%(coin)s rose to %(value)s %(cur)s (alert at %(level)s)"),
        "price_below": _("%(coin)s fell to %(value)s %(cur)s (alert at %(level)s)"),
        "move_up": _("%(coin)s is up %(value)s %% in %(window)s (alert at %(level)s %%)"),
        "move_down": _("%(coin)s is down %(value)s %% in %(window)s (alert at %(level)s %%)"),
        "fng_above": _("Fear & Greed rose to %(value)s (alert at %(level)s)"),
        "fng_below": _("Fear & Greed fell to %(value)s (alert at %(level)s)"),
        "rsi_above": _("BTC RSI rose to %(value)s (alert at %(level)s)"),
        "rsi_below": _("BTC RSI fell to %(value)s (alert at %(level)s)"),
    }[alert.kind]
    value = abs(fire.value) if alert.kind.startswith("move_") else fire.value
    return what % {
        "coin": alert.coin.upper(),
        "cur": alert.currency.upper(),
        "window": alert.window,
        "value": _amount(value),
        "level": _amount(float(alert.threshold)),
    }


def fire_texts(fire: AlertFire) -> dict[str, str]:
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = fire_text(fire)
    return texts


def fire_payload(fire: AlertFire) -> dict[str, Any]:
    """What the page and the push notification get: the fire, its texts in every language."""
    alert = fire.alert
    return {
        "type": ALERT_FRAME_TYPE,
        "fire_id": fire.pk,
        "alert_id": alert.pk,
        "kind": alert.kind,
        "coin": alert.coin,
        "currency": alert.currency,
        "threshold": float(alert.threshold),
        "value": fire.value,
        "note": alert.note,
        "stream_id": fire.stream_id,
        "fired_at": fire.fired_at.isoformat().replace("+00:00", "Z"),
        "text": fire_texts(fire),
    }


def fire_frame(fire: AlertFire) -> str:
    return orjson.dumps(fire_payload(fire)).decode()


def fire_email(fire: AlertFire) -> tuple[str, str]:
    """(subject, body) in the site's default language."""
    with translation.override(settings.LANGUAGE_CODE):
        text = fire_text(fire)
        body = "\n".join(
            line
            for line in (
                text,
                _("Time (UTC): %(time)s") % {"time": fire.fired_at.strftime("%Y-%m-%d %H:%M:%S")},
                _("Note: %(note)s") % {"note": fire.alert.note} if fire.alert.note else "",
                "",
                _("Your alerts: %(url)s") % {"url": f"{settings.ALERTS_SITE_URL}/alerts"},
            )
            if line is not None
        )
        return f"[cryptodash] {text}", body
