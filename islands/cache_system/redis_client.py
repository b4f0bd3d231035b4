"""Process-wide redis-py clients with short timeouts (one connection pool per role and process).

Roles (islands/cache_system/breaker.py): "request" for the reads a request waits on
(REDIS_REQUEST_TIMEOUT), "worker" for writes, locks and consumer groups (REDIS_SOCKET_TIMEOUT,
above the blocking XREADGROUP). Each role's calls go through its breaker.

`redis_connect()` is the one place a client is constructed: on REDIS_URL, or on the primary that
the sentinels name (REDIS_SENTINELS...; islands/cache_system/topology.py). A Sentinel client asks
the sentinels on every new connection and turns a demoted primary's READONLY into a
ConnectionError; the shared one is also watched (`PrimaryWatch`), so pooled connections to an old
primary are dropped. Callers see a failover as a short outage (REDIS_DOWN_ERRORS) and the next
call reaches the new primary.

Only cache_system imports this module (a contract in pyproject.toml): other islands use the
functions of selectors, services, coordination and the stores.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import redis
from django.conf import settings
from redis.sentinel import Sentinel

from islands.cache_system.breaker import ROLE_REQUEST, ROLE_WORKER, GuardedRetry, breaker, breakers_reset

# The client and the errors that mean it cannot reach Redis travel together inside this island.
from islands.cache_system.errors import REDIS_DOWN_ERRORS
from islands.cache_system.topology import RedisTopology

__all__ = ["REDIS_DOWN_ERRORS", "redis_client", "redis_clients_reset", "redis_connect", "redis_topology"]

_lock = threading.Lock()
_clients: dict[tuple, redis.Redis] = {}
_watches: dict[tuple, PrimaryWatch] = {}


def redis_topology() -> RedisTopology:
    """Where the settings say Redis is (read each time: tests point them at other servers)."""
    return RedisTopology(
        url=settings.REDIS_URL,
        sentinels=settings.REDIS_SENTINELS,
        master=settings.REDIS_SENTINEL_MASTER,
        sentinel_password=settings.REDIS_SENTINEL_PASSWORD or None,
        connect_timeout=settings.REDIS_SOCKET_CONNECT_TIMEOUT,
    )


def redis_connect(topology: RedisTopology, **kwargs: Any) -> redis.Redis:
    """A new client (with its own pool) on the server, or the current primary, of `topology`."""
    if not topology.uses_sentinel:
        return redis.Redis.from_url(topology.url, **kwargs)
    sentinel = Sentinel(topology.sentinels, sentinel_kwargs=topology.sentinel_kwargs(), **topology.credentials())
    return sentinel.master_for(topology.master, **kwargs)


class PrimaryWatch(threading.Thread):
    """Asks the sentinels for the primary every `interval` seconds on behalf of one Sentinel pool.

    The pool asks only when it opens a connection. A pooled connection to an old primary that
    answers again (after a pause or a partition rather than a crash) would keep writing to it
    until the sentinels demote it, seconds later, and those writes are lost with the demotion.
    When the answer changes the pool drops its idle connections, and the busy ones are dropped
    when released (SentinelConnectionPool.owns_connection).
    """

    def __init__(self, client: redis.Redis, interval: float) -> None:
        super().__init__(name="redis-primary-watch", daemon=True)
        self.pool = client.connection_pool
        self.interval = interval
        self.pid = os.getpid()
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            try:
                self.pool.get_master_address()
            except REDIS_DOWN_ERRORS:  # no primary during a failover: the next look will tell
                continue


def redis_client(role: str = ROLE_WORKER) -> redis.Redis:
    """The shared client (bytes in, bytes out) of `role` for the settings' Redis (URL or Sentinel)."""
    key = (settings.REDIS_URL, settings.REDIS_SENTINELS, settings.REDIS_SENTINEL_MASTER, role)
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = redis_connect(
                    redis_topology(),
                    socket_connect_timeout=settings.REDIS_SOCKET_CONNECT_TIMEOUT,
                    socket_timeout=_ROLE_TIMEOUTS[role](),
                    health_check_interval=30,
                    # One immediate retry covers a pooled connection that went stale when Redis
                    # restarted; a timeout opens the role's breaker instead (breaker.py).
                    retry=GuardedRetry(role),
                )
                breaker(role).attach(client.ping)
                _clients[key] = client
    if settings.REDIS_SENTINELS:
        _watch(key, client)
    return client


_ROLE_TIMEOUTS = {
    ROLE_REQUEST: lambda: settings.REDIS_REQUEST_TIMEOUT,
    ROLE_WORKER: lambda: settings.REDIS_SOCKET_TIMEOUT,
}


def _watch(key: tuple, client: redis.Redis) -> None:
    # Per process: a forked child (a Celery pool process) has the client but not the thread.
    watch = _watches.get(key)
    if watch is None or watch.pid != os.getpid():
        with _lock:
            watch = _watches.get(key)
            if watch is None or watch.pid != os.getpid():
                watch = _watches[key] = PrimaryWatch(client, settings.REDIS_SENTINEL_CHECK_INTERVAL)
                watch.start()


def redis_clients_reset() -> None:
    """Drop cached clients (tests that point REDIS_URL or the sentinels at another server)."""
    with _lock:
        for watch in _watches.values():
            watch.stop.set()
        _watches.clear()
        for client in _clients.values():
            client.close()
        _clients.clear()
    breakers_reset()
