"""Template context every page gets: theme, language list, display zone, and whether data is simulated."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from islands.cache_system.selectors import summary_latest
from islands.shared_components.preferences import DEFAULT_THEME


def site_context(*, theme: str, simulated: bool) -> dict[str, Any]:
    """The layout's variables; the dashboard's cached renderer calls this without a request."""
    return {
        "theme": theme,
        "site_languages": settings.LANGUAGES,
        "display_time_zone": settings.DISPLAY_TIME_ZONE,
        "data_simulated": simulated,
    }


def summary_simulated() -> bool:
    """True when the latest summary says it came from the fake upstream (demo mode)."""
    snapshot = summary_latest()
    return snapshot is not None and snapshot.data.get("mode") == "simulated"


def site(request: HttpRequest) -> dict[str, Any]:
    return site_context(theme=getattr(request, "theme", DEFAULT_THEME), simulated=summary_simulated())
