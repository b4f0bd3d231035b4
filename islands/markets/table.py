"""The market table as the API and the page show it: pure functions over USD rows and a rate.

A row here is one coin of the markets stream's newest entry in USD, with the API's names (`rank`,
`id`, `symbol`, `name`, `price_usd`, `market_cap`, `volume_24h`, `change_1h`, `change_24h`,
`change_7d`, `sparkline_7d`). Money becomes the chosen currency by one multiplication with the
USD rate; when the rate is unknown the money stays in USD and the table says so (`rate_missing`),
never a made-up rate. Unknown values stay None and sort last in either order. No I/O.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from islands.cache_system.market_selectors import FxRates

MONEY_FIELDS = ("market_cap", "volume_24h")
# The API's sort names -> the row field compared (price sorts alike in every currency).
SORT_FIELDS = {
    "rank": "rank",
    "name": "name",
    "price": "price_usd",
    "change_1h": "change_1h",
    "change_24h": "change_24h",
    "change_7d": "change_7d",
    "market_cap": "market_cap",
    "volume_24h": "volume_24h",
}
# Points of the 7-day sparkline drawn per row (CoinGecko gives ~168 hourly ones).
SPARK_POINTS = 42


@dataclass(frozen=True, slots=True)
class Rate:
    """USD -> `currency`: value None when unknown (the table then stays in USD), age in seconds."""

    currency: str
    value: float | None
    age_s: float | None

    @property
    def known(self) -> bool:
        return self.value is not None


def rate_of(*, currency: str, fx: FxRates | None) -> Rate:
    """The rate for currency from the stored rates (market_selectors.fx_rates()); USD is 1."""
    if currency == "usd":
        return Rate(currency="usd", value=1.0, age_s=None)
    value = fx.rate(currency) if fx is not None else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        return Rate(currency=currency, value=None, age_s=None)
    return Rate(currency=currency, value=float(value), age_s=fx.age_s)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _times(value: Any, rate: float) -> float | None:
    number = _number(value)
    return None if number is None else number * rate


def _significant(value: float | None, digits: int = 6) -> float | None:
    """A sparkline point to `digits` significant digits: a drawing needs no more, and 168 points
    for each of 100 coins are most of the API's bytes."""
    return None if value is None else float(f"{value:.{digits}g}")


def rows_filter(rows: Iterable[dict[str, Any]], q: str) -> list[dict[str, Any]]:
    """Rows whose name, symbol or id contains q (any case); all rows for an empty q."""
    needle = q.strip().casefold()
    if not needle:
        return list(rows)
    return [
        row
        for row in rows
        if needle in str(row.get("name") or "").casefold()
        or needle in str(row.get("symbol") or "").casefold()
        or needle in str(row.get("id") or "").casefold()
    ]


def rows_sort(rows: Sequence[dict[str, Any]], *, sort: str, order: str) -> list[dict[str, Any]]:
    """Sorted by SORT_FIELDS[sort]; unknown values last in both orders, ties by rank."""
    field = SORT_FIELDS[sort]
    if field == "name":
        value = lambda row: str(row.get("name") or "").casefold() or None  # noqa: E731 - a sort key
    else:
        value = lambda row: _number(row.get(field))  # noqa: E731 - a sort key
    known = [row for row in rows if value(row) is not None]
    unknown = [row for row in rows if value(row) is None]
    rank = lambda row: _number(row.get("rank")) or math.inf  # noqa: E731 - a sort key
    known.sort(key=rank)
    known.sort(key=value, reverse=order == "desc")
    unknown.sort(key=rank)
    return known + unknown


def row_in_currency(row: dict[str, Any], rate: Rate) -> dict[str, Any]:
    """One API row: money in the rate's currency (USD when the rate is unknown), price_usd kept."""
    factor = rate.value if rate.known else 1.0
    spark = row.get("sparkline_7d") or []
    return {
        "rank": row.get("rank"),
        "id": row.get("id"),
        "symbol": row.get("symbol"),
        "name": row.get("name"),
        "price": _times(row.get("price_usd"), factor),
        "price_usd": _number(row.get("price_usd")),
        "market_cap": _times(row.get("market_cap"), factor),
        "volume_24h": _times(row.get("volume_24h"), factor),
        "change_1h": _number(row.get("change_1h")),
        "change_24h": _number(row.get("change_24h")),
        "change_7d": _number(row.get("change_7d")),
        "sparkline_7d": [_significant(_times(point, factor)) for point in spark],
    }


def spark_points(values: Sequence[Any], *, count: int = SPARK_POINTS) -> list[float | None]:
    """values thinned to about `count` evenly spaced points, the last one always kept."""
    if len(values) <= count:
        return [_number(v) for v in values]
    step = (len(values) - 1) / (count - 1)
    return [_number(values[round(i * step)]) for i in range(count)]


def spark_path(values: Sequence[Any], *, width: float = 100.0, height: float = 30.0) -> str:
    """An SVG polyline's points for a sparkline (shape only, so the same in every currency);
    '' when fewer than two values are known. Gaps (unknown values) are skipped."""
    points = [(i, v) for i, v in enumerate(spark_points(values)) if v is not None]
    if len(points) < 2:
        return ""
    low = min(v for _i, v in points)
    high = max(v for _i, v in points)
    span = high - low or 1.0
    last = max(len(spark_points(values)) - 1, 1)
    pad = 1.0
    return " ".join(
        f"{i * width / last:.1f},{pad + (height - 2 * pad) * (1 - (v - low) / span):.1f}" for i, v in points
    )


def spark_change(values: Sequence[Any]) -> float | None:
    """Percent from the first to the last known point of the sparkline (its label says it)."""
    known = [n for n in (_number(v) for v in values) if n is not None]
    if len(known) < 2 or known[0] == 0:
        return None
    return (known[-1] / known[0] - 1) * 100
