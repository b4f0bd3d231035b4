"""WebSocket routes of every island, gathered for the ASGI router."""

websocket_urlpatterns: list = []
