"""What `/` and the summary API put in their bodies, rendered from a SummarySnapshot.

The views render with these; the page cache (shared_components/page_cache.py) stores and replays
what they return. Rendering reads no stream and calls no upstream: the caller passes the snapshot.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext

from islands.cache_system.market_schema import field_states, tracked_coins
from islands.cache_system.selectors import SummarySnapshot, Tick
from islands.dashboard.selectors import (
    SOURCE_LABELS,
    dashboard_tiles,
    fng_label,
    rsi_label,
    source_rows,
    summary_is_stale,
)
from islands.shared_components.context_processors import site_context


def _client_strings() -> dict[str, Any]:
    """Labels the page's script needs in the active language."""
    return {
        "no_value": gettext("no value in the latest summary"),
        "source_labels": SOURCE_LABELS,
        "labels": {
            "stale": gettext("stale"),
            "unknown": gettext("unknown"),
            "extreme_fear": gettext("Extreme fear"),
            "fear": gettext("Fear"),
            "neutral": gettext("Neutral"),
            "greed": gettext("Greed"),
            "extreme_greed": gettext("Extreme greed"),
            "overbought": gettext("Overbought"),
            "oversold": gettext("Oversold"),
        },
    }


def home_context(
    *,
    snapshot: SummarySnapshot | None,
    theme: str,
    now: float,
    ticks: dict[str, Tick] | None = None,
    currency: str | None = None,
) -> dict[str, Any]:
    simulated = bool(snapshot and snapshot.data.get("mode") == "simulated")
    context = {
        **site_context(theme=theme, simulated=simulated, currency=currency),
        "nav": "dashboard",
        "snapshot": snapshot,
        "client_strings": _client_strings(),
        "history_coins": tracked_coins(),
        "tick_fresh_s": settings.TICK_FRESH_S,
    }
    if snapshot is None:
        return context
    data = snapshot.data
    context.update(
        {
            "tiles": dashboard_tiles(snapshot=snapshot, ticks=ticks),
            "age_seconds": max(0.0, now - snapshot.stored_at),
            "summary_stale": summary_is_stale(snapshot=snapshot, now=now),
            "stale_after": settings.SUMMARY_STALE_AFTER,
            "dominance": {"btc": data.get("btc_market_cap_percentage"), "eth": data.get("eth_market_cap_percentage")},
            "fng_label": fng_label(data.get("fng_value")),
            "rsi_label": rsi_label(data.get("btc_rsi_14")),
            "sources": source_rows(snapshot=snapshot),
        }
    )
    return context


def home_html(
    *,
    snapshot: SummarySnapshot | None,
    theme: str,
    ticks: dict[str, Tick] | None = None,
    currency: str | None = None,
    request: HttpRequest | None = None,
) -> bytes:
    """The home page in the active language and `theme` (the header's select shows `currency`);
    "no data yet" when snapshot is None. `ticks`: each coin's newest exchange tick, shown where it
    beats the summary's REST price. `request`: only for a signed-in visitor's page (the header's
    account links), see page_cache.render_request."""
    context = home_context(snapshot=snapshot, theme=theme, now=time.time(), ticks=ticks, currency=currency)
    return render_to_string("dashboard/home.html", context, request=request).encode()


def summary_document(*, snapshot: SummarySnapshot, fields: list[str] | None = None) -> dict[str, Any]:
    """The summary as the API returns it, with its stream id and whether it is stale."""
    data = snapshot.data
    if "field_states" not in data:
        # Stored before summaries carried their tile states: the same rules decide them here.
        data = {**data, "field_states": field_states(data)}
    data = data if fields is None else {name: data.get(name) for name in fields}
    return {**data, "stream_id": snapshot.stream_id, "stale": summary_is_stale(snapshot=snapshot)}


def summary_json(*, snapshot: SummarySnapshot, fields: list[str] | None = None) -> bytes:
    return orjson.dumps(summary_document(snapshot=snapshot, fields=fields))
