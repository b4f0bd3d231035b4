"""django-redis's client with the "cache" role's breaker in front of every call (breaker.py).

django-redis with IGNORE_EXCEPTIONS turns a Redis outage into misses, but each miss still waits
CACHE_SOCKET_TIMEOUT, and redis-py's default retry waits it again. This client hands every pooled
connection the role's GuardedRetry: after one timeout, cache calls skip Redis (misses at once)
until the breaker's probe gets an answer. It only adds to the pool's keyword arguments, so the
connection factory (a plain URL or Sentinel) stays whatever the settings name.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.base import BaseCache
from django_redis.client import DefaultClient

from islands.cache_system.breaker import ROLE_CACHE, GuardedRetry, breaker


class GuardedCacheClient(DefaultClient):
    def __init__(self, server: Any, params: dict[str, Any], backend: BaseCache) -> None:
        options = dict(params.get("OPTIONS", {}))
        options["CONNECTION_POOL_KWARGS"] = {
            **options.get("CONNECTION_POOL_KWARGS", {}),
            "retry": GuardedRetry(ROLE_CACHE),
        }
        super().__init__(server, {**params, "OPTIONS": options}, backend)
        # The probe that closes the breaker again pings through this client's own pool.
        breaker(ROLE_CACHE).attach(lambda: self.get_client(write=True).ping())
