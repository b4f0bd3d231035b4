"""Where Redis is: one URL, or a primary found through Sentinel, and each library's settings for it.

`REDIS_URL` always carries the data credentials (user, password, percent-encoded) and the
database number. Without `REDIS_SENTINELS` its host and port are the server. With
`REDIS_SENTINELS=host:port,...` the host and port of `REDIS_URL` are not used: every client asks
the sentinels for the current primary of service `REDIS_SENTINEL_MASTER`, authenticating to the
sentinels with `REDIS_SENTINEL_PASSWORD`, and to the data nodes with the URL's password.

`RedisTopology` turns that into what each library expects (django-redis, channels_redis, Celery's
broker; redis-py for cache_system's own clients, in redis_client.py), so the settings and the
launcher derive every client from one place. The settings import this module: it must not import
Django's settings, redis-py or anything that does.

Sentinel bites (from the libraries' code):
- redis-py copies the `socket_*` timeouts to the sentinel connections only when no
  `sentinel_kwargs` is given; channels_redis and Celery pass none of their own connection
  kwargs there. So the sentinels' password *and* timeouts always travel in `sentinel_kwargs`.
- django-redis: `DefaultClient` with the `SentinelConnectionFactory` stays on the primary
  (`SentinelClient` would read from replicas, possibly stale).
- TLS (`rediss://`) with Sentinel is refused: django-redis's Sentinel factory cannot take it
  (django-redis#663).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured


def sentinel_nodes(value: str) -> tuple[tuple[str, int], ...]:
    """`host:port,host:port` (IPv6 as `[::1]:26379`) → ((host, port), ...); empty: no Sentinel."""
    nodes = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        host, sep, port = item.rpartition(":")
        host = host.strip("[]")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ImproperlyConfigured(f"REDIS_SENTINELS: {item!r} is not host:port")
        nodes.append((host, int(port)))
    return tuple(nodes)


@dataclass(frozen=True)
class RedisTopology:
    # Both carry passwords: left out of the repr, which Django's error reports show for settings.
    url: str = field(repr=False)
    sentinels: tuple[tuple[str, int], ...] = ()
    master: str = "mymaster"
    sentinel_password: str | None = field(default=None, repr=False)
    connect_timeout: float = 0.5
    socket_timeout: float = 2.0

    def __post_init__(self) -> None:
        if self.sentinels:
            if urlsplit(self.url).scheme != "redis":
                raise ImproperlyConfigured("REDIS_SENTINELS needs a redis:// REDIS_URL (no TLS or unix socket)")
            if not self.master:
                raise ImproperlyConfigured("REDIS_SENTINEL_MASTER must name the service when REDIS_SENTINELS is set")

    @property
    def uses_sentinel(self) -> bool:
        return bool(self.sentinels)

    def credentials(self) -> dict[str, Any]:
        """The data nodes' username/password and the database number, from REDIS_URL."""
        parts = urlsplit(self.url)
        db_text = parts.path.lstrip("/") or parse_qs(parts.query).get("db", ["0"])[0]
        try:
            db = int(db_text)
        except ValueError:
            raise ImproperlyConfigured(f"REDIS_URL: database {db_text!r} is not a number") from None
        found: dict[str, Any] = {"db": db}
        if parts.username:
            found["username"] = unquote(parts.username)
        if parts.password is not None:
            found["password"] = unquote(parts.password)
        return found

    def sentinel_kwargs(self) -> dict[str, Any]:
        """Connection settings for the sentinels themselves: their password and short timeouts
        (a sentinel that does not answer is skipped for the next one)."""
        kwargs: dict[str, Any] = {
            "socket_connect_timeout": self.connect_timeout,
            "socket_timeout": self.connect_timeout,
        }
        if self.sentinel_password:
            kwargs["password"] = self.sentinel_password
        return kwargs

    # --- each library's configuration ---------------------------------------------------------
    def django_cache(self, options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """django-redis LOCATION and OPTIONS (`options`: the cache's own, kept)."""
        if not self.uses_sentinel:
            return self.url, options
        parts = urlsplit(self.url)
        userinfo = parts.netloc.rpartition("@")[0]
        # The host part names the service; DefaultClient keeps every command on the primary.
        location = f"redis://{userinfo + '@' if userinfo else ''}{self.master}/{self.credentials()['db']}"
        return location, {
            **options,
            "CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory",
            "SENTINELS": [list(node) for node in self.sentinels],
            "SENTINEL_KWARGS": self.sentinel_kwargs(),
        }

    def channel_host(self, **kwargs: Any) -> dict[str, Any]:
        """One channels_redis host entry; `kwargs` are connection settings (timeouts)."""
        if not self.uses_sentinel:
            return {"address": self.url, **kwargs}
        return {
            "sentinels": list(self.sentinels),
            "master_name": self.master,
            "sentinel_kwargs": self.sentinel_kwargs(),
            **self.credentials(),
            **kwargs,
        }

    def celery_broker(self) -> tuple[str, dict[str, Any]]:
        """Celery's broker URL and broker_transport_options.

        Every `sentinel://` chunk carries the data credentials: kombu takes them from whichever
        chunk it is connected through after a failover of its own. The sentinels' password goes
        in sentinel_kwargs only (celery PR#6551)."""
        if not self.uses_sentinel:
            return self.url, {}
        parts = urlsplit(self.url)
        userinfo = parts.netloc.rpartition("@")[0]
        prefix = f"{userinfo}@" if userinfo else ""
        db = self.credentials()["db"]
        url = ";".join(f"sentinel://{prefix}{_netloc(host, port)}/{db}" for host, port in self.sentinels)
        return url, {"master_name": self.master, "sentinel_kwargs": self.sentinel_kwargs()}


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
