"""Number, currency, percent, age and time display, in Vietnamese and English.

Money in a display currency (`money_format`: USD, VND, EUR) follows the same grouping: the
dollar leads in both languages ("$1.234,56" / "$1,234.56"), the dong and the euro follow the
number in Vietnamese ("1.765.106.095 ₫", "1,7 tỷ ₫") and lead it in English ("₫1,765,106,095").

The same rules live in static/js/format.js (`window.CryptodashFormat.format(value, kind, lang)`),
so a tile reads the same whether the server rendered it or the live client updated it; the
shared_components tests compare the two. Unknown values (None, NaN, infinities, non-numbers)
are shown as an em dash, never as "None" or "NaN". Pure functions: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

UNKNOWN = "\u2014"
KINDS = ("price", "usd", "usd_compact", "compact", "percent", "change", "int", "number")

# (threshold, English suffix, Vietnamese word): the largest one the value reaches is used.
_SCALES = (
    (1e12, "T", "nghìn tỷ"),
    (1e9, "B", "tỷ"),
    (1e6, "M", "triệu"),
)
_AGE_UNITS = {
    "en": {"s": "s", "m": "min", "h": "h", "d": "d", "ago": "{n} {unit} ago", "now": "just now"},
    "vi": {"s": "giây", "m": "phút", "h": "giờ", "d": "ngày", "ago": "{n} {unit} trước", "now": "vừa xong"},
}


def _lang(lang: str | None) -> str:
    return "en" if lang == "en" else "vi"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def grouped(value: float, *, decimals: int, lang: str | None) -> str:
    """|value| with thousands grouped: 1,234.56 (en) / 1.234,56 (vi). No sign.

    An exact tie rounds up, as JavaScript's toFixed does (format.js), not to even as Python's
    format does: 1765106094.5 dong is 1.765.106.095 ₫ on the server and in the browser alike.
    """
    exact = Decimal(abs(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{exact:,.{decimals}f}"
    if _lang(lang) == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def _is_zero(text: str) -> bool:
    return not any(ch in "123456789" for ch in text)


def _signed(body: str, negative: bool, *, plus: bool) -> str:
    if _is_zero(body):
        return body
    if negative:
        return "-" + body
    return "+" + body if plus else body


def _price_decimals(amount: float) -> int:
    # Coins under a dollar (ADA, XRP) need more digits to show their movement.
    return 2 if amount >= 1 or amount == 0 else 4


def compact(value: float, *, lang: str | None, currency: bool) -> str:
    amount = abs(value)
    prefix = "$" if currency else ""
    for threshold, en_suffix, vi_word in _SCALES:
        if amount >= threshold:
            body = grouped(amount / threshold, decimals=2, lang=lang)
            text = f"{prefix}{body} {vi_word}" if _lang(lang) == "vi" else f"{prefix}{body}{en_suffix}"
            return _signed(text, value < 0, plus=False)
    return _signed(prefix + grouped(amount, decimals=0 if amount >= 1000 else 2, lang=lang), value < 0, plus=False)


def format_value(value: Any, kind: str, lang: str | None) -> str:
    """One value as text for kind in KINDS; unknown values are an em dash."""
    number = _number(value)
    if number is None:
        return UNKNOWN
    negative = number < 0
    if kind == "price":
        body = "$" + grouped(number, decimals=_price_decimals(abs(number)), lang=lang)
        return _signed(body, negative, plus=False)
    if kind == "usd":
        return _signed("$" + grouped(number, decimals=2, lang=lang), negative, plus=False)
    if kind == "usd_compact":
        return compact(number, lang=lang, currency=True)
    if kind == "compact":
        return compact(number, lang=lang, currency=False)
    if kind == "percent":
        return _signed(grouped(number, decimals=2, lang=lang), negative, plus=False) + "%"
    if kind == "change":
        return _signed(grouped(number, decimals=2, lang=lang), negative, plus=True) + "%"
    if kind == "int":
        return _signed(grouped(number, decimals=0, lang=lang), negative, plus=False)
    if kind == "number":
        return _signed(grouped(number, decimals=2, lang=lang), negative, plus=False)
    raise ValueError(f"unknown format kind {kind!r}; expected one of {', '.join(KINDS)}")


def age_format(seconds: float | None, lang: str | None) -> str:
    """'12 s ago' / '12 giây trước'; minutes, hours and days as they grow."""
    number = _number(seconds)
    if number is None:
        return UNKNOWN
    units = _AGE_UNITS[_lang(lang)]
    number = max(0, int(number))
    if number < 1:
        return units["now"]
    for limit, divisor, unit in ((60, 1, "s"), (3600, 60, "m"), (86400, 3600, "h")):
        if number < limit:
            return units["ago"].format(n=number // divisor, unit=units[unit])
    return units["ago"].format(n=number // 86400, unit=units["d"])


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


# The visitor's zone for the request being answered (PreferencesMiddleware sets it); None: the
# site's DISPLAY_TIME_ZONE.
_display_zone: ContextVar[str | None] = ContextVar("display_zone", default=None)


@contextmanager
def display_zone(name: str | None) -> Iterator[None]:
    """Show times in zone `name` (an IANA name already validated) inside the block."""
    token = _display_zone.set(name)
    try:
        yield
    finally:
        _display_zone.reset(token)


def display_zone_name() -> str:
    return _display_zone.get() or settings.DISPLAY_TIME_ZONE


def time_local(value: datetime | str | float | None) -> datetime | None:
    """value (aware datetime, RFC 3339 string or epoch seconds) in the display zone."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        moment = datetime.fromtimestamp(value, tz=UTC)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        moment = value
    if moment.tzinfo is None:  # times are stored in UTC (SPEC §8)
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_zone(display_zone_name()))


