"""The shared core of the upstream clients: one Session, explicit timeouts, status classification
and strict JSON parsing.

Every call has a (connect, read) timeout, the read part cut to what is left of the caller's
deadline. Non-JSON bodies, NaN/Infinity, absurdly long integers and truncated documents become
`BadPayload`; 429/418 become `RateLimited` with the server's Retry-After; 451 is a geo-block; 401/
403 an `AuthError`; 5xx and timeouts `Unavailable`. Reasons never include a URL or a key.
"""

from __future__ import annotations

import email.utils
import json
import math
import time
from typing import Any

import requests
from django.conf import settings

from islands.external_apis.errors import AuthError, BadPayload, RateLimited, Unavailable, UpstreamError
from islands.external_apis.redaction import redact

# Longest integer literal accepted in a payload: 2**64 has 20 digits; nothing we read is bigger.
MAX_INT_DIGITS = 20
MAX_REASON = 160
# A Retry-After we would honour literally is capped: a broken header must not silence a source for days.
MAX_RETRY_AFTER = 3600.0


class Deadline:
    """Monotonic wall-clock budget shared by the attempts and fallbacks of one fetch."""

    def __init__(self, seconds: float) -> None:
        self.expires = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.expires - time.monotonic())


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _strict_int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError("integer literal too long")
    return int(literal)


def _strict_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def json_strict(text: str) -> Any:
    """json.loads that refuses NaN, Infinity, overflowing floats and endless integers."""
    return json.loads(text, parse_constant=_reject_constant, parse_int=_strict_int, parse_float=_strict_float)


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date), None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    if not math.isfinite(seconds):
        return None
    return min(MAX_RETRY_AFTER, max(0.0, seconds))


def body_message(response: requests.Response) -> str:
    """The upstream's own short error text (JSON `msg`/`error`/`message`...), secret-free."""
    try:
        data = json_strict(response.text)
    except ValueError:
        return ""
    candidates: list[Any] = []
    if isinstance(data, dict):
        status = data.get("status")
        if isinstance(status, dict):
            candidates.append(status.get("error_message"))
        candidates += [data.get(key) for key in ("msg", "error", "message")]
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            candidates.append(errors[0])
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            return redact(candidate.strip())[:MAX_REASON]
    return ""


class UpstreamClient:
    """Base for one upstream: subclasses set `source` and `default_retry_after` and add endpoints."""

    source = ""
    # Wait used when a 429 carries no Retry-After (TAAPI, Finnhub, CMC send none).
    default_retry_after = 60.0

    def __init__(self, *, base_url: str, key: str = "") -> None:
        self.base_url = base_url
        self.key = key
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"
        self.session.headers["User-Agent"] = "cryptodash/1 (+requests)"

    def close(self) -> None:
        self.session.close()

    def get_json(
        self, path: str, *, deadline: Deadline, params: dict[str, str] | None = None, headers: dict | None = None
    ) -> Any:
        response = self._get(path, deadline=deadline, params=params, headers=headers)
        self._raise_for_status(response)
        content_type = response.headers.get("Content-Type", "")
        if "html" in content_type.lower():
            raise BadPayload(self.source, f"HTML instead of JSON (HTTP {response.status_code})")
        try:
            return json_strict(response.text)
        except ValueError as exc:
            raise BadPayload(self.source, f"invalid JSON: {exc.__class__.__name__}") from None

    def _get(self, path: str, *, deadline: Deadline, params: dict | None, headers: dict | None) -> requests.Response:
        remaining = deadline.remaining()
        if remaining <= 0.05:
            raise Unavailable(self.source, "no time left in this run's budget", retryable=False)
        timeout = (min(settings.UPSTREAM_CONNECT_TIMEOUT, remaining), min(settings.UPSTREAM_READ_TIMEOUT, remaining))
        try:
            return self.session.get(
                f"{self.base_url}{path}", params=params, headers=headers, timeout=timeout, allow_redirects=False
            )
        except requests.Timeout:
            raise Unavailable(self.source, f"timed out (connect {timeout[0]:.1f} s, read {timeout[1]:.1f} s)") from None
        except requests.ConnectionError:
            raise Unavailable(self.source, "connection failed") from None
        except requests.RequestException as exc:
            raise Unavailable(self.source, f"request failed: {exc.__class__.__name__}") from None

    def _raise_for_status(self, response: requests.Response) -> None:
        code = response.status_code
        if code < 300:
            return
        message = body_message(response)
        detail = f"HTTP {code}" + (f": {message}" if message else "")
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        if code == 429:
            wait = self.default_retry_after if retry_after is None else retry_after
            raise RateLimited(self.source, detail, retry_after=wait)
        if code == 418:
            raise RateLimited(self.source, f"IP banned ({detail})", retry_after=retry_after or MAX_RETRY_AFTER)
        if code == 451:
            raise Unavailable(self.source, f"geo-blocked ({detail})", retryable=False)
        if code in (401, 403):
            raise AuthError(self.source, detail)
        if code >= 500:
            raise Unavailable(self.source, detail)
        raise UpstreamError(self.source, detail)


def number(value: Any, *, low: float, high: float) -> float | None:
    """A finite number within [low, high] from a JSON number or numeric string, else None.

    Upstreams send strings for numbers (Binance, alternative.me) and zeros or nulls for unknown
    data (Finnhub, CoinGecko): those become None for that one field, never a made-up value.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        if len(value) > 40:
            return None
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, int | float):
        return None
    value = float(value)
    if not math.isfinite(value) or not low <= value <= high:
        return None
    return value
