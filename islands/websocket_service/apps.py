"""The websocket_service island (L3): the /ws consumer, the per-process fan-out hub and the stream relay."""

from django.apps import AppConfig


class WebsocketServiceConfig(AppConfig):
    name = "islands.websocket_service"
    label = "websocket_service"
    verbose_name = "WebSocket service"

    def ready(self) -> None:
        from islands.websocket_service import signals  # noqa: F401, PLC0415 - connects the log-out receiver
