"""Cross-process coordination kept in Redis: locks, cooldowns, the storage of the upstream rate
limiters and circuit breakers, and a ping.

Other islands name their keys and decide what a lock or a cooldown means; this module only keeps
them where every process sees them. It never reads a stream or the cache tiers. Whatever touches
Redis raises one of `REDIS_DOWN_ERRORS` (islands.cache_system.errors) when Redis is out of reach,
unless its docstring says otherwise.
"""

from __future__ import annotations

import time
from typing import Any

import pybreaker
import redis
from django.conf import settings
from limits.storage import RedisStorage, Storage

from islands.cache_system.breaker import ROLE_REQUEST, ROLES, breaker, breakers_status
from islands.cache_system.errors import REDIS_DOWN_ERRORS, LockLost
from islands.cache_system.redis_client import redis_client


def ping() -> float:
    """Round trip of one PING on the request role's client (what a request would wait), in ms."""
    started = time.perf_counter()
    redis_client(ROLE_REQUEST).ping()
    return (time.perf_counter() - started) * 1000


def redis_skipped() -> bool:
    """True while a Redis role of this process skips Redis after a timeout (breaker.py)."""
    return any(breaker(role).is_open for role in ROLES)


def redis_breakers() -> dict[str, dict[str, Any]]:
    """Each role's breaker: state, since when and why it is open, trips, calls skipped."""
    return breakers_status()


def connection_identity() -> int:
    """Changes when the process's shared client is replaced (tests that restart Redis or point
    REDIS_URL elsewhere): objects bound to the old one are rebuilt when it does."""
    return id(redis_client())


class SharedLock:
    """A lock every process sees. It expires `timeout` seconds after it was last taken or renewed,
    so a holder that dies frees it; `token` (default: a random one) is what `holder()` shows."""

    def __init__(self, name: str, *, timeout: float, token: str | None = None) -> None:
        self.name = name
        self._token = token.encode() if token is not None else None
        # thread_local=False: a lock taken in one thread may be renewed or freed in another.
        self._lock = redis_client().lock(name, timeout=timeout, thread_local=False)

    def acquire(self, *, wait: float = 0) -> bool:
        """True once this process holds it; False when another one still does after `wait` s."""
        if wait > 0:
            return bool(self._lock.acquire(blocking=True, blocking_timeout=wait, token=self._token))
        return bool(self._lock.acquire(blocking=False, token=self._token))

    def renew(self) -> None:
        """Start the timeout over; LockLost when it expired or someone else holds it now."""
        try:
            self._lock.reacquire()
        except redis.exceptions.LockError as exc:
            raise LockLost(f"{self.name}: {exc}") from exc

    def release(self) -> bool:
        """Free it; False when it was no longer ours (expired, taken over) or Redis is down."""
        try:
            self._lock.release()
        except (redis.exceptions.LockError, *REDIS_DOWN_ERRORS):
            return False
        return True


def lock_holder(name: str) -> str | None:
    """The token of whoever holds lock `name`, None when it is free."""
    raw = redis_client(ROLE_REQUEST).get(name)
    return raw.decode(errors="replace") if raw is not None else None


# --- cooldowns: "nobody before this time", dropped by Redis when the time comes ----------------
def cooldown_until(key: str) -> float | None:
    """The epoch time stored under `key` while it is still ahead, else None."""
    raw = redis_client().get(key)
    until = float(raw) if raw else None
    return until if until is not None and until > time.time() else None


def cooldown_extend(key: str, seconds: float) -> None:
    """Make `key` last `seconds` from now, unless a longer cooldown is already stored."""
    until = time.time() + seconds
    # Never shorten a longer wait another process recorded. The value (the end, to the
    # millisecond) gives callers a stable time to show; PX makes Redis drop the key right then.
    if seconds > 0 and until > (cooldown_until(key) or 0.0):
        redis_client().set(key, f"{until:.3f}", px=max(1, int(seconds * 1000)))


def cooldown_left(key: str) -> float | None:
    """Seconds until `key` ends (0.0 when there is none); None when Redis is down."""
    try:
        ms = redis_client(ROLE_REQUEST).pttl(key)
    except REDIS_DOWN_ERRORS:
        return None
    return round(ms / 1000, 1) if ms and ms > 0 else 0.0


# --- the libraries' own storage, on the shared client --------------------------------------
def limiter_storage(*, key_prefix: str) -> Storage:
    """Storage for a `limits` rate limiter shared by every process (on the request role's pool:
    limiters are consulted while a request waits)."""
    pool = redis_client(ROLE_REQUEST).connection_pool
    return RedisStorage(settings.REDIS_URL, connection_pool=pool, key_prefix=key_prefix)


def breaker_storage(*, namespace: str) -> pybreaker.CircuitRedisStorage:
    """Storage for a pybreaker circuit breaker shared by every process; starts closed."""
    return pybreaker.CircuitRedisStorage(pybreaker.STATE_CLOSED, redis_client(), namespace=namespace)


BREAKER_STATES = (pybreaker.STATE_CLOSED, pybreaker.STATE_OPEN, pybreaker.STATE_HALF_OPEN)


def breaker_state(*, namespace: str) -> str | None:
    """closed / open / half-open, as a breaker on `breaker_storage(namespace)` stored it; None when
    Redis is down or holds something pybreaker did not write. A plain read: pybreaker's own would
    log an error for every outage."""
    try:
        raw = redis_client(ROLE_REQUEST).get(f"{namespace}:pybreaker:state")
    except REDIS_DOWN_ERRORS:
        return None
    if not raw:
        return pybreaker.STATE_CLOSED
    state = raw.decode(errors="replace")
    return state if state in BREAKER_STATES else None
