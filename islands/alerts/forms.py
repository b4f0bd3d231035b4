"""The alert form: every rule a new or edited alert must pass, with the error on its field.

Used by the page (form errors) and the JSON API (400 naming the field). Numbers are parsed by
Django's DecimalField, which refuses NaN and Infinity ("Enter a number."); the range rules
depend on the kind.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from islands.alerts.conditions import COIN_KINDS, MOVE_MAX_PERCENT, PRICE_MAX, PRICE_SANE_FACTOR, alert_key
from islands.alerts.models import Alert
from islands.alerts.selectors import alert_coins, alert_count, alert_currencies, value_now


class AlertForm(forms.ModelForm):
    threshold = forms.DecimalField(label=gettext_lazy("threshold"), max_digits=30, decimal_places=10)

    class Meta:
        model = Alert
        fields = ["kind", "coin", "currency", "window", "threshold", "note", "active"]

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        coins = alert_coins()
        self.fields["coin"] = forms.ChoiceField(
            label=gettext_lazy("coin"), required=False, choices=[("", "—"), *coins.items()]
        )
        self.fields["currency"] = forms.ChoiceField(
            label=gettext_lazy("currency"), required=False, choices=[(c, c.upper()) for c in alert_currencies()]
        )
        self.fields["window"].required = False
        self.fields["active"].initial = True

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("kind")
        if self.instance.pk is None and alert_count(self.user) >= settings.ALERTS_MAX_PER_USER:
            raise forms.ValidationError(
                _("You have %(n)d alerts, the most one account may have. Delete one first.")
                % {"n": settings.ALERTS_MAX_PER_USER},
                code="too_many",
            )
        if kind is None:
            return data
        if kind in COIN_KINDS:
            if not data.get("coin"):
                self.add_error("coin", _("Choose a coin."))
        else:
            data["coin"] = ""
        if kind.startswith("price_"):
            data["currency"] = data.get("currency") or "usd"
        else:
            data["currency"] = "usd"
        if kind.startswith("move_"):
            if data.get("window") not in ("1h", "24h"):
                self.add_error("window", _("Choose 1 hour or 24 hours."))
        else:
            data["window"] = ""
        threshold = data.get("threshold")
        if threshold is not None and "coin" not in self.errors:
            self._threshold_check(kind, threshold, data)
        return data

    def _threshold_check(self, kind: str, threshold: Decimal, data: dict) -> None:
        value = float(threshold)
        if value <= 0:
            self.add_error("threshold", _("Must be greater than 0."))
        elif kind.startswith(("fng_", "rsi_")) and value >= 100:
            self.add_error("threshold", _("Must be between 0 and 100."))
        elif kind.startswith("move_") and value > MOVE_MAX_PERCENT:
            self.add_error(
                "threshold", _("A move of more than %(max)d %% is not plausible.") % {"max": MOVE_MAX_PERCENT}
            )
        elif kind.startswith("price_"):
            if value > PRICE_MAX:
                self.add_error("threshold", _("This price is not plausible."))
                return
            now = value_now(alert_key(kind=kind, coin=data["coin"], currency=data["currency"]))
            if now is not None and not now / PRICE_SANE_FACTOR <= value <= now * PRICE_SANE_FACTOR:
                self.add_error(
                    "threshold",
                    _("%(value)s is more than %(factor)d times away from today's price (%(now)s).")
                    % {"value": f"{value:,.8g}", "factor": PRICE_SANE_FACTOR, "now": f"{now:,.8g}"},
                )
