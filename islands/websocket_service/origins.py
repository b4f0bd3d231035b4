"""The /ws handshake's origin check: scheme, host and port against settings.WS_ALLOWED_ORIGINS.

Channels' OriginValidator compares all three when the allowed entry has a scheme (every entry of
WS_ALLOWED_ORIGINS does, cryptodash/env.py checks it at start-up); its ALLOWED_HOSTS flavour, used
before, ignores ports. Two things are changed here: an Origin urllib cannot parse (a port that
is not a number, `http://localhost:8050.evil.example`, or an unclosed `[`) raised ValueError,
ending the handshake in a traceback, and is now refused like any other; and a refused handshake no longer gets a
channel-layer channel (with its Redis receive) just to be closed. No I/O, nothing else.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from channels.generic.websocket import AsyncWebsocketConsumer
from channels.security.websocket import OriginValidator


class OriginRefused(AsyncWebsocketConsumer):
    """Closes before accepting: the server answers the handshake with 403."""

    channel_layer_alias = "websocket_service.sockets_have_no_layer"

    async def connect(self) -> None:
        await self.close()


class StrictOriginValidator(OriginValidator):
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] != "websocket":
            raise ValueError("the origin check is for WebSocket connections only")
        origin = None
        for name, value in scope.get("headers", []):
            if name == b"origin":
                try:
                    origin = urlparse(value.decode("latin-1"))
                except ValueError:  # "http://[::1": refused like a missing origin
                    origin = None
        if self.valid_origin(origin):
            return await self.application(scope, receive, send)
        return await OriginRefused()(scope, receive, send)

    def valid_origin(self, parsed_origin: Any) -> bool:
        try:
            return super().valid_origin(parsed_origin)
        except ValueError:  # a port that is not a number, or out of range
            return False
