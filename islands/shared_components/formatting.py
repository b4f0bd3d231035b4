"""Number, currency, percent, age and time display, in Vietnamese and English.

The same rules live in static/js/format.js (`window.CryptodashFormat.format(value, kind, lang)`),
so a tile reads the same whether the server rendered it or the live client updated it; the
shared_components tests compare the two. Unknown values (None, NaN, infinities, non-numbers)
are shown as an em dash, never as "None" or "NaN". Pure functions: no I/O.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
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
    """|value| with thousands grouped: 1,234.56 (en) / 1.234,56 (vi). No sign."""
    text = f"{abs(value):,.{decimals}f}"
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


@lru_cache(maxsize=4)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def time_local(value: datetime | str | float | None) -> datetime | None:
    """value (aware datetime, RFC 3339 string or epoch seconds) in settings.DISPLAY_TIME_ZONE."""
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
    return moment.astimezone(_zone(settings.DISPLAY_TIME_ZONE))


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
