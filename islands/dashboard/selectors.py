"""Reads of the dashboard island: what the home page and the summary API show for a snapshot.

Turns the latest summary (cache_system's SummarySnapshot) into tiles with a state per tile:
"ok", "stale" (the value is there but its source did not refresh it, or the whole summary is
old) or "unknown" (no value; the reason comes from `data_sources`). It never invents a value and
never calls an upstream API.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from islands.cache_system.selectors import SummarySnapshot
from islands.external_apis.selectors import index_symbols

COINS: tuple[tuple[str, str], ...] = (
    ("btc", "Bitcoin"),
    ("eth", "Ethereum"),
    ("sol", "Solana"),
    ("xrp", "XRP"),
    ("ada", "Cardano"),
    ("link", "Chainlink"),
    ("bnb", "BNB"),
)

# Which `data_sources` entries feed which group of fields: the first is the primary, the rest
# fallbacks (SPEC §3). A group is fresh when any of its sources answered in the last run.
SOURCE_GROUPS: dict[str, tuple[str, ...]] = {
    "prices": ("binance", "coingecko"),
    "global": ("coingecko", "coinmarketcap"),
    "fng": ("alternative_me",),
    "rsi": ("taapi",),
    "indices": ("finnhub",),
}
SOURCE_OK = "ok"


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


def _value(data: dict[str, Any], field: str) -> Any:
    """A dotted summary field ("us_stock_indices.SPY.price"); None when any step is missing."""
    node: Any = data
    for part in field.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    if isinstance(node, bool) or not isinstance(node, int | float | str):
        return None
    return node


def _sources_of(data: dict[str, Any], group: str) -> list[tuple[str, dict[str, Any]]]:
    sources = data.get("data_sources")
    if not isinstance(sources, dict):
        return []
    found = []
    for name in SOURCE_GROUPS[group]:
        for key, state in sources.items():
            if (key == name or key.startswith(name + "_")) and isinstance(state, dict):
                found.append((key, state))
    return found


def _source_reason(name: str, state: dict[str, Any]) -> str:
    status = str(state.get("status") or "unknown")
    error = state.get("error")
    return f"{name}: {status}" + (f" — {error}" if error else "")


def group_state(*, data: dict[str, Any], group: str, value_known: bool) -> tuple[str, str | None]:
    """(state, reason) for fields of `group`, from the summary's data_sources."""
    sources = _sources_of(data, group)
    not_ok = [(name, state) for name, state in sources if state.get("status") != SOURCE_OK]
    reason = "; ".join(_source_reason(name, state) for name, state in not_ok) or None
    if not value_known:
        return "unknown", reason or str(_("no value in the latest summary"))
    if sources and len(not_ok) == len(sources):
        return "stale", reason
    return "ok", None


def group_updated_at(*, data: dict[str, Any], group: str) -> str | None:
    """When the fields of `group` were last fetched: the newest `updated_at` among its sources."""
    times = [state.get("updated_at") for _name, state in _sources_of(data, group)]
    # RFC 3339 UTC strings of one writer sort like the moments they name.
    return max((t for t in times if isinstance(t, str) and t), default=None)


def summary_is_stale(*, snapshot: SummarySnapshot, now: float | None = None) -> bool:
    """True when no new summary entered the stream for SUMMARY_STALE_AFTER seconds, or when it
    was read while Redis did not answer (a newer one may exist)."""
    if snapshot.offline:
        return True
    age = (now if now is not None else time.time()) - snapshot.stored_at
    return age > settings.SUMMARY_STALE_AFTER


def index_state(*, data: dict[str, Any], symbol: str, value_known: bool) -> tuple[str, str | None]:
    """A US index carries its own status and error (one failing symbol never hides the others)."""
    state, reason = group_state(data=data, group="indices", value_known=value_known)
    entry = (data.get("us_stock_indices") or {}).get(symbol)
    if not isinstance(entry, dict):
        return state, reason
    status, error = entry.get("status"), entry.get("error")
    if value_known and status == "stale":
        return "stale", error or reason
    if not value_known:
        detail = f"{symbol}: {status}" + (f" — {error}" if error else "") if status else None
        return "unknown", detail or reason
    return state, reason


def _tile(data: dict[str, Any], *, id: str, label: str, field: str, kind: str, group: str, **extra: Any) -> Tile:
    value = _value(data, field)
    if group == "indices":
        state, reason = index_state(data=data, symbol=field.split(".")[1], value_known=value is not None)
    else:
        state, reason = group_state(data=data, group=group, value_known=value is not None)
    change_field = extra.pop("change_field", None)
    change = _value(data, change_field) if change_field else None
    return Tile(
        id=id,
        label=label,
        field=field,
        kind=kind,
        group=group,
        value=value,
        state=state,
        reason=reason,
        change_field=change_field,
        change=change,
        updated_at=group_updated_at(data=data, group=group) if value is not None else None,
        **extra,
    )


def dashboard_tiles(*, snapshot: SummarySnapshot) -> dict[str, list[Tile]]:
    """The home page's tiles, grouped by section, in display order."""
    data = snapshot.data
    coins = [
        _tile(
            data,
            id=f"coin-{symbol}",
            label=f"{name} ({symbol.upper()})",
            field=f"{symbol}_price_usd",
            kind="price",
            group="prices",
            change_field=f"{symbol}_change_24h",
        )
        for symbol, name in COINS
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
            field=f"us_stock_indices.{symbol}.price",
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
