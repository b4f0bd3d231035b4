"""What cache_system raises, and the errors other islands catch when Redis is out of reach.

Callers outside this island catch `REDIS_DOWN_ERRORS` instead of importing redis-py's exception
classes: the store behind cache_system stays this island's business.
"""

from __future__ import annotations

import socket

import redis

# Errors that mean "Redis is not there right now", as opposed to a wrong command.
REDIS_DOWN_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    OSError,
)
# Of those, the ones that mean "asked, and no answer within the timeout": the wait already
# happened, so a caller that retries need not wait again first.
REDIS_TIMEOUT_ERRORS: tuple[type[BaseException], ...] = (redis.exceptions.TimeoutError, socket.timeout)


class StoreUnavailable(Exception):
    """Redis is down and the operation (consumer groups, locks) has no in-process equivalent."""


class LockLost(Exception):
    """A shared lock expired or another holder took it: whatever it guarded is no longer ours."""
