"""Reads of the alerts island: a user's alerts, fires, watchlist; the coins and currencies an
alert may name; today's value of a key (for the sanity check of a new threshold)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from islands.alerts.conditions import summary_coins, summary_values
from islands.alerts.models import Alert, AlertFire, WatchlistItem
from islands.cache_system.selectors import summary_latest
from islands.external_apis.selectors import summary_fields

DEFAULT_CURRENCIES = ("usd", "vnd", "eur")


def alert_coins() -> tuple[str, ...]:
    """The coins an alert or a watchlist may name: the tracked coins of the summary."""
    return summary_coins(summary_fields())


def alert_currencies() -> tuple[str, ...]:
    return tuple(getattr(settings, "DISPLAY_CURRENCIES", DEFAULT_CURRENCIES))


def alerts_of(user) -> QuerySet[Alert]:
    return Alert.objects.filter(user=user)


def alert_count(user) -> int:
    return Alert.objects.filter(user=user).count()


def fires_of(user, *, limit: int = 50) -> list[AlertFire]:
    return list(
        AlertFire.objects.filter(user=user)
        .select_related("alert")
        .prefetch_related("deliveries")
        .order_by("-fired_at")[:limit]
    )


def watchlist_of(user) -> list[str]:
    return list(WatchlistItem.objects.filter(user=user).values_list("coin", flat=True))


def value_now(key: str) -> float | None:
    """The newest summary's value of `key`; None when unknown (no data yet, no rate)."""
    snapshot = summary_latest()
    if snapshot is None:
        return None
    return summary_values(snapshot.data, coins=alert_coins()).get(key)
