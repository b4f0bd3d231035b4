"""A logging filter for the libraries that log a Redis outage as an error with a traceback.

A Redis restart is an expected fault: every caller already answers from what it knows (the cache
tiers miss, the stream store falls back to memory, a circuit breaker assumes its last state). Yet
django-redis (IGNORE_EXCEPTIONS with DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS: "Exception ignored")
and pybreaker's Redis storage ("RedisError: ...") log each failed call at ERROR with a chained
traceback. Wired in settings.LOGGING on those libraries' loggers, this turns such a record into
one WARNING line naming the error, and keeps further ones of the same logger quiet for a while
(a process under load fails hundreds of calls per second during an outage). Records that are not
about Redis being out of reach pass unchanged.

It must not import Django (settings.LOGGING loads it while settings are configured).
"""

from __future__ import annotations

import logging
import threading
import time

from celery.beat import SchedulingError
from django_redis.exceptions import ConnectionInterrupted

from islands.cache_system.errors import REDIS_DOWN_ERRORS

# Loggers of the libraries that report outages with tracebacks: django-redis's default
# DJANGO_REDIS_LOGGER, pybreaker's CircuitRedisStorage, and Celery beat's "Message Error:
# Couldn't apply scheduled task" (the broker is the same Redis).
REDIS_OUTAGE_LOGGERS = ("django_redis.cache", "pybreaker", "celery.beat")
_WRAPPERS = (ConnectionInterrupted, SchedulingError)


def redis_outage(exc: BaseException | None) -> BaseException | None:
    """The connection error behind `exc` (itself, or what it was raised from) when it means Redis
    is out of reach, else None."""
    for _ in range(5):
        if exc is None:
            return None
        if isinstance(exc, REDIS_DOWN_ERRORS):
            return exc
        # Wrappers raised while handling the outage (not `from` it) name it as their context.
        exc = exc.__cause__ or (exc.__context__ if isinstance(exc, _WRAPPERS) else None)
    return None


class RedisOutageAsWarning(logging.Filter):
    """An error record caused by Redis being out of reach: one WARNING line per logger per window."""

    def __init__(self, name: str = "", quiet_seconds: float = 30.0) -> None:
        super().__init__(name)
        self.quiet_seconds = quiet_seconds
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        cause = redis_outage(record.exc_info[1] if record.exc_info else None)
        if cause is None:
            return True
        now = time.monotonic()
        with self._lock:
            if now - self._last.get(record.name, -self.quiet_seconds) < self.quiet_seconds:
                return False
            self._last[record.name] = now
        # Only the first line: Celery beat appends a formatted stack to its message.
        what = record.getMessage().split("\n", 1)[0]
        record.msg = "Redis unreachable (%s: %s): %s; answering from what is known (repeats muted %.0f s)"
        record.args = (type(cause).__name__, cause, what, self.quiet_seconds)
        record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        record.exc_info = record.exc_text = None
        return True
