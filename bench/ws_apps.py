"""The two baselines bench/ws_fanout.py serves beside the project's own /ws (never used by the site).

  groups_app   Channels' default: every socket joins the layer group itself and the layer delivers
               the relay's message to each socket's channel (one Redis pop + dispatch per socket).
  direct_app   The floor: no channel layer and no relay; one task per web process XREADs the
               stream and writes each entry, serialised once, to its own sockets.

Both send the same frames as the project (islands/websocket_service/frames.py).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cryptodash.settings")
django.setup()

import redis.asyncio as aioredis  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from django.conf import settings  # noqa: E402

from islands.cache_system.streams import StreamEntry  # noqa: E402
from islands.websocket_service import frames  # noqa: E402

# One layer connection per socket joining or leaving at once: raise redis-py's pool bound of 100.
for _host in settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"]:
    _host["max_connections"] = 4_000


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


class GroupConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        await self.accept()
        await self.channel_layer.group_add(settings.WS_GROUP, self.channel_name)

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(settings.WS_GROUP, self.channel_name)

    async def live_frame(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["frame"])


_group_consumer = GroupConsumer.as_asgi()


async def groups_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    await _group_consumer(scope, receive, send)


class DirectFloor:
    def __init__(self) -> None:
        self.sockets: set[Any] = set()
        self.task: asyncio.Task | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self.pump())
        self.sockets.add(send)
        try:
            while (await receive())["type"] != "websocket.disconnect":
                pass
        finally:
            self.sockets.discard(send)

    async def pump(self) -> None:
        client = aioredis.from_url(settings.REDIS_URL, socket_timeout=10)
        stream = settings.STREAM_MARKET_DATA
        last = "$"
        while True:
            reply = await client.xread({stream: last}, block=1_000, count=100)
            for _, entries in reply or []:
                for entry_id, fields in entries:
                    entry = StreamEntry.from_redis(entry_id, fields)
                    last = entry.id
                    message = {"type": "websocket.send", "text": frames.frame_entry(stream=stream, entry=entry)}
                    for send in list(self.sockets):
                        await send(message)


direct_app = DirectFloor()
