from django.apps import AppConfig


class WebsocketServiceConfig(AppConfig):
    name = "islands.websocket_service"
    label = "websocket_service"
    verbose_name = "WebSocket service"
