"""Reads of the external_apis island, from stored state only: they never call an upstream.

`source_states()` serves /health; `rate_limit_status()` serves /api/crypto/rate-limit-status with
the real numbers of the shared limiter, cooldowns and circuit breakers.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings

from islands.cache_system.redis_client import REDIS_DOWN_ERRORS, redis_client
from islands.cache_system.selectors import ingest_records
from islands.external_apis.clock import rfc3339
from islands.external_apis.feeds import UPSTREAMS, source_enabled
from islands.external_apis.resilience import BREAKER_NAMESPACE, COOLDOWN_KEY, source_guard
from islands.external_apis.services import SOURCE_RECORD


def _breaker_state(source: str) -> str | None:
    """closed / open / half-open as stored by pybreaker; None when Redis cannot say."""
    try:
        raw = redis_client().get(f"{BREAKER_NAMESPACE.format(source=source)}:pybreaker:state")
    except REDIS_DOWN_ERRORS:
        return None
    if not raw:
        return "closed"
    state = raw.decode(errors="replace")
    # Anything else was not written by pybreaker: Redis cannot say.
    return state if state in ("closed", "open", "half-open") else None


def _cooldown_left(source: str) -> float | None:
    try:
        ms = redis_client().pttl(COOLDOWN_KEY.format(source=source))
    except REDIS_DOWN_ERRORS:
        return None
    return round(ms / 1000, 1) if ms and ms > 0 else 0.0


def source_states() -> dict[str, dict[str, Any]]:
    """Per upstream: status (ok, failed, rate_limited, disabled, or unknown = never called),
    updated_at (last success), error, last_success_age_s, breaker state, retry_after_s."""
    now = time.time()
    records = ingest_records(names=[SOURCE_RECORD.format(name=source) for source in UPSTREAMS])
    states: dict[str, dict[str, Any]] = {}
    for source in UPSTREAMS:
        record = records[SOURCE_RECORD.format(name=source)] or {}
        enabled = source_enabled(source)
        success_at = record.get("success_at")
        status = "disabled" if not enabled else record.get("status", "unknown")
        error = record.get("error")
        if not enabled:
            error = f"{UPSTREAMS[source][2]} is not set"
        states[source] = {
            "status": status,
            "updated_at": rfc3339(success_at),
            "error": error,
            "last_attempt_at": rfc3339(record.get("attempt_at")),
            "last_success_age_s": None if success_at is None else round(now - success_at, 1),
            "breaker": _breaker_state(source),
            "retry_after_s": _cooldown_left(source),
        }
    return states


def rate_limit_status() -> dict[str, dict[str, Any]]:
    """Per upstream: each global quota (limit, window, remaining, reset), the Retry-After still to
    wait and the breaker state, read from Redis (the limiter's own counters)."""
    status: dict[str, dict[str, Any]] = {}
    for source in UPSTREAMS:
        guard = source_guard(source)
        quotas = []
        for item in guard.items:
            try:
                stats = guard.limiter.get_window_stats(item, source)
                remaining: int | None = stats.remaining
                reset_in = round(max(0.0, stats.reset_time - time.time()), 1)
            except REDIS_DOWN_ERRORS:
                remaining = reset_in = None
            quotas.append(
                {
                    "limit": item.amount,
                    "window_s": item.get_expiry(),
                    "remaining": remaining,
                    "reset_in_s": reset_in,
                }
            )
        first = quotas[0]
        status[source] = {
            "enabled": source_enabled(source),
            "limit": first["limit"],
            "window_s": first["window_s"],
            "remaining": min((q["remaining"] for q in quotas if q["remaining"] is not None), default=None),
            "quotas": quotas,
            "quota_setting": settings.UPSTREAM_RATE_LIMITS[source],
            "retry_after_s": _cooldown_left(source),
            "breaker": _breaker_state(source),
        }
    return status
