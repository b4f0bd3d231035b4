"""Template filters and tags of the site: `{% load cryptodash %}`.

`{{ value|fmt:"price" }}`, `{{ value|money:"vnd" }}` and `{{ value|money_compact:"vnd" }}` format
in the active language with the rules of formatting.py (the same
as static/js/format.js); `{{ seconds|age }}`, `{{ when|age_since }}`, `{{ when|local_time }}`;
`{% query_with lang="en" %}` builds the current URL's query string with one parameter replaced;
`{% coin_icon "btc" %}` is the bundled icon of a coin (static/img/coins), nothing when none is.
Output stays autoescaped.
"""

from __future__ import annotations

import re
import time
from functools import lru_cache
from typing import Any

from django import template
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import get_language

from islands.shared_components.formatting import age_format, format_value, money_format, time_format, time_local

register = template.Library()


@register.filter
def fmt(value: Any, kind: str) -> str:
    return format_value(value, kind, get_language())


@register.filter
def money(value: Any, currency: str) -> str:
    """`{{ price|money:currency }}`: '1.765.106.095 ₫' (formatting.money_format)."""
    return money_format(value, currency, get_language())


@register.filter
def money_compact(value: Any, currency: str) -> str:
    """`{{ market_cap|money_compact:currency }}`: '1,7 tỷ ₫'."""
    return money_format(value, currency, get_language(), compact=True)


@register.filter
def age(seconds: float | None) -> str:
    return age_format(seconds, get_language())


@register.filter
def age_since(value: Any) -> str:
    """'12 s ago' for an RFC 3339 time, epoch seconds or datetime; a dash when it is not a time."""
    moment = time_local(value)
    return age_format(None if moment is None else time.time() - moment.timestamp(), get_language())


@register.filter
def local_time(value: Any) -> str:
    return time_format(value, get_language())


@register.filter
def sign_class(value: Any) -> str:
    """'up', 'down' or 'flat' for colouring a change; 'unknown' when there is no number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "unknown"
    return "up" if value > 0 else "down" if value < 0 else "flat"


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **params: str) -> str:
    """'?a=1&lang=en': the request's query with params replaced ('?lang=en' without a request)."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else {}
    for key, value in params.items():
        query[key] = value
    items = query.lists() if hasattr(query, "lists") else ((k, [v]) for k, v in query.items())
    return "?" + urlencode([(k, v) for k, values in items for v in values])


@lru_cache(maxsize=64)
def _coin_icon_path(key: str) -> str | None:
    # Whether the file exists is fixed per deploy; its URL (hashed or not) is static()'s to decide.
    path = f"img/coins/{key}.svg"
    return path if re.fullmatch(r"[a-z0-9]{1,16}", key) and finders.find(path) else None


@register.simple_tag
def coin_icon(key: str) -> str:
    """<img> of the coin's bundled icon (decorative: the name is beside it), or "" without one."""
    path = _coin_icon_path(str(key).lower())
    if path is None:
        return ""
    return format_html('<img class="coin-icon" src="{}" alt="" width="18" height="18">', static(path))
