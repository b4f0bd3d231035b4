"""One circuit breaker per Redis client role of this process: after a call times out, calls of
that role skip Redis at once (a ConnectionError, so every caller's outage path applies) until a
background probe gets a PING answered.

A closed port fails fast by itself; a server that accepts and never answers (paused, swapping,
partitioned, failing over) costs every call its full socket timeout. Without a breaker each
request pays that wait, and /health pays it once per probe. With it, only the calls already in
flight when Redis stops answering wait; requests meanwhile answer from what the process knows,
and the probe, never a request, pays for finding out that Redis answers again.

It hooks into redis-py through the `retry` object each connection carries (`GuardedRetry`),
which wraps every command, connect and health check: it never builds clients (redis_client.py
does) and never decides what a caller does while Redis is away. Roles: "request" (reads a
request waits on: short timeout), "worker" (writes, locks, consumer groups whose blocking reads
need a long timeout), "cache" (django-redis, islands/cache_system/cache_client.py).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

from islands.cache_system.errors import REDIS_TIMEOUT_ERRORS

log = logging.getLogger(__name__)

ROLE_REQUEST, ROLE_WORKER, ROLE_CACHE = "request", "worker", "cache"
ROLES = (ROLE_REQUEST, ROLE_WORKER, ROLE_CACHE)


class RedisSkipped(redis.exceptions.ConnectionError):
    """Raised instead of calling Redis while the role's breaker is open."""


class RedisBreaker:
    """Open after a timeout; a daemon thread pings every REDIS_BREAKER_OPEN_S until Redis answers."""

    def __init__(self, role: str) -> None:
        self.role = role
        self._lock = threading.Lock()
        self._probing = threading.local()
        self._ping: Callable[[], Any] | None = None
        self._closed = threading.Event()
        self._closed.set()
        self.opened_at: float | None = None  # time.time() of the timeout that opened it
        self.reason: str | None = None
        self.trips = 0
        self.skipped = 0

    @property
    def is_open(self) -> bool:
        return not self._closed.is_set()

    def attach(self, ping: Callable[[], Any]) -> None:
        """The PING the probe sends (the role's client: same server, same timeouts)."""
        self._ping = ping

    def check(self) -> None:
        """Raise RedisSkipped while open, except on the probe's own thread."""
        if self._closed.is_set() or getattr(self._probing, "active", False):
            return
        self.skipped += 1
        since = time.time() - (self.opened_at or time.time())
        raise RedisSkipped(f"Redis ({self.role}) skipped: {self.reason}, {since:.1f} s ago; probing in the background")

    def trip(self, exc: BaseException) -> None:
        with self._lock:
            if self.is_open or getattr(self._probing, "active", False):
                return
            self.opened_at = time.time()
            self.reason = f"{exc.__class__.__name__}: {exc}"
            self.trips += 1
            self._closed.clear()
        log.warning("Redis (%s) timed out (%s): skipped until a probe gets an answer", self.role, self.reason)
        threading.Thread(target=self._probe, name=f"redis-breaker-{self.role}", daemon=True).start()

    def _probe(self) -> None:
        interval = settings.REDIS_BREAKER_OPEN_S
        self._probing.active = True
        while True:
            time.sleep(interval)
            if self._closed.is_set():  # closed meanwhile (breakers_reset): nothing left to find
                self._probing.active = False
                return
            if self._ping is None:
                break
            try:
                self._ping()
            # Any failure means "not answering yet": also what a client closed under the probe
            # (redis_clients_reset) raises, which is not a RedisError; a probe must never die.
            except Exception:
                continue
            break
        self._probing.active = False
        outage = time.time() - (self.opened_at or time.time())
        with self._lock:
            self._closed.set()
        log.warning("Redis (%s) answers again after %.1f s", self.role, outage)

    def wait_closed(self, timeout: float) -> bool:
        """Block until the breaker is closed (True) or `timeout` passed (False)."""
        return self._closed.wait(timeout)

    def status(self) -> dict[str, Any]:
        return {
            "state": "open" if self.is_open else "closed",
            "opened_at": self.opened_at if self.is_open else None,
            "reason": self.reason if self.is_open else None,
            "trips": self.trips,
            "skipped_calls": self.skipped,
        }


_breakers = {role: RedisBreaker(role) for role in ROLES}


def breaker(role: str) -> RedisBreaker:
    return _breakers[role]


def breakers_reset() -> None:
    """Close every breaker (tests that start another Redis); a running probe ends by itself."""
    for each in _breakers.values():
        each._closed.set()


# A forked child (Celery's prefork pool) has no probe thread: an open breaker inherited from the
# parent would never close there. The child starts closed and finds out for itself.
os.register_at_fork(after_in_child=breakers_reset)


def breakers_status() -> dict[str, dict[str, Any]]:
    return {role: each.status() for role, each in _breakers.items()}


class GuardedRetry(Retry):
    """redis-py's retry hook with the role's breaker in front: skip while open, open on a timeout.

    A connection error other than a timeout (a pooled connection Redis closed when it restarted)
    is retried once at once, as before; a timeout is not retried, the connection is dropped (its
    late answer must never be read as the next command's) and the breaker opens.
    """

    def __init__(self, role: str) -> None:
        super().__init__(NoBackoff(), 1)
        self.role = role

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GuardedRetry) and other.role == self.role

    def __hash__(self) -> int:
        return hash(("GuardedRetry", self.role))

    def call_with_retry(
        self,
        do: Callable[[], Any],
        fail: Callable[..., Any],
        is_retryable: Callable[[Exception], bool] | None = None,
        with_failure_count: bool = False,
    ) -> Any:
        guard = _breakers[self.role]
        guard.check()
        failures = 0
        while True:
            try:
                return do()
            except self._supported_errors as error:
                if is_retryable and not is_retryable(error):
                    raise
                failures += 1
                if with_failure_count:
                    fail(error, failures)
                else:
                    fail(error)
                # A read that timed out may still be answered later: it opens the breaker and is
                # never retried on the spot (the retry would wait just as long).
                if isinstance(error, REDIS_TIMEOUT_ERRORS):
                    guard.trip(error)
                    raise
                if failures > self._retries:
                    raise
