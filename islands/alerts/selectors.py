"""Reads of the alerts island: a user's alerts, fires, watchlist; the coins and currencies an
alert may name; today's value of a key (for the sanity check of a new threshold)."""

from __future__ import annotations

from django.db.models import QuerySet

from islands.alerts.conditions import fx_rates_of, markets_values, summary_values
from islands.alerts.models import Alert, AlertFire, WatchlistItem
from islands.cache_system.market_schema import display_currencies, tracked_coins
from islands.cache_system.market_selectors import markets_latest
from islands.cache_system.selectors import summary_latest


def tracked_keys() -> tuple[str, ...]:
    return tuple(coin.key for coin in tracked_coins())


def tracked_ids() -> frozenset[str]:
    """CoinGecko ids of the tracked coins: their market-table rows are evaluated as the tracked key."""
    return frozenset(coin.coingecko_id for coin in tracked_coins())


def alert_coins() -> dict[str, str]:
    """The coins an alert or a watchlist may name, code -> label: the tracked coins (by key), then
    the other coins of the newest market table (by CoinGecko id), in its order."""
    coins = {coin.key: f"{coin.symbol} · {coin.name}" for coin in tracked_coins()}
    skip = tracked_ids()
    for row in markets_latest().coins:
        coin_id = row.get("id")
        if isinstance(coin_id, str) and coin_id not in skip and coin_id not in coins:
            coins[coin_id] = f"{row.get('symbol') or coin_id.upper()} · {row.get('name') or coin_id}"
    return coins


def alert_currencies() -> tuple[str, ...]:
    return display_currencies()


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
    """Today's value of `key` from the newest summary and market table; None when unknown."""
    snapshot = summary_latest()
    data = snapshot.data if snapshot is not None else {}
    values = markets_values({"coins": markets_latest().coins}, skip=tracked_ids(), rates=fx_rates_of(data))
    values.update(summary_values(data, coins=tracked_keys()))
    return values.get(key)
