"""WebSocket routes of every island, gathered for the ASGI router."""

from islands.websocket_service.routing import websocket_urlpatterns as websocket_service_urls

websocket_urlpatterns: list = [*websocket_service_urls]
