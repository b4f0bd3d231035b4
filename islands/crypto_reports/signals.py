"""Report saves and deletes tell the page cache: every process renders the report pages again.

The change is counted in Redis (cache_system's content version "reports", read by every web
process with the summary's L1 TTL) and this process looks its versions up before its next answer.
Receivers only; connected in apps.py. Nothing else here.
"""

from __future__ import annotations

import logging
from typing import Any

from islands.cache_system.services import content_version_bump
from islands.shared_components.page_cache import content_changed

log = logging.getLogger(__name__)

REPORTS = "reports"


def report_changed(sender: type, **kwargs: Any) -> None:
    if content_version_bump(name=REPORTS) is None:
        # Other processes keep their pages until PAGE_MAX_AGE (views.py); this one renders anew.
        log.warning("Redis unreachable: other web processes see this report change within a minute")
    content_changed()
