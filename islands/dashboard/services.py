"""Writes of the dashboard island: queueing an ingest run on behalf of a client, rate limited.

The page and the summary API never fetch upstream themselves: a client that wants fresher data
asks for a refresh, which queues an ingest run (external_apis' `refresh_queue`) and returns at once. The limit
is global across web processes (a moving window kept by cache_system).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from limits import RateLimitItemPerSecond
from limits.strategies import MovingWindowRateLimiter

from islands.cache_system.coordination import limiter_storage
from islands.cache_system.errors import REDIS_DOWN_ERRORS
from islands.external_apis.services import refresh_queue

log = logging.getLogger(__name__)

LIMITS_PREFIX = "cryptodash:limits:refresh"


@dataclass(frozen=True, slots=True)
class RefreshOutcome:
    status: str  # queued | rate_limited | unavailable
    retry_after: int | None = None
    task_id: str | None = None
    reason: str | None = None


def _limiter() -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(limiter_storage(key_prefix=LIMITS_PREFIX))


def refresh_request(*, client: str) -> RefreshOutcome:
    """Queue one ingest run for `client` unless it used up REFRESH_RATE_LIMIT in the window."""
    item = RateLimitItemPerSecond(settings.REFRESH_RATE_LIMIT, settings.REFRESH_RATE_WINDOW)
    try:
        limiter = _limiter()
        if not limiter.hit(item, client):
            reset = limiter.get_window_stats(item, client).reset_time
            return RefreshOutcome(status="rate_limited", retry_after=max(1, math.ceil(reset - time.time())))
    except REDIS_DOWN_ERRORS as exc:
        log.warning("refresh rate limiter unavailable: %s", exc.__class__.__name__)
        return RefreshOutcome(status="unavailable", reason="the rate limiter's store (Redis) is unreachable")
    task_id = refresh_queue(expires=settings.REFRESH_RATE_WINDOW)
    if task_id is None:
        return RefreshOutcome(status="unavailable", reason="the task queue is unreachable")
    return RefreshOutcome(status="queued", task_id=task_id)
