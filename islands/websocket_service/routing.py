"""WebSocket routes of the websocket_service island."""

from django.urls import path

from islands.websocket_service.consumers import LiveConsumer

websocket_urlpatterns = [
    path("ws", LiveConsumer.as_asgi()),
]
