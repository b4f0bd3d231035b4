"""Admin login throttling, shared by every process: attempts per client address and per username.

Each login attempt with a username and a password takes one slot of two moving windows kept in
Redis (the `limits` package, as the upstream quotas and the refresh limit do): ADMIN_LOGIN_IP_ATTEMPTS
per address and ADMIN_LOGIN_USER_ATTEMPTS per username in ADMIN_LOGIN_WINDOW seconds. The slot is
taken *before* the password is checked, atomically in Redis, so parallel guesses from several
processes cannot slip past the count; a successful login frees the username's window (its owner
proved the password), never the address's (an attacker with one valid account could reset it).

It decides and counts only: the admin login form (islands/shared_components/admin_site.py)
shows the refusal. Usernames are stored hashed: a password typed into the wrong field must not
sit in Redis in clear. Must not be called for a request without both a username and a password.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.strategies import MovingWindowRateLimiter

from islands.cache_system.coordination import limiter_storage
from islands.cache_system.errors import REDIS_DOWN_ERRORS

log = logging.getLogger(__name__)

LIMITS_PREFIX = "cryptodash:limits:admin-login"


@dataclass(frozen=True, slots=True)
class LoginVerdict:
    status: str  # allowed | throttled | unavailable
    retry_after: int | None = None  # seconds, when throttled

    @property
    def allowed(self) -> bool:
        return self.status == "allowed"


def _limiter() -> MovingWindowRateLimiter:
    # cache_system's limiter storage: the counts live in the Redis every process shares.
    return MovingWindowRateLimiter(limiter_storage(key_prefix=LIMITS_PREFIX))


def _items() -> tuple[RateLimitItem, RateLimitItem]:
    window = settings.ADMIN_LOGIN_WINDOW
    return (
        RateLimitItemPerSecond(settings.ADMIN_LOGIN_IP_ATTEMPTS, window),
        RateLimitItemPerSecond(settings.ADMIN_LOGIN_USER_ATTEMPTS, window),
    )


def _username_key(username: str) -> str:
    return hashlib.sha256(username.strip().casefold().encode("utf-8", "replace")).hexdigest()[:32]


def _retry_after(limiter: MovingWindowRateLimiter, item: RateLimitItem, *identifiers: str) -> int:
    reset = limiter.get_window_stats(item, *identifiers).reset_time
    return max(1, math.ceil(reset - time.time()))


def login_attempt_reserve(*, address: str | None, username: str) -> LoginVerdict:
    """Count one login attempt for `address` and `username`; refused when either window is full."""
    per_ip, per_user = _items()
    ip_id, user_id = ("ip", address or "unknown"), ("user", _username_key(username))
    try:
        limiter = _limiter()
        if not limiter.hit(per_ip, *ip_id):
            return LoginVerdict("throttled", retry_after=_retry_after(limiter, per_ip, *ip_id))
        if not limiter.hit(per_user, *user_id):
            return LoginVerdict("throttled", retry_after=_retry_after(limiter, per_user, *user_id))
    except REDIS_DOWN_ERRORS as exc:
        # Without the count there is no limit: refuse rather than let guesses through unchecked.
        log.warning("admin login throttle unavailable: %s", exc.__class__.__name__)
        return LoginVerdict("unavailable")
    return LoginVerdict("allowed")


def login_success_record(*, username: str) -> None:
    """The username's owner proved the password: its earlier attempts no longer count against it."""
    _per_ip, per_user = _items()
    try:
        _limiter().clear(per_user, "user", _username_key(username))
    except REDIS_DOWN_ERRORS as exc:
        log.warning("admin login throttle unavailable: %s", exc.__class__.__name__)
