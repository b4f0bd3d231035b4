"""What an alert watches, as pure functions: its kinds, the value key it is indexed under, and the
values a stream entry carries for those keys.

A key names one number that a stream entry can carry: `price:<coin>:<currency>` (a tracked coin
by its key, `btc`; another coin of the market table by its CoinGecko id, `dogecoin`),
`change:<coin>:<window>` (percent), `fng` (Fear & Greed, 0-100) or `rsi` (BTC RSI-14, 0-100).
Every alert is one threshold on one key, on one side: "above" fires when the value goes from
below the threshold to at or above it, "below" the other way round. A move alert of t % is a
threshold of +t (up) or -t (down) on the change key. No I/O here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

KIND_CHOICES = [
    ("price_above", _("Price rises to or above")),
    ("price_below", _("Price falls to or below")),
    ("move_up", _("Rises by at least (%)")),
    ("move_down", _("Falls by at least (%)")),
    ("fng_above", _("Fear & Greed rises to or above")),
    ("fng_below", _("Fear & Greed falls to or below")),
    ("rsi_above", _("BTC RSI rises to or above")),
    ("rsi_below", _("BTC RSI falls to or below")),
]
KINDS = frozenset(kind for kind, _label in KIND_CHOICES)
WINDOW_CHOICES = [("1h", _("1 hour")), ("24h", _("24 hours"))]
WINDOWS = frozenset(window for window, _label in WINDOW_CHOICES)
COIN_KINDS = frozenset({"price_above", "price_below", "move_up", "move_down"})
ABOVE, BELOW = "above", "below"
# How far from today's value a price threshold may be before it is taken for a typo.
PRICE_SANE_FACTOR = 100.0
PRICE_MAX = 1e15
MOVE_MAX_PERCENT = 1000.0


def alert_key(*, kind: str, coin: str = "", currency: str = "usd", window: str = "") -> str:
    """The value key an alert of this kind watches."""
    if kind.startswith("price_"):
        return f"price:{coin}:{currency}"
    if kind.startswith("move_"):
        return f"change:{coin}:{window}"
    return "fng" if kind.startswith("fng_") else "rsi"


def alert_side(kind: str) -> str:
    return ABOVE if kind.endswith(("_above", "_up")) else BELOW


def alert_level(kind: str, threshold: float) -> float:
    """Where on its key the alert sits: a fall of t % is a change of -t."""
    return -threshold if kind == "move_down" else threshold


def _number(value: Any) -> float | None:
    """A finite float, else None (missing, null, text, bool, NaN: an unknown value fires nothing)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def fx_rates_of(data: Mapping[str, Any]) -> dict[str, float]:
    """USD -> currency rates a summary carries (`fx`), the known positive ones only."""
    fx = data.get("fx") if isinstance(data.get("fx"), Mapping) else {}
    return {cur: rate for cur, raw in fx.items() if (rate := _number(raw)) is not None and rate > 0 and cur != "age_s"}


def markets_values(
    data: Mapping[str, Any], *, skip: Iterable[str] = (), rates: Mapping[str, float]
) -> dict[str, float]:
    """The value of every key a market-table entry (crypto:markets) carries, by CoinGecko id.

    `skip`: ids evaluated from the summary instead (the tracked coins), so one move of one price
    is one crossing, not one per stream. `rates`: USD -> currency, from the summary of that time.
    """
    values: dict[str, float] = {}
    skipped = set(skip)
    rows = data.get("coins")
    for row in rows if isinstance(rows, list) else ():
        coin = row.get("id") if isinstance(row, Mapping) else None
        if not isinstance(coin, str) or coin in skipped:
            continue
        price = _number(row.get("price_usd"))
        if price is not None:
            values[f"price:{coin}:usd"] = price
            for currency, rate in rates.items():
                values[f"price:{coin}:{currency}"] = price * rate
        for window in ("1h", "24h"):
            change = _number(row.get(f"change_{window}"))
            if change is not None:
                values[f"change:{coin}:{window}"] = change
    return values


def summary_values(
    data: Mapping[str, Any], *, coins: Iterable[str], hour_ago: Mapping[str, Any] | None = None
) -> dict[str, float]:
    """The value of every key a summary entry (crypto:market_data) carries.

    Prices in USD, and in every currency of the summary's `fx` rates; the 24 h change as the
    upstream gave it; the 1 h change from the summary an hour before (`hour_ago`) when there is one.
    """
    values: dict[str, float] = {}
    rates = fx_rates_of(data)
    for coin in coins:
        price = _number(data.get(f"{coin}_price_usd"))
        if price is not None:
            values[f"price:{coin}:usd"] = price
            for currency, rate in rates.items():
                values[f"price:{coin}:{currency}"] = price * rate
            before = _number(hour_ago.get(f"{coin}_price_usd")) if hour_ago else None
            if before:
                values[f"change:{coin}:1h"] = (price / before - 1.0) * 100.0
        change = _number(data.get(f"{coin}_change_24h"))
        if change is not None:
            values[f"change:{coin}:24h"] = change
    fng = _number(data.get("fng_value"))
    if fng is not None:
        values["fng"] = fng
    rsi = _number(data.get("btc_rsi_14"))
    if rsi is not None:
        values["rsi"] = rsi
    return values
