"""Reads of the external_apis island, from stored state only: they never call an upstream.

`source_states()` serves /health; `rate_limit_status()` serves /api/crypto/rate-limit-status with
the real numbers of the shared limiter, cooldowns and circuit breakers; `summary_fields()` and
`index_symbols()` describe the summary this island builds, for the islands that show it.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings

from islands.cache_system.coordination import breaker_state, cooldown_left
from islands.cache_system.errors import REDIS_DOWN_ERRORS
from islands.cache_system.market_schema import INDEX_SYMBOLS, summary_keys
from islands.cache_system.selectors import ingest_records
from islands.external_apis.clock import rfc3339
from islands.external_apis.feeds import UPSTREAMS, source_enabled
from islands.external_apis.resilience import BREAKER_NAMESPACE, COOLDOWN_KEY, source_guard
from islands.external_apis.services import SOURCE_RECORD


def summary_fields() -> tuple[str, ...]:
    """The summary's top-level fields (SPEC §4, schema 1), in the order summary_build writes them."""
    return summary_keys()


def index_symbols() -> tuple[str, ...]:
    """The US index symbols of the summary's `us_stock_indices`, in display order."""
    return INDEX_SYMBOLS


def _breaker_state(source: str) -> str | None:
    """closed / open / half-open as stored by the source's breaker; None when Redis cannot say."""
    return breaker_state(namespace=BREAKER_NAMESPACE.format(source=source))


def _cooldown_left(source: str) -> float | None:
    return cooldown_left(COOLDOWN_KEY.format(source=source))


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
