"""Tables of the alerts island: alerts, their fires and deliveries, push subscriptions, watchlists.

A fire is unique per (alert, stream, stream id): the evaluator writes it, its deliveries and the
alert's cooldown mark in one transaction before the entry is acknowledged, so evaluating an entry
a second time (after a kill before XACK, or a takeover by XAUTOCLAIM) finds the fire and adds none.
A delivery moves pending -> sending -> sent | failed; each sender claims it by a conditional
update first, so a repeated dispatch or task never sends one twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from islands.alerts.conditions import KIND_CHOICES, WINDOW_CHOICES


class Alert(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(_("condition"), max_length=16, choices=KIND_CHOICES)
    # Price and move alerts: a tracked coin's key (btc) or a market-table coin's CoinGecko id;
    # empty for Fear & Greed and RSI.
    coin = models.CharField(_("coin"), max_length=100, blank=True)
    # Price alerts: the currency the threshold is in (usd, vnd, eur).
    currency = models.CharField(_("currency"), max_length=8, default="usd")
    # Move alerts: the window of the change (1h, 24h).
    window = models.CharField(_("window"), max_length=4, choices=WINDOW_CHOICES, blank=True)
    threshold = models.DecimalField(_("threshold"), max_digits=30, decimal_places=10)
    note = models.CharField(_("note"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # The stream time of the last fire: the cooldown counts from it (stream time, not the clock,
    # so a second evaluation of the same entries decides the same way).
    last_fired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "active"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.coin.upper()} {self.threshold} ({self.user})"


class AlertFire(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="fires")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_fires")
    stream = models.CharField(max_length=64)
    stream_id = models.CharField(max_length=41)
    value = models.FloatField()
    previous = models.FloatField()
    # When the entry entered the stream (from its id).
    fired_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-fired_at"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "stream", "stream_id"], name="alert_fire_once_per_entry")
        ]

    def __str__(self) -> str:
        return f"{self.alert} at {self.fired_at:%Y-%m-%d %H:%M:%S} ({self.value:g})"


class AlertDelivery(models.Model):
    CHANNELS = [("web", "page"), ("email", "e-mail"), ("push", "Web Push")]
    STATUSES = [("pending", "pending"), ("sending", "sending"), ("sent", "sent"), ("failed", "failed")]

    fire = models.ForeignKey(AlertFire, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=8, choices=CHANNELS)
    status = models.CharField(max_length=8, choices=STATUSES, default="pending", db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["fire", "channel"], name="alert_delivery_once_per_channel")]

    def __str__(self) -> str:
        return f"{self.channel} {self.status}"


class PushSubscription(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.endpoint[:60]}"


class WatchlistItem(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watchlist")
    coin = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "coin"], name="watchlist_coin_once")]

    def __str__(self) -> str:
        return f"{self.user}: {self.coin}"