def time_format(value: datetime | str | float | None, lang: str | None) -> str:
    """'20:35:10 26/11/2026 (UTC+07)' (vi) / '2026-11-26 20:35:10 UTC+07' (en), in the display zone."""
    moment = time_local(value)
    if moment is None:
        return UNKNOWN
    offset = moment.strftime("%z")
    zone = f"UTC{offset[:3]}" + (f":{offset[3:]}" if offset[3:] != "00" else "")
    if _lang(lang) == "vi":
        return f"{moment:%H:%M:%S %d/%m/%Y} ({zone})"
    return f"{moment:%Y-%m-%d %H:%M:%S} {zone}"


# --- Money in a display currency ---------------------------------------------------------------

CURRENCY_SYMBOLS = {"usd": "$", "vnd": "\u20ab", "eur": "\u20ac"}
# Vietnamese writes these after the amount; the dollar sign leads in both languages.
_SYMBOL_AFTER_IN_VI = frozenset({"vnd", "eur"})
_MONEY_SCALES_VI = ((1e15, "triệu tỷ"), (1e12, "nghìn tỷ"), (1e9, "tỷ"), (1e6, "triệu"))
_MONEY_SCALES_EN = ((1e12, "T"), (1e9, "B"), (1e6, "M"))


def money_decimals(amount: float, currency: str) -> int:
    """Digits after the point for a price: none for dong from a thousand up, cents from one up,
    and below one enough for four significant digits (a coin at $0.00001234 keeps its movement)."""
    if amount == 0:
        return 0 if currency == "vnd" else 2
    if currency == "vnd" and amount >= 1000:
        return 0
    if amount >= 1:
        return 2
    return min(12, max(4, 3 - math.floor(math.log10(amount))))


def _trimmed(text: str, lang: str | None) -> str:
    """'1,70' -> '1,7', '2.00' -> '2': compact amounts drop trailing zeros."""
    point = "," if _lang(lang) == "vi" else "."
    if point in text:
        text = text.rstrip("0").rstrip(point)
    return text


def _with_symbol(body: str, currency: str, lang: str | None) -> str:
    symbol = CURRENCY_SYMBOLS.get(currency)
    if symbol is None:
        return f"{body} {currency.upper()}"
    if _lang(lang) == "vi" and currency in _SYMBOL_AFTER_IN_VI:
        return f"{body} {symbol}"
    return symbol + body


def money_format(value: Any, currency: str, lang: str | None, *, compact: bool = False) -> str:
    """A price or total in `currency` ("usd", "vnd", "eur"): '1.765.106.095 ₫', '$67,012.34';
    compact: '1,7 tỷ ₫', '$1.33T'. Unknown values are an em dash."""
    number = _number(value)
    if number is None:
        return UNKNOWN
    amount = abs(number)
    if compact:
        scales = _MONEY_SCALES_VI if _lang(lang) == "vi" else _MONEY_SCALES_EN
        for threshold, word in scales:
            if amount >= threshold:
                body = _trimmed(grouped(amount / threshold, decimals=2, lang=lang), lang)
                body = f"{body} {word}" if _lang(lang) == "vi" else body + word
                return _signed(_with_symbol(body, currency, lang), number < 0, plus=False)
    body = grouped(amount, decimals=money_decimals(amount, currency), lang=lang)
    return _signed(_with_symbol(body, currency, lang), number < 0, plus=False)
