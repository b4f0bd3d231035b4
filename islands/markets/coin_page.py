"""What `/coin/<coingecko id>` shows: one coin's numbers, each with its source and age, and its chart.

A tracked coin (market_schema's COINS) takes its live price and 24 h change from the summary
(Binance, every few seconds) and has candles and the project's own price history; every coin
takes the rest from the newest market table (CoinGecko, once a minute). Money is in the visitor's
currency when its rate is known, else in USD with a note. No I/O: the view passes what it read.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.utils.translation import gettext

from islands.cache_system.market_schema import SOURCE_NAMES, coin_by_coingecko_id, field_state_of
from islands.cache_system.market_selectors import FxRates
from islands.cache_system.selectors import SummarySnapshot
from islands.markets.params import MarketsQuery
from islands.markets.selectors import MarketsView
from islands.markets.table import Rate, rate_of, spark_change

CHART_RANGES = ("1h", "24h", "7d", "30d", "1y")


def _fact(
    *, key: str, label: str, value: Any, kind: str, source: str, updated_at: str | None, live_field: str = ""
) -> dict[str, Any]:
    """One line of the facts table. kind: money, money_compact, change, supply, date."""
    return {
        "key": key,
        "label": label,
        "value": value,
        "kind": kind,
        "source": source,
        "updated_at": updated_at,
        "live_field": live_field,
    }


def _rfc3339(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _summary_price(summary: SummarySnapshot | None, key: str) -> tuple[Any, Any, dict[str, Any]]:
    """(price, change 24h, state) of a tracked coin in the summary; Nones when there is none."""
    if summary is None:
        return None, None, {"state": "unknown", "reason": None, "updated_at": None}
    data = summary.data
    return data.get(f"{key}_price_usd"), data.get(f"{key}_change_24h"), field_state_of(data, f"{key}_price_usd")


def coin_context(
    *, view: MarketsView | None, summary: SummarySnapshot | None, rates: FxRates, coin_id: str, currency: str
) -> dict[str, Any] | None:
    """The page's context; None when the coin is neither in the market table nor tracked (404)."""
    row = view.coin(coin_id) if view is not None else None
    tracked = coin_by_coingecko_id(coin_id)
    if row is None and tracked is None:
        return None
    row = row or {}
    rate = rate_of(currency=currency, fx=view.fx if view else rates)
    shown = rate if rate.known else Rate(currency="usd", value=1.0, age_s=None)
    table_at = view.updated_at if view is not None and row else None
    gecko = "CoinGecko"
    price, change_24h, state = row.get("price_usd"), row.get("change_24h"), None
    price_source, price_at, change_source = gecko, table_at, gecko
    if tracked is not None:
        live_price, live_change, state = _summary_price(summary, tracked.key)
        if live_price is not None:
            # When the summary names no fetch time for its prices, the entry's own time bounds it.
            price, price_source = live_price, "Binance"
            price_at = state.get("updated_at") or _rfc3339(summary.stored_at)
        if live_change is not None:
            change_24h, change_source = live_change, "Binance"
    facts = [
        _fact(
            key="price",
            label=gettext("Price"),
            value=price,
            kind="money",
            source=price_source,
            updated_at=price_at,
            live_field=tracked.price_field if tracked and price_source == "Binance" else "",
        ),
        _fact(
            key="change_1h",
            label=gettext("Change 1h"),
            value=row.get("change_1h"),
            kind="change",
            source=gecko,
            updated_at=table_at,
        ),
        _fact(
            key="change_24h",
            label=gettext("Change 24h"),
            value=change_24h,
            kind="change",
            source=change_source,
            updated_at=price_at if change_source == "Binance" else table_at,
            live_field=tracked.change_field if tracked and change_source == "Binance" else "",
        ),
        _fact(
            key="change_7d",
            label=gettext("Change 7d"),
            value=row.get("change_7d"),
            kind="change",
            source=gecko,
            updated_at=table_at,
        ),
        _fact(
            key="market_cap",
            label=gettext("Market cap"),
            value=row.get("market_cap"),
            kind="money_compact",
            source=gecko,
            updated_at=table_at,
        ),
        _fact(
            key="volume_24h",
            label=gettext("Volume (24h)"),
            value=row.get("volume_24h"),
            kind="money_compact",
            source=gecko,
            updated_at=table_at,
        ),
        _fact(
            key="circulating_supply",
            label=gettext("Circulating supply"),
            value=row.get("circulating_supply"),
            kind="supply",
            source=gecko,
            updated_at=table_at,
        ),
        _fact(
            key="total_supply",
            label=gettext("Total supply"),
            value=row.get("total_supply"),
            kind="supply",
            source=gecko,
            updated_at=table_at,
        ),
        _fact(
            key="max_supply",
            label=gettext("Max supply"),
            value=row.get("max_supply"),
            kind="supply",
            source=gecko,
            updated_at=table_at,
        ),
        _fact(
            key="ath",
            label=gettext("All-time high"),
            value=row.get("ath"),
            kind="money",
            source=gecko,
            updated_at=table_at,
        ),
        _fact(
            key="ath_change",
            label=gettext("From the all-time high"),
            value=row.get("ath_change_percentage"),
            kind="change",
            source=gecko,
            updated_at=table_at,
        ),
        _fact(
            key="ath_date",
            label=gettext("All-time high on"),
            value=row.get("ath_date"),
            kind="date",
            source=gecko,
            updated_at=table_at,
        ),
    ]
    factor = shown.value
    for fact in facts:
        if fact["kind"] in ("money", "money_compact"):
            fact["usd"] = fact["value"]
            fact["value"] = fact["value"] * factor if isinstance(fact["value"], int | float) else None
        if fact["value"] is None and fact["kind"] != "date":
            fact["reason"] = _unknown_reason(fact, view=view, row=row, state=state)
    name = row.get("name") or (tracked.name if tracked else coin_id)
    symbol = (row.get("symbol") or (tracked.key if tracked else "")).upper()
    spark = row.get("sparkline_7d") or []
    return {
        "nav": "markets",
        "coin": {
            "id": coin_id,
            "name": name,
            "symbol": symbol,
            "rank": row.get("rank"),
            "tracked": tracked is not None,
            "key": tracked.key if tracked else "",
        },
        "price": facts[0],
        "facts": facts,
        "currency": shown.currency,
        "rate": shown,
        "rate_missing": not rate.known,
        "requested_currency": currency,
        "markets_stream_id": view.stream_id if view else "",
        "summary_stream_id": summary.stream_id if summary else "",
        "table_stale": bool(view and view.is_stale()),
        "table_reason": view.reason if view else None,
        "table_known": view is not None,
        "chart": {
            "ranges": CHART_RANGES,
            "spark": [p for p in spark if isinstance(p, int | float)],
            "spark_change": spark_change(spark),
            "spark_end_ms": int(view.stored_at * 1000) if view else None,
        },
        "query": MarketsQuery(currency=currency),
        # For the live price (static/js/live.js, coin.js): how long an exchange tick beats the
        # summary's REST price, and what people call the sources a live price names.
        "tick_fresh_s": settings.TICK_FRESH_S,
        "source_names": SOURCE_NAMES,
    }


def _unknown_reason(
    fact: dict[str, Any], *, view: MarketsView | None, row: dict[str, Any], state: dict[str, Any] | None
) -> str:
    if fact["source"] == "Binance" or (fact["key"] in ("price", "change_24h") and state and state.get("reason")):
        return str((state or {}).get("reason") or gettext("no value in the latest summary"))
    if view is None:
        return gettext("the market table has not been fetched yet")
    if not row:
        return gettext("this coin is not in the latest market table")
    if fact["key"] == "max_supply":
        return gettext("CoinGecko gives no maximum (none is set for this coin)")
    return gettext("CoinGecko gave no value")
