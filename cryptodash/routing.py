"""WebSocket routes of every island, gathered for the ASGI router."""

from django.urls import re_path

from islands.websocket_service.consumers import UnknownPathConsumer
from islands.websocket_service.routing import websocket_urlpatterns as websocket_service_urls

websocket_urlpatterns: list = [
    *websocket_service_urls,
    # Last: any other path is refused at the handshake instead of raising in the router.
    re_path(r"", UnknownPathConsumer.as_asgi()),
]
