"""Who sees which language and theme: pure functions over raw request values.

They take strings rather than a Django request so that the ASGI page cache (page_cache.py) and
the Django middleware decide exactly alike. They must not touch Redis, the database or the network.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation.trans_real import parse_accept_lang_header

LANGUAGE_COOKIE = "cryptodash_lang"
THEME_COOKIE = "cryptodash_theme"
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
