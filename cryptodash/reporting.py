"""Error reports without connection passwords: Django's debug page and error mails mask URL passwords.

Django hides settings whose *name* looks secret (KEY, PASS, TOKEN...), but REDIS_URL, the cache's
LOCATION, CELERY_BROKER_URL and the channel layer's address carry the Redis password inside a URL
under names that do not. This filter also masks the password of any URL among settings, request
META (which holds the environment under a WSGI server) and traceback variables. It must not
change what reports show otherwise: Django's own name-based hiding still applies first.
"""

from __future__ import annotations

from typing import Any

from django.views.debug import SafeExceptionReporterFilter

from cryptodash.stack.base import mask_url


def _masked(value: Any) -> Any:
    if not (isinstance(value, str) and "://" in value and "@" in value):
        return value
    # Celery's Sentinel broker URL is several URLs joined by ";", each with the password.
    return ";".join(mask_url(part) for part in value.split(";"))


class UrlPasswordFilter(SafeExceptionReporterFilter):
    def cleanse_setting(self, key: Any, value: Any) -> Any:
        return _masked(super().cleanse_setting(key, value))

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> list[tuple[str, Any]]:
        return [(name, _masked(value)) for name, value in super().get_traceback_frame_variables(request, tb_frame)]
