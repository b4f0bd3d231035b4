"""The market table's query: `currency`, `sort`, `order`, `q`, checked once for the API and the page.

Pure functions over the raw query values. The API answers a bad value with 400 naming the
parameter (`MarketsQueryError.param`); the page falls back to the default for that parameter, so
an old or hand-edited link still shows the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from islands.shared_components.preferences import currencies_supported, currency_valid

# SPEC §10's sorts, and the name (the table is sortable by every column it shows).
SORTS = ("rank", "name", "price", "change_1h", "change_24h", "change_7d", "market_cap", "volume_24h")
ORDERS = ("asc", "desc")
QUERY_PARAMS = ("currency", "sort", "order", "q")
# A name or a ticker: longer text finds nothing and only costs matching time.
Q_MAX_CHARS = 64


class MarketsQueryError(ValueError):
    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True, slots=True)
class MarketsQuery:
    currency: str
    sort: str = "rank"
    order: str = "asc"
    q: str = ""


def order_default(sort: str) -> str:
    """Rank reads top-down (1 first), names A to Z; every other column biggest first, as market sites do."""
    return "asc" if sort in ("rank", "name") else "desc"


def markets_query_parse(params: Mapping[str, str], *, currency_default: str) -> MarketsQuery:
    """The query from raw values; raises MarketsQueryError naming the first bad parameter.

    currency_default is the visitor's currency (cookie) when the query names none.
    """
    raw_currency = params.get("currency")
    if raw_currency is None:
        currency = currency_default
    else:
        currency = currency_valid(raw_currency)
        if currency is None or raw_currency != currency:
            raise MarketsQueryError(
                "currency", f"currency must be one of {', '.join(currencies_supported())} (lower case)"
            )
    sort = params.get("sort", "rank")
    if sort not in SORTS:
        raise MarketsQueryError("sort", f"sort must be one of {', '.join(SORTS)}")
    order = params.get("order", order_default(sort))
    if order not in ORDERS:
        raise MarketsQueryError("order", "order must be asc or desc")
    q = params.get("q", "")
    if len(q) > Q_MAX_CHARS:
        raise MarketsQueryError("q", f"q is at most {Q_MAX_CHARS} characters")
    if any(ord(ch) < 32 for ch in q):
        raise MarketsQueryError("q", "q must be plain text (no control characters)")
    return MarketsQuery(currency=currency, sort=sort, order=order, q=q.strip())


def markets_query_lenient(params: Mapping[str, str], *, currency_default: str) -> MarketsQuery:
    """The page's reading: each bad parameter is left at its default instead of refused."""
    clean = {key: params.get(key) for key in params}  # a QueryDict: its last value per name
    for _ in QUERY_PARAMS:
        try:
            return markets_query_parse(clean, currency_default=currency_default)
        except MarketsQueryError as exc:
            clean.pop(exc.param, None)
    return MarketsQuery(currency=currency_default)
