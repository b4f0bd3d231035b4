"""What `/markets`, `/coin/<id>` and the markets API put in their bodies, from a MarketsView.

The views render with these and the page cache stores what they return. Nothing here reads a
store or calls an upstream: the caller passes the view of the newest markets entry.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext, pgettext

from islands.cache_system.market_schema import coin_by_coingecko_id
from islands.markets.params import SORTS, MarketsQuery, order_default
from islands.markets.selectors import MarketsView
from islands.markets.table import Rate, rate_of, row_in_currency, rows_filter, rows_sort, spark_change, spark_path
from islands.shared_components.formatting import format_value


def _columns() -> list[dict[str, Any]]:
    labels = {
        "rank": "#",
        "name": gettext("Coin"),
        "price": gettext("Price"),
        "change_1h": pgettext("change over", "1h"),
        "change_24h": pgettext("change over", "24h"),
        "change_7d": pgettext("change over", "7d"),
        "market_cap": gettext("Market cap"),
        "volume_24h": gettext("Volume (24h)"),
    }
    columns = [
        {"key": key, "label": labels[key], "option": gettext("Rank") if key == "rank" else labels[key]}
        | {"sortable": True, "num": key != "name"}
        for key in SORTS
    ]
    columns.append({"key": "spark", "label": gettext("Last 7 days"), "sortable": False, "num": False})
    return columns


def _sort_href(query: MarketsQuery, key: str) -> str:
    """The no-JavaScript link of a heading: the other order when it is the current sort."""
    order = ("desc" if query.order == "asc" else "asc") if key == query.sort else order_default(key)
    params = {"sort": key, "order": order}
    if query.q:
        params["q"] = query.q
    return "/markets?" + urlencode(params)


def markets_stale_after() -> float:
    """Seconds without a new table before the page's script calls it stale: the rule of
    cache_system.market_selectors (two fetch intervals and a fetch's budget)."""
    return 2 * settings.INGEST_INTERVAL_MARKETS + settings.UPSTREAM_FETCH_BUDGET


def table_meta(*, view: MarketsView | None, currency: str, now: float) -> dict[str, Any]:
    """The table's header facts: the currency actually shown, its rate, the age and staleness."""
    rate = rate_of(currency=currency, fx=view.fx if view else None)
    shown = currency if rate.known else "usd"
    meta: dict[str, Any] = {
        "currency": shown,
        "requested_currency": currency,
        "rate": rate if rate.known else Rate(currency="usd", value=1.0, age_s=None),
        "rate_missing": not rate.known,
        "stream_id": view.stream_id if view else None,
        "stored_at": view.stored_at if view else None,
        "updated_at": view.updated_at if view else None,
        "age_seconds": max(0.0, now - view.stored_at) if view else None,
        "stale": bool(view and view.is_stale()),
        "stale_reason": view.reason if view else None,
    }
    return meta


def markets_rows(*, view: MarketsView | None, query: MarketsQuery, rate: Rate) -> list[dict[str, Any]]:
    """The table's rows for query, in rate's currency (USD fields kept for live updates)."""
    if view is None:
        return []
    rows = rows_sort(rows_filter(view.rows, query.q), sort=query.sort, order=query.order)
    return [row_in_currency(row, rate) | {"_usd": row} for row in rows]


def _spark_label(name: str, change: float | None) -> str:
    if change is None:
        return gettext("%(name)s, price over the last 7 days") % {"name": name}
    return gettext("%(name)s, price over the last 7 days: %(change)s") % {
        "name": name,
        "change": format_value(change, "change", get_language()),
    }


def markets_context(*, view: MarketsView | None, query: MarketsQuery, theme: str, now: float) -> dict[str, Any]:
    meta = table_meta(view=view, currency=query.currency, now=now)
    rows = []
    for row in markets_rows(view=view, query=query, rate=meta["rate"]):
        usd = row.pop("_usd")
        change = spark_change(usd.get("sparkline_7d") or [])
        tracked = coin_by_coingecko_id(str(row.get("id")))
        rows.append(
            row
            | {
                # A tracked coin's price follows the summary (Binance, every few seconds), not the table.
                "key": tracked.key if tracked else "",
                "market_cap_usd": usd.get("market_cap"),
                "volume_24h_usd": usd.get("volume_24h"),
                "spark_path": spark_path(usd.get("sparkline_7d") or []),
                "spark_change": change,
                "spark_label": _spark_label(str(row.get("name") or row.get("id")), change),
            }
        )
    columns = _columns()
    for column in columns:
        if column["sortable"]:
            column["href"] = _sort_href(query, column["key"])
    return {
        "nav": "markets",
        "table": meta,
        "rows": rows,
        "query": query,
        "columns": columns,
        "sorts": [column for column in columns if column["sortable"]],
        "stale_after": markets_stale_after(),
        # How long an exchange tick beats the summary's REST price (static/js/live.js).
        "tick_fresh_s": settings.TICK_FRESH_S,
        "client_strings": {
            "labels": {
                "asc": gettext("ascending"),
                "desc": gettext("descending"),
                "count_one": gettext("%(count)s coin shown"),
                "count_many": gettext("%(count)s coins shown"),
            }
        },
    }


def markets_html(*, view: MarketsView | None, query: MarketsQuery, request: Any) -> bytes:
    context = markets_context(view=view, query=query, theme=request.theme, now=time.time())
    return render_to_string("markets/markets.html", context, request=request).encode()


def markets_document(*, view: MarketsView | None, query: MarketsQuery, now: float) -> dict[str, Any]:
    """The API's body (SPEC §10), plus what the page needs to say why a price is in USD."""
    meta = table_meta(view=view, currency=query.currency, now=now)
    coins = markets_rows(view=view, query=query, rate=meta["rate"])
    for coin in coins:
        coin.pop("_usd")
    document: dict[str, Any] = {
        "currency": meta["currency"],
        "rate": meta["rate"].value,
        "rate_age_s": round(meta["rate"].age_s, 1) if meta["rate"].age_s is not None else None,
        "updated_at": meta["updated_at"],
        "stream_id": meta["stream_id"],
        "stale": meta["stale"],
        "stale_reason": meta["stale_reason"],
        "coins": coins,
    }
    if meta["rate_missing"]:
        document["requested_currency"] = meta["requested_currency"]
        document["rate_missing"] = f"no USD->{meta['requested_currency'].upper()} rate is known yet: money is in USD"
    return document


def markets_json(*, view: MarketsView | None, query: MarketsQuery) -> bytes:
    return orjson.dumps(markets_document(view=view, query=query, now=time.time()))
