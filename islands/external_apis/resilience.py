"""Quotas, Retry-After, circuit breakers and retries around one upstream request, shared by every
process through Redis.

For each attempt, in order: a Retry-After cooldown stored in Redis (no process calls the source
before it ends); the source's circuit breaker (pybreaker, state in Redis); the global quota
(`limits`, moving window in Redis); then the request itself. tenacity retries timeouts and 5xx
with jittered exponential backoff, and waits out a short Retry-After, always inside the caller's
`Deadline`. Nothing here knows about the summary or stores results.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import pybreaker
from django.conf import settings
from limits import RateLimitItem, parse_many
from limits.strategies import MovingWindowRateLimiter
from tenacity import RetryCallState, Retrying, retry_if_exception, wait_random_exponential

from islands.cache_system.coordination import (
    breaker_storage,
    connection_identity,
    cooldown_extend,
    cooldown_until,
    limiter_storage,
)
from islands.cache_system.errors import REDIS_DOWN_ERRORS
from islands.external_apis.clients.base import Deadline
from islands.external_apis.clock import rfc3339
from islands.external_apis.errors import (
    AuthError,
    BadPayload,
    Disabled,
    RateLimited,
    Unavailable,
    UpstreamError,
)
from islands.external_apis.metrics import UPSTREAM_LATENCY, UPSTREAM_REQUESTS, UPSTREAM_SKIPPED

log = logging.getLogger(__name__)

T = TypeVar("T")
COOLDOWN_KEY = "cryptodash:cooldown:{source}"
BREAKER_NAMESPACE = "cryptodash:breaker:{source}"
LIMITS_PREFIX = "cryptodash:limits"
# An attempt is not started with less time than this left: it could not finish.
MIN_ATTEMPT_S = 0.25
_backoff = wait_random_exponential(multiplier=0.5, max=4)


class QuotaExhausted(RateLimited):
    """Our own global quota said no: nothing was sent, the upstream's state is unchanged."""


class SkippedByCooldown(RateLimited):
    """A Retry-After recorded by some process is still running: nothing was sent."""


class BreakerOpen(Unavailable):
    """The source's circuit breaker is open: nothing was sent."""


def _outcome(exc: BaseException | None) -> str:
    if exc is None:
        return "ok"
    for kind, name in ((RateLimited, "rate_limited"), (AuthError, "auth"), (Unavailable, "unavailable")):
        if isinstance(exc, kind):
            return name
    return "bad_payload" if isinstance(exc, BadPayload) else "failed"


