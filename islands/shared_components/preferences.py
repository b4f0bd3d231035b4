"""Who sees which language, theme, currency and time zone: pure functions over raw request values.

They take strings rather than a Django request so that the ASGI page cache (page_cache.py) and
the Django middleware decide exactly alike. They must not touch Redis, the database or the network.
"""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from django.conf import settings
from django.utils.translation.trans_real import parse_accept_lang_header

LANGUAGE_COOKIE = "cryptodash_lang"
THEME_COOKIE = "cryptodash_theme"
CURRENCY_COOKIE = "cryptodash_currency"
TIME_ZONE_COOKIE = "cryptodash_tz"
# Every cookie a page may be rendered from: the page cache keys on them and stores such pages.
PREFERENCE_COOKIES = (LANGUAGE_COOKIE, THEME_COOKIE, CURRENCY_COOKIE, TIME_ZONE_COOKIE)
THEMES = ("light", "dark")
DEFAULT_THEME = "light"
COOKIE_MAX_AGE = 365 * 24 * 3600


def languages_supported() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


def language_valid(value: str | None) -> str | None:
    """The supported code `value` names ("en", "EN", "en-US" -> "en"), else None."""
    if not value:
        return None
    base = value.strip().lower().replace("_", "-").split("-", 1)[0]
    return base if base in languages_supported() else None


def language_detect(*, query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """?lang, then the cookie, then the first supported Accept-Language entry, then the default (vi)."""
    for candidate in (query, cookie):
        code = language_valid(candidate)
        if code:
            return code
    if accept_language:
        # The header can be arbitrarily long and malformed; Django's parser bounds and validates it.
        for tag, _quality in parse_accept_lang_header(accept_language[:500]):
            code = language_valid(tag)
            if code:
                return code
    return settings.LANGUAGE_CODE


def theme_valid(value: str | None) -> str | None:
    return value if value in THEMES else None


def theme_detect(*, query: str | None, cookie: str | None) -> str:
    """?theme, then the cookie, then light."""
    return theme_valid(query) or theme_valid(cookie) or DEFAULT_THEME


def currencies_supported() -> tuple[str, ...]:
    """DISPLAY_CURRENCIES, lower case; the first is the default."""
    return tuple(settings.DISPLAY_CURRENCIES)


def currency_valid(value: str | None) -> str | None:
    """The supported currency `value` names ("VND", "vnd" -> "vnd"), else None."""
    if not value:
        return None
    code = value.strip().lower()
    return code if code in currencies_supported() else None


def currency_detect(*, query: str | None, cookie: str | None) -> str:
    """?currency, then the cookie, then the first of DISPLAY_CURRENCIES."""
    return currency_valid(query) or currency_valid(cookie) or currencies_supported()[0]


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    # The IANA names the system's tz database knows (reading them once walks the zoneinfo files).
    return frozenset(available_timezones())


# Backward links of the IANA database ("backward" file) that browsers still report: Chromium's ICU
# answers Intl's time zone with CLDR's ids, e.g. Asia/Saigon for Vietnam. Python's zoneinfo has no
# alias table, so this is a small explicit map of the common ones, not the whole file; a link missing
# here still works, it is only shown under its old name and cached as a page variant of its own.
# static/js/preferences.js holds the same map (a browser test compares the two).
TIME_ZONE_ALIASES = {
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Catamarca": "America/Argentina/Catamarca",
    "America/Cordoba": "America/Argentina/Cordoba",
    "America/Godthab": "America/Nuuk",
    "America/Indianapolis": "America/Indiana/Indianapolis",
    "America/Louisville": "America/Kentucky/Louisville",
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Dacca": "Asia/Dhaka",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Macao": "Asia/Macau",
    "Asia/Rangoon": "Asia/Yangon",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Thimbu": "Asia/Thimphu",
    "Asia/Ujung_Pandang": "Asia/Makassar",
    "Asia/Ulan_Bator": "Asia/Ulaanbaatar",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "Europe/Kiev": "Europe/Kyiv",
    "Pacific/Ponape": "Pacific/Pohnpei",
    "Pacific/Truk": "Pacific/Chuuk",
    "US/Alaska": "America/Anchorage",
    "US/Arizona": "America/Phoenix",
    "US/Central": "America/Chicago",
    "US/Eastern": "America/New_York",
    "US/Hawaii": "Pacific/Honolulu",
    "US/Mountain": "America/Denver",
    "US/Pacific": "America/Los_Angeles",
}


def time_zone_valid(value: str | None) -> str | None:
    """The canonical IANA name of the zone `value` names ("Europe/Paris", "UTC";
    "Asia/Saigon" -> "Asia/Ho_Chi_Minh"), else None.

    The browser sends what Intl reports; anything else (a typo, a forged cookie) is ignored rather
    than trusted: it names a file the zoneinfo module would otherwise look up. An alias becomes its
    canonical name so that one zone is one page variant and is named alike everywhere (an older
    tz database without the canonical name keeps the alias).
    """
    if not value or len(value) > 64:
        return None
    name = value.strip()
    canonical = TIME_ZONE_ALIASES.get(name, name)
    if canonical in _zones():
        return canonical
    return name if name in _zones() else None


def time_zone_detect(*, query: str | None, cookie: str | None) -> str:
    """?tz, then the cookie (set by the page's script from the browser's zone), then DISPLAY_TIME_ZONE."""
    return time_zone_valid(query) or time_zone_valid(cookie) or settings.DISPLAY_TIME_ZONE
