"""Reads of the dashboard island: what the home page and the summary API show for a snapshot.

Turns the latest summary (cache_system's SummarySnapshot) into tiles, each with the state the
summary carries for it (`field_states`, decided by cache_system.market_schema when the summary
is built): "ok", "stale" or "unknown" (no value; the reason comes from `data_sources`). It never
invents a value and never calls an upstream API.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from islands.cache_system.market_schema import STATE_UNKNOWN, field_state_of, field_value, index_field, tracked_coins
from islands.cache_system.selectors import SummarySnapshot
from islands.external_apis.selectors import index_symbols


@dataclass(frozen=True, slots=True)
class Tile:
    id: str
    label: str
    field: str
    kind: str
    group: str
    value: Any
    state: str  # ok | stale | unknown
    reason: str | None
    change_field: str | None = None
    change: Any = None
    change_kind: str = "change"
    updated_at: str | None = None  # last success of the newest source feeding it (RFC 3339)


def summary_is_stale(*, snapshot: SummarySnapshot, now: float | None = None) -> bool:
    """True when no new summary entered the stream for SUMMARY_STALE_AFTER seconds, or when it
    was read while Redis did not answer (a newer one may exist)."""
    if snapshot.offline:
        return True
    age = (now if now is not None else time.time()) - snapshot.stored_at
    return age > settings.SUMMARY_STALE_AFTER


def _tile(data: dict[str, Any], *, id: str, label: str, field: str, kind: str, group: str, **extra: Any) -> Tile:
    """A tile painted with the state the summary carries for `field` (market_schema decides it)."""
    value = field_value(data, field)
    state = field_state_of(data, field)
    reason = state.get("reason")
    if state.get("state") == STATE_UNKNOWN and not reason:
        reason = str(_("no value in the latest summary"))
    change_field = extra.pop("change_field", None)
    change = field_value(data, change_field) if change_field else None
    return Tile(
        id=id,
        label=label,
        field=field,
        kind=kind,
        group=group,
        value=value,
        state=str(state.get("state") or STATE_UNKNOWN),
        reason=reason,
        change_field=change_field,
        change=change,
        updated_at=state.get("updated_at") if value is not None else None,
        **extra,
    )


def dashboard_tiles(*, snapshot: SummarySnapshot) -> dict[str, list[Tile]]:
    """The home page's tiles, grouped by section, in display order."""
    data = snapshot.data
    coins = [
        _tile(
            data,
            id=f"coin-{coin.key}",
            label=f"{coin.name} ({coin.symbol})",
            field=coin.price_field,
            kind="price",
            group="prices",
            change_field=coin.change_field,
        )
        for coin in tracked_coins()
    ]
    market = [
        _tile(
            data,
            id="market-cap",
            label=str(_("Market cap")),
            field="market_cap_usd",
            kind="usd_compact",
            group="global",
            change_field="market_cap_change_percentage_24h_usd",
        ),
        _tile(
            data, id="volume", label=str(_("24 h volume")), field="volume_24h_usd", kind="usd_compact", group="global"
        ),
        _tile(
            data,
            id="btc-dominance",
            label=str(_("BTC dominance")),
            field="btc_market_cap_percentage",
            kind="percent",
            group="global",
        ),
        _tile(
            data,
            id="eth-dominance",
            label=str(_("ETH dominance")),
            field="eth_market_cap_percentage",
            kind="percent",
            group="global",
        ),
    ]
    gauges = [
        _tile(data, id="fng", label=str(_("Fear & Greed index")), field="fng_value", kind="int", group="fng"),
        _tile(data, id="rsi", label=str(_("BTC RSI (14, 1 day)")), field="btc_rsi_14", kind="number", group="rsi"),
    ]
    indices = [
        _tile(
            data,
            id=f"index-{symbol.lower()}",
            label=symbol,
            field=index_field(symbol),
            kind="usd",
            group="indices",
            change_field=f"us_stock_indices.{symbol}.change_percent",
        )
        for symbol in index_symbols()
    ]
    return {"coins": coins, "market": market, "gauges": gauges, "indices": indices}


def fng_label(value: Any) -> str | None:
    """alternative.me's classification of a Fear & Greed value."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    for limit, label in (
        (24, _("Extreme fear")),
        (44, _("Fear")),
        (55, _("Neutral")),
        (75, _("Greed")),
    ):
        if value <= limit:
            return str(label)
    return str(_("Extreme greed"))


def rsi_label(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if value >= 70:
        return str(_("Overbought"))
    if value <= 30:
        return str(_("Oversold"))
    return str(_("Neutral"))


SOURCE_STATUS_LABELS = {
    "ok": _("ok"),
    "stale": _("stale"),
    "failed": _("failed"),
    "rate_limited": _("rate limited"),
    "disabled": _("disabled"),
    "unknown": _("unknown"),
}


def source_rows(*, snapshot: SummarySnapshot) -> list[dict[str, Any]]:
    """data_sources as table rows, sorted by name."""
    sources = snapshot.data.get("data_sources")
    if not isinstance(sources, dict):
        return []
    return [
        {
            "name": name,
            "status": str(state.get("status") or "unknown"),
            "label": str(SOURCE_STATUS_LABELS.get(str(state.get("status")), state.get("status") or _("unknown"))),
            "updated_at": state.get("updated_at"),
            "error": state.get("error"),
        }
        for name, state in sorted(sources.items())
        if isinstance(state, dict)
    ]