class SourceGuard:
    """Everything that decides whether, when and how often one source may be called."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[RateLimitItem] = parse_many(settings.UPSTREAM_RATE_LIMITS[source])
        self.limiter = MovingWindowRateLimiter(limiter_storage(key_prefix=LIMITS_PREFIX))
        self.cooldown_key = COOLDOWN_KEY.format(source=source)
        self._breaker: pybreaker.CircuitBreaker | None = None
        self._breaker_storage: pybreaker.CircuitRedisStorage | None = None

    # --- circuit breaker ------------------------------------------------------------------
    @property
    def breaker(self) -> pybreaker.CircuitBreaker:
        if self._breaker is None:
            # Kept beside the breaker: its opened_at is what breaker_blocks() needs.
            self._breaker_storage = breaker_storage(namespace=BREAKER_NAMESPACE.format(source=self.source))
            self._breaker = pybreaker.CircuitBreaker(
                fail_max=settings.UPSTREAM_BREAKER_FAIL_MAX,
                reset_timeout=settings.UPSTREAM_BREAKER_RESET_S,
                # Quotas and keys are not outages: a 429 or a 401 must not open the breaker.
                exclude=[RateLimited, AuthError, Disabled],
                state_storage=self._breaker_storage,
                name=self.source,
                throw_new_error_on_trip=False,
            )
        return self._breaker

    def breaker_blocks(self) -> float | None:
        """Epoch time until which the open breaker refuses calls, None when it lets one through."""
        if self.breaker.current_state != pybreaker.STATE_OPEN:
            return None
        # The breaker has no public opened_at; the storage it was built on has (set just above).
        opened_at = self._breaker_storage.opened_at
        if opened_at is None:
            return None
        until = opened_at.timestamp() + settings.UPSTREAM_BREAKER_RESET_S
        return until if until > time.time() else None

    # --- Retry-After ------------------------------------------------------------------------
    def cooldown_until(self) -> float | None:
        """Epoch time before which no process may call the source (a Retry-After), or None."""
        return cooldown_until(self.cooldown_key)

    def cooldown_set(self, seconds: float) -> None:
        """Record a Retry-After for every process; a longer one already recorded is kept."""
        cooldown_extend(self.cooldown_key, seconds)

    # --- one attempt ------------------------------------------------------------------------
    def _attempt(self, request: Callable[[], T], cost: int) -> T:
        try:
            until = self.cooldown_until()
            if until is not None:
                UPSTREAM_SKIPPED.labels(self.source, "cooldown").inc()
                reason = f"Retry-After in effect until {rfc3339(until)}"
                raise SkippedByCooldown(self.source, reason, retry_after=until - time.time())
            until = self.breaker_blocks()
            if until is not None:
                UPSTREAM_SKIPPED.labels(self.source, "breaker").inc()
                raise BreakerOpen(self.source, f"circuit breaker open until {rfc3339(until)}", retryable=False)
            for item in self.items:
                if not self.limiter.hit(item, self.source, cost=cost):
                    UPSTREAM_SKIPPED.labels(self.source, "quota").inc()
                    reset = self.limiter.get_window_stats(item, self.source).reset_time - time.time()
                    raise QuotaExhausted(self.source, f"global quota {item} spent", retry_after=max(0.0, reset))
        except REDIS_DOWN_ERRORS:
            # Without Redis no process can know the shared quota: calling could exceed it.
            raise Unavailable(self.source, "Redis unreachable: global quota unknown", retryable=False) from None
        started = time.monotonic()
        error: BaseException | None = None
        try:
            return self.breaker.call(request)
        except UpstreamError as exc:
            error = exc
            if isinstance(exc, RateLimited):
                self.cooldown_set(exc.retry_after)
            raise
        finally:
            UPSTREAM_LATENCY.labels(self.source).observe(time.monotonic() - started)
            UPSTREAM_REQUESTS.labels(self.source, _outcome(error)).inc()

    def call(self, request: Callable[[Deadline], T], *, deadline: Deadline, cost: int = 1) -> T:
        """`request(deadline)` under the cooldown, breaker, quota and retry rules of this source."""

        def retryable(exc: BaseException) -> bool:
            if isinstance(exc, QuotaExhausted):
                return False
            if isinstance(exc, RateLimited):
                return exc.retry_after <= settings.UPSTREAM_MAX_INLINE_WAIT
            return isinstance(exc, UpstreamError) and exc.retryable

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, RateLimited):
                return exc.retry_after + 0.05  # the cooldown key must have expired by then
            return _backoff(state)

        def stop(state: RetryCallState) -> bool:
            return (
                state.attempt_number >= settings.UPSTREAM_MAX_ATTEMPTS
                or deadline.remaining() < state.upcoming_sleep + MIN_ATTEMPT_S
            )

        sent: list[UpstreamError] = []

        def attempt() -> T:
            try:
                return self._attempt(lambda: request(deadline), cost)
            except (QuotaExhausted, SkippedByCooldown, BreakerOpen):
                raise
            except UpstreamError as exc:
                sent.append(exc)
                raise

        retrying = Retrying(retry=retry_if_exception(retryable), wait=wait, stop=stop, reraise=True)
        try:
            return retrying(attempt)
        except QuotaExhausted:
            if sent:
                # A retry the quota refused: what the upstream said last is the real outcome.
                raise sent[-1] from None
            raise


_guards: dict[tuple[int, str], SourceGuard] = {}
_guards_lock = threading.Lock()


def source_guard(source: str) -> SourceGuard:
    """The process's guard for `source`, bound to the current shared Redis connection."""
    identity = connection_identity()
    key = (identity, source)
    guard = _guards.get(key)
    if guard is None:
        with _guards_lock:
            guard = _guards.get(key)
            if guard is None:
                # Guards bound to a replaced connection (tests that restart Redis) are dropped.
                for stale in [k for k in _guards if k[0] != identity]:
                    del _guards[stale]
                guard = _guards[key] = SourceGuard(source)
    return guard
