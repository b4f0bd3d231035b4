"""Typed failures of an upstream call. Messages are built here, never copied from a URL or a
request, so a secret cannot travel inside an exception."""

from __future__ import annotations


class UpstreamError(Exception):
    """A call to `source` failed; `reason` is a short, secret-free explanation."""

    status = "failed"
    # Whether a new attempt within the same run can help (timeouts, 5xx).
    retryable = False

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class RateLimited(UpstreamError):
    """429 / 418, a 200 whose body says "limit", or our own global quota: wait `retry_after` s."""

    status = "rate_limited"

    def __init__(self, source: str, reason: str, *, retry_after: float) -> None:
        super().__init__(source, reason)
        self.retry_after = retry_after


class AuthError(UpstreamError):
    """The key is missing, wrong or not allowed this endpoint (401/403 or an error body)."""


class Unavailable(UpstreamError):
    """Timeout, connection error, 5xx or an open circuit breaker."""

    def __init__(self, source: str, reason: str, *, retryable: bool = True) -> None:
        super().__init__(source, reason)
        self.retryable = retryable


class BadPayload(UpstreamError):
    """The answer is not what the endpoint documents: HTML, truncated JSON, NaN, absurd numbers."""


class Disabled(UpstreamError):
    """The source needs a key and none is configured: it is never called."""

    status = "disabled"
