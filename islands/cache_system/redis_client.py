"""Process-wide redis-py clients with short timeouts (one connection pool per process).

Only cache_system imports this module (a contract in pyproject.toml): other islands use the
functions of selectors, services, coordination and the stores.
"""

from __future__ import annotations

import threading

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

# The client and the errors that mean it cannot reach Redis travel together inside this island.
from islands.cache_system.errors import REDIS_DOWN_ERRORS

__all__ = ["REDIS_DOWN_ERRORS", "redis_client", "redis_clients_reset"]

_lock = threading.Lock()
_clients: dict[str, redis.Redis] = {}


def redis_client() -> redis.Redis:
    """The shared client (bytes in, bytes out) for settings.REDIS_URL."""
    url = settings.REDIS_URL
    client = _clients.get(url)
    if client is None:
        with _lock:
            client = _clients.get(url)
            if client is None:
                client = redis.Redis.from_url(
                    url,
                    socket_connect_timeout=settings.REDIS_SOCKET_CONNECT_TIMEOUT,
                    socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
                    health_check_interval=30,
                    # One immediate retry covers a pooled connection that went stale when Redis
                    # restarted; anything longer is the fallback store's job, not a request's wait.
                    retry=Retry(NoBackoff(), 1),
                )
                _clients[url] = client
    return client


def redis_clients_reset() -> None:
    """Drop cached clients (tests that point REDIS_URL at another server)."""
    with _lock:
        for client in _clients.values():
            client.close()
        _clients.clear()
