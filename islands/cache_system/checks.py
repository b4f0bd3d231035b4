"""Start-up check of the Redis credentials, run once by each web process (cryptodash/asgi.py).

A REDIS_URL without the server's password (or with a wrong one) must stop the process with a clear
message: django-redis's IGNORE_EXCEPTIONS would otherwise turn every cache read into a silent miss
(AuthenticationError is a ConnectionError). Redis merely being down is not fatal: the stores fall
back and recover, so that is only logged. The message never contains the URL or its password.
"""

from __future__ import annotations

import logging

import redis
from django.core.exceptions import ImproperlyConfigured

from islands.cache_system.redis_client import REDIS_DOWN_ERRORS, redis_client

log = logging.getLogger(__name__)


def redis_credentials_check() -> None:
    try:
        redis_client().ping()
    except redis.AuthenticationError as exc:
        raise ImproperlyConfigured(
            f"Redis refused the credentials in REDIS_URL ({exc}): it needs the server's password, "
            "percent-encoded (redis://:PASSWORD@host:port/db or rediss:// with TLS)"
        ) from None
    except REDIS_DOWN_ERRORS as exc:
        log.warning("Redis is not reachable at start-up (%s); serving from the fallbacks until it is", exc)
