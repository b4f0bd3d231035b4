"""Process-wide redis-py clients with short timeouts (one connection pool per role and process).

Roles (islands/cache_system/breaker.py): "request" for the reads a request waits on
(REDIS_REQUEST_TIMEOUT), "worker" for writes, locks and consumer groups (REDIS_SOCKET_TIMEOUT,
above the blocking XREADGROUP). Each role's calls go through its breaker.

Only cache_system imports this module (a contract in pyproject.toml): other islands use the
functions of selectors, services, coordination and the stores.
"""

from __future__ import annotations

import threading

import redis
from django.conf import settings

from islands.cache_system.breaker import ROLE_REQUEST, ROLE_WORKER, GuardedRetry, breaker, breakers_reset

# The client and the errors that mean it cannot reach Redis travel together inside this island.
from islands.cache_system.errors import REDIS_DOWN_ERRORS

__all__ = ["REDIS_DOWN_ERRORS", "redis_client", "redis_clients_reset"]

_lock = threading.Lock()
_clients: dict[tuple[str, str], redis.Redis] = {}


def redis_client(role: str = ROLE_WORKER) -> redis.Redis:
    """The shared client (bytes in, bytes out) of `role` for settings.REDIS_URL."""
    url = settings.REDIS_URL
    client = _clients.get((url, role))
    if client is None:
        with _lock:
            client = _clients.get((url, role))
            if client is None:
                client = redis.Redis.from_url(
                    url,
                    socket_connect_timeout=settings.REDIS_SOCKET_CONNECT_TIMEOUT,
                    socket_timeout=_ROLE_TIMEOUTS[role](),
                    health_check_interval=30,
                    # One immediate retry covers a pooled connection that went stale when Redis
                    # restarted; a timeout opens the role's breaker instead (breaker.py).
                    retry=GuardedRetry(role),
                )
                breaker(role).attach(client.ping)
                _clients[(url, role)] = client
    return client


_ROLE_TIMEOUTS = {
    ROLE_REQUEST: lambda: settings.REDIS_REQUEST_TIMEOUT,
    ROLE_WORKER: lambda: settings.REDIS_SOCKET_TIMEOUT,
}


def redis_clients_reset() -> None:
    """Drop cached clients (tests that point REDIS_URL at another server)."""
    with _lock:
        for client in _clients.values():
            client.close()
        _clients.clear()
    breakers_reset()
