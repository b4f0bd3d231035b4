"""Template context every page gets: theme, language list, currency, display zone, and whether data is simulated.

It reads no store: a context processor runs on every render, and this island sits beside
cache_system, not above it. Whether the data is simulated comes from the process's own
`DATA_MODE` (the launcher gives every process the same one); a view that holds a summary passes
the summary's `mode` instead (the dashboard does, through `site_context`), and a value the view
puts in its context wins over this one.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from islands.shared_components.formatting import display_zone_name
from islands.shared_components.preferences import DEFAULT_THEME, currencies_supported


def site_context(*, theme: str, simulated: bool, currency: str | None = None) -> dict[str, Any]:
    """The layout's variables; the dashboard's cached renderer calls this without a request."""
    return {
        "theme": theme,
        "site_languages": settings.LANGUAGES,
        # The visitor's zone when the request named one (formatting.display_zone), else the site's.
        "display_time_zone": display_zone_name(),
        "site_time_zone": settings.DISPLAY_TIME_ZONE,
        "currency": currency or currencies_supported()[0],
        "site_currencies": currencies_supported(),
        "data_simulated": simulated,
    }


def site(request: HttpRequest) -> dict[str, Any]:
    return site_context(
        theme=getattr(request, "theme", DEFAULT_THEME),
        simulated=settings.DATA_MODE == "simulated",
        currency=getattr(request, "currency", None),
    )
