"""Each library's Redis settings derived from one place: REDIS_URL alone, or REDIS_SENTINELS.

The failover itself (every process following a new primary) is tests/test_sentinel_failover.py.
"""

from __future__ import annotations

import pytest
import redis.sentinel
from channels_redis.utils import create_pool
from django.core.exceptions import ImproperlyConfigured
from redis.asyncio.sentinel import SentinelConnectionPool

from islands.cache_system.breaker import ROLE_REQUEST
from islands.cache_system.coordination import limiter_storage
from islands.cache_system.redis_client import redis_client, redis_clients_reset
from islands.cache_system.topology import RedisTopology, sentinel_nodes

URL = "redis://app:p%40ss@cryptodash/3"
NODES = (("127.0.0.1", 26379), ("10.0.0.2", 26380))


def sentinel() -> RedisTopology:
    return RedisTopology(url=URL, sentinels=NODES, master="cryptodash", sentinel_password="spw", connect_timeout=0.3)


def test_sentinel_nodes_parse_and_refuse_bad_entries():
    assert sentinel_nodes("127.0.0.1:26379, [::1]:26380,") == (("127.0.0.1", 26379), ("::1", 26380))
    assert sentinel_nodes("") == ()
    for bad in ("127.0.0.1", "host:port", ":26379", "h:70000"):
        with pytest.raises(ImproperlyConfigured, match="REDIS_SENTINELS"):
            sentinel_nodes(bad)


def test_without_sentinels_every_library_gets_the_url():
    topology = RedisTopology(url=URL)
    assert topology.django_cache({"A": 1}) == (URL, {"A": 1})
    assert topology.channel_host(socket_timeout=10) == {"address": URL, "socket_timeout": 10}
    assert topology.celery_broker() == (URL, {})


def test_data_credentials_and_db_come_from_the_url():
    assert sentinel().credentials() == {"db": 3, "username": "app", "password": "p@ss"}
    assert RedisTopology(url="redis://h:1", sentinels=NODES).credentials() == {"db": 0}


def test_sentinels_get_their_password_and_timeouts():
    # Passing sentinel_kwargs stops redis-py from copying socket timeouts to the sentinel connections.
    assert sentinel().sentinel_kwargs() == {"socket_connect_timeout": 0.3, "socket_timeout": 0.3, "password": "spw"}


def test_django_redis_names_the_service_and_stays_on_the_primary():
    location, options = sentinel().django_cache({"CLIENT_CLASS": "django_redis.client.DefaultClient"})
    assert location == "redis://app:p%40ss@cryptodash/3"
    assert options["CLIENT_CLASS"] == "django_redis.client.DefaultClient"
    assert options["CONNECTION_FACTORY"] == "django_redis.pool.SentinelConnectionFactory"
    assert options["SENTINELS"] == [["127.0.0.1", 26379], ["10.0.0.2", 26380]]
    assert options["SENTINEL_KWARGS"]["password"] == "spw"


def test_channel_layer_host_is_a_sentinel_pool():
    host = sentinel().channel_host(socket_timeout=10)
    assert host["sentinels"] == list(NODES) and host["master_name"] == "cryptodash"
    assert (host["password"], host["db"], host["socket_timeout"]) == ("p@ss", 3, 10)
    pool = create_pool(host)
    assert isinstance(pool, SentinelConnectionPool)
    assert pool.sentinel_manager.sentinel_kwargs["password"] == "spw"


def test_celery_broker_lists_every_sentinel_with_the_data_password():
    url, options = sentinel().celery_broker()
    assert url == "sentinel://app:p%40ss@127.0.0.1:26379/3;sentinel://app:p%40ss@10.0.0.2:26380/3"
    assert options == {"master_name": "cryptodash", "sentinel_kwargs": sentinel().sentinel_kwargs()}


def test_the_repr_shown_in_error_reports_has_no_password():
    assert "p%40ss" not in repr(sentinel()) and "spw" not in repr(sentinel())


def test_tls_or_no_service_name_with_sentinels_is_refused():
    with pytest.raises(ImproperlyConfigured, match="redis://"):
        RedisTopology(url="rediss://h/0", sentinels=NODES)
    with pytest.raises(ImproperlyConfigured, match="REDIS_SENTINEL_MASTER"):
        RedisTopology(url=URL, sentinels=NODES, master="")


def test_the_shared_client_and_the_limiter_storage_follow_the_sentinels(settings):
    """pybreaker's storage is built on this same client too (coordination.breaker_storage); it writes
    at construction, so it is not built here, without a reachable primary."""
    settings.REDIS_URL = URL
    settings.REDIS_SENTINELS = NODES
    settings.REDIS_SENTINEL_MASTER = "cryptodash"
    redis_clients_reset()
    # Built without a round trip: the pool asks the sentinels for the primary on its first connection.
    pool = redis_client().connection_pool
    assert isinstance(pool, redis.sentinel.SentinelConnectionPool)
    assert pool.service_name == "cryptodash" and pool.is_master
    assert pool.connection_kwargs["password"] == "p@ss" and pool.connection_kwargs["db"] == 3
    # Each role has a pool of its own (breaker.py); the limiters use the request role's.
    request_pool = redis_client(ROLE_REQUEST).connection_pool
    assert isinstance(request_pool, redis.sentinel.SentinelConnectionPool) and request_pool.service_name == "cryptodash"
    assert limiter_storage(key_prefix="t").storage.connection_pool is request_pool
    redis_clients_reset()
