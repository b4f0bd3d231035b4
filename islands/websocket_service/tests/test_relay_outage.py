"""The relay and the hub outlive a Redis outage (restart without data) and deliver again after it."""

from __future__ import annotations

import asyncio
import copy
import threading

import redis
from channels.layers import channel_layers
from django.conf import settings as django_settings

from islands.cache_system.redis_client import redis_clients_reset
from islands.cache_system.services import summary_store
from islands.cache_system.stores import stores_reset, stream_store
from islands.websocket_service.relay import Relay
from islands.websocket_service.tests.conftest import connected, hub_joined, receive, summary


async def wait_until(check, what: str, seconds: float = 15) -> None:
    for _ in range(int(seconds / 0.05)):
        if await asyncio.to_thread(check):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never: {what}")


async def test_the_relay_resumes_delivering_after_redis_comes_back_empty(redis_server_factory, settings):
    server = redis_server_factory()
    settings.REDIS_URL = server.url
    layers = copy.deepcopy(django_settings.CHANNEL_LAYERS)
    host = layers["default"]["CONFIG"]["hosts"][0]
    # The test's own server, also when the suite runs on Sentinel (then the entry names sentinels).
    timeouts = {name: host[name] for name in ("socket_timeout", "socket_connect_timeout")}
    layers["default"]["CONFIG"]["hosts"][0] = {"address": server.url, **timeouts}
    settings.CHANNEL_LAYERS = layers
    settings.REDIS_RECONNECT_INTERVAL = 0.1
    # Short pauses: a slow restart on a loaded machine must not leave the next try seconds away.
    settings.CONSUMER_BACKOFF_MAX_S = 0.5
    stores_reset()
    redis_clients_reset()
    channel_layers.backends.clear()
    conn = redis.Redis.from_url(server.url)
    comm, _ = await connected()
    await hub_joined(conn)
    relay = Relay(layer=channel_layers["default"], name="relay-outage", block_ms=50)
    await relay.run_once()
    stop = threading.Event()
    task = asyncio.create_task(relay.run(stop=stop))

    before = summary_store(summary=summary(1))
    assert (await receive(comm, timeout=5))["stream_id"] == before

    server.stop()
    await asyncio.sleep(0.5)
    server.start()  # same port, no data: streams, groups and layer memberships are gone
    await wait_until(lambda: stream_store().mode == "redis", "the store left fallback mode")
    await wait_until(lambda: stream_store().group_info("crypto:market_data"), "the relay re-created its group")
    await wait_until(lambda: conn.zcard(f"{channel_layers['default'].prefix}:group:live") == 1, "the hub re-joined")

    after = summary_store(summary=summary(2))
    assert (await receive(comm, timeout=10))["stream_id"] == after
    stop.set()
    await task
    await comm.disconnect()
    conn.close()
