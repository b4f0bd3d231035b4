"""Health of each island, from stored state and cheap local probes only.

Never an upstream API call (the old system made 8 a probe and rate-limited itself): upstream
health comes from the state the ingest tasks stored. The probes run side by side in a small pool
under one deadline (HEALTH_DEADLINE_S): one that has not answered by then is reported as a
timeout, so a Redis that accepts and never answers costs /health that deadline, not a socket
timeout per probe in a row. The worker ping is reused for a few seconds.
Overall: "unhealthy" when the site cannot serve (Redis or the database down), "degraded" when
something is late or failing but pages still work, else "healthy".
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.utils import translation

from islands.cache_system.coordination import ping, redis_breakers, redis_skipped
from islands.cache_system.errors import REDIS_DOWN_ERRORS
from islands.cache_system.selectors import cache_stats, heartbeat_age, ingest_records, summary_latest, ticks_latest
from islands.cache_system.services import TICKS_STATUS_RECORD
from islands.external_apis.selectors import source_states
from islands.websocket_service.selectors import connections_count

log = logging.getLogger(__name__)

HEALTHY, DEGRADED, UNHEALTHY = "healthy", "degraded", "unhealthy"
_RANK = {HEALTHY: 0, DEGRADED: 1, UNHEALTHY: 2}
# Consumer-group lag above this many entries means a relay or backup consumer is falling behind.
STREAM_LAG_DEGRADED = 50

_ping_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="health-ping")
# One thread per probe of a report, so a report's probes never queue behind each other; a probe
# stuck past the deadline keeps its thread, and the next report's probes queue behind it and are
# reported as timeouts too (honest: Redis still does not answer).
_probe_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="health-probe")
_ping_lock = threading.Lock()
_ping_cache: dict[str, Any] = {"at": float("-inf"), "result": None, "future": None}


def _result(status: str, reason: str | None = None, **details: Any) -> dict[str, Any]:
    return {"status": status, "reason": reason, **details}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def check_cache_system() -> dict[str, Any]:
    try:
        ping_ms = round(ping(), 2)
    except REDIS_DOWN_ERRORS as exc:
        reason = f"Redis does not answer PING ({exc.__class__.__name__}: {exc})"
        return _result(UNHEALTHY, reason, redis="down", breakers=redis_breakers())
    stats = cache_stats()
    store = stats["store"]
    groups = {
        f"{stream}/{group['name']}": {"lag": group["lag"], "pending": group["pending"]}
        for stream, info in stats["streams"].items()
        for group in info["groups"] or []
    }
    details = {"redis": "up", "ping_ms": ping_ms, "store_mode": store["mode"], "groups": groups}
    if store["mode"] == "fallback":
        return _result(DEGRADED, "streams are served from memory until Redis reconnects", **details)
    lagging = sorted(name for name, group in groups.items() if group["lag"] > STREAM_LAG_DEGRADED)
    if lagging:
        return _result(DEGRADED, f"consumer group(s) behind: {', '.join(lagging)}", **details)
    return _result(HEALTHY, **details)


def check_external_apis() -> dict[str, Any]:
    states = source_states()
    sources = {
        name: {
            "status": state.get("status"),
            "last_success_age_s": state.get("last_success_age_s"),
            "breaker": state.get("breaker"),
            "error": state.get("error"),
        }
        for name, state in states.items()
    }
    sick = sorted(
        name
        for name, state in sources.items()
        if state["status"] in ("failed", "rate_limited") or state["breaker"] == "open"
    )
    if sick:
        return _result(DEGRADED, f"failing upstream(s): {', '.join(sick)}", sources=sources)
    return _result(HEALTHY, sources=sources)


def _heartbeat_check(name: str, max_age: float, what: str) -> dict[str, Any]:
    age = heartbeat_age(name=name)
    if age is None:
        return _result(DEGRADED, f"no {what} heartbeat recorded", heartbeat_age_s=None)
    if age > max_age:
        return _result(
            DEGRADED, f"{what} heartbeat is {age:.0f} s old (limit {max_age:.0f} s)", heartbeat_age_s=_round(age)
        )
    return _result(HEALTHY, heartbeat_age_s=_round(age))


def check_websocket_service() -> dict[str, Any]:
    return {**_heartbeat_check("relay", settings.HEALTH_RELAY_MAX_AGE, "relay"), "clients": connections_count()}


def _worker_ping() -> list[str]:
    # The project's app, without importing the project package: Celery's Django fix-up makes
    # it the default app of every thread.
    replies = current_app.control.ping(timeout=settings.HEALTH_WORKER_PING_TIMEOUT, limit=1) or []
    return sorted(name for reply in replies for name in reply)


def _worker_ping_future() -> Future:
    """The running or recent ping; a new one only when the last answer is older than the TTL."""
    with _ping_lock:
        fresh = time.monotonic() - _ping_cache["at"] < settings.HEALTH_WORKER_PING_TTL
        if _ping_cache["future"] is None or not fresh:
            _ping_cache["future"] = _ping_pool.submit(_worker_ping)
            _ping_cache["at"] = time.monotonic()
        return _ping_cache["future"]


def check_celery(*, ping: Future | None) -> dict[str, Any]:
    beat = _heartbeat_check("celery", settings.HEALTH_CELERY_MAX_AGE, "beat -> worker")
    workers: list[str] | None = None
    ping_error = None
    if ping is None:
        ping_error = "broker (Redis) unreachable"
    else:
        try:
            workers = ping.result(timeout=settings.HEALTH_WORKER_PING_TIMEOUT + 0.5)
        except FutureTimeout:
            ping_error = "worker ping did not return in time"
        except Exception as exc:  # kombu raises transport-specific errors
            ping_error = f"worker ping failed ({exc.__class__.__name__})"
    details = {"heartbeat_age_s": beat["heartbeat_age_s"], "workers": workers}
    if ping_error or not workers:
        return _result(DEGRADED, ping_error or "no worker answered the ping", **details)
    if beat["status"] != HEALTHY:
        return _result(DEGRADED, beat["reason"], **details)
    return _result(HEALTHY, **details)


def check_crypto_reports() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return _result(UNHEALTHY, f"database query failed ({exc.__class__.__name__})", database="down")
    return _result(HEALTHY, database="up", query_ms=round((time.perf_counter() - started) * 1000, 2))


def check_backup() -> dict[str, Any]:
    return _heartbeat_check("backup", settings.HEALTH_BACKUP_MAX_AGE, "backup consumer")


def check_alerts() -> dict[str, Any]:
    return _heartbeat_check("alerts", settings.HEALTH_ALERTS_MAX_AGE, "alerts evaluator")


def _stream_age(stream_id: str) -> float | None:
    try:
        return max(0.0, time.time() - int(stream_id.split("-", maxsplit=1)[0]) / 1000)
    except ValueError:
        return None


def check_ticks() -> dict[str, Any]:
    """The exchange tick ingest: its heartbeat, whether its holder is connected to the exchange,
    and the age of the newest tick (when it reached the stream). Never worse than degraded: while
    the ticks stop, the REST feed keeps every price."""
    limit = settings.HEALTH_TICKS_MAX_AGE
    beat = _heartbeat_check("ticks", limit, "tick ingest")
    status = ingest_records(names=[TICKS_STATUS_RECORD])[TICKS_STATUS_RECORD] or {}
    ages = [_stream_age(tick.stream_id) for tick in ticks_latest().values()]
    newest = min((age for age in ages if age is not None), default=None)
    connected = status.get("connected") if isinstance(status.get("connected"), bool) else None
    details = {
        "heartbeat_age_s": beat["heartbeat_age_s"],
        "holder": status.get("holder"),
        "connected": connected,
        "newest_tick_age_s": _round(newest),
    }
    fallback = "; prices come from the REST feed"
    if beat["status"] != HEALTHY:
        return _result(DEGRADED, beat["reason"] + fallback, **details)
    if connected is not True:
        return _result(DEGRADED, "the tick ingest holds no exchange connection" + fallback, **details)
    if newest is None:
        return _result(DEGRADED, "no tick has been stored yet" + fallback, **details)
    if newest > limit:
        return _result(DEGRADED, f"the newest tick is {newest:.0f} s old (limit {limit:.0f} s){fallback}", **details)
    return _result(HEALTHY, **details)


def check_dashboard() -> dict[str, Any]:
    """How old the data is that the home page and the summary API serve."""
    snapshot = summary_latest()
    if snapshot is None:
        return _result(DEGRADED, "no summary has been stored yet", summary_age_s=None)
    age = snapshot.age_seconds
    details = {"summary_age_s": _round(age), "stream_id": snapshot.stream_id}
    if age > settings.SUMMARY_STALE_AFTER:
        return _result(DEGRADED, f"the latest summary is {age:.0f} s old", **details)
    return _result(HEALTHY, **details)


def check_shared_components() -> dict[str, Any]:
    """The Vietnamese catalogue is installed (a deployment without the .mo files shows English)."""
    with translation.override("vi"):
        translated = translation.gettext("Dashboard")
    if translated == "Dashboard":
        return _result(DEGRADED, "the Vietnamese translation catalogue is missing")
    return _result(HEALTHY)


def _guarded(check: Callable[[], dict[str, Any]], name: str) -> dict[str, Any]:
    try:
        return check()
    except Exception as exc:
        # A broken probe is reported, never turned into a 500 of the health endpoint itself.
        log.exception("health check %s failed", name)
        return _result(DEGRADED, f"check failed ({exc.__class__.__name__})")
    finally:
        close_old_connections()  # a probe thread's database connection, as after a request


# A probe without an answer by the deadline: what cannot answer means the site cannot serve
# (Redis, the database) is unhealthy; anything else only degraded.
_TIMEOUT_STATUS = {"cache_system": UNHEALTHY, "crypto_reports": UNHEALTHY}


def _timed_out(name: str, deadline: float) -> dict[str, Any]:
    return _result(_TIMEOUT_STATUS.get(name, DEGRADED), f"timeout: no answer within {deadline:g} s")


def health_report() -> dict[str, Any]:
    """Per island status plus the overall one, within HEALTH_DEADLINE_S."""
    started = time.perf_counter()
    deadline = settings.HEALTH_DEADLINE_S
    # The worker ping goes through the broker (Redis): not even tried while Redis is skipped.
    ping = None if redis_skipped() else _worker_ping_future()
    checks: dict[str, Callable[[], dict[str, Any]]] = {
        "cache_system": check_cache_system,
        "external_apis": check_external_apis,
        "websocket_service": check_websocket_service,
        "crypto_reports": check_crypto_reports,
        "backup": check_backup,
        "alerts": check_alerts,
        "ticks": check_ticks,
        "dashboard": check_dashboard,
        "shared_components": check_shared_components,
        "celery": lambda: check_celery(ping=ping),
    }
    futures = {name: _probe_pool.submit(_guarded, check, name) for name, check in checks.items()}
    wait(futures.values(), timeout=deadline)
    islands = {
        name: future.result() if future.done() else _timed_out(name, deadline) for name, future in futures.items()
    }
    overall = max((island["status"] for island in islands.values()), key=_RANK.__getitem__)
    return {
        "status": overall,
        "islands": islands,
        "checked_at": time.time(),
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
    }
