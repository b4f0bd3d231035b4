"""App config of the health_system island (L4): health checks and metrics."""

from django.apps import AppConfig


class HealthSystemConfig(AppConfig):
    name = "islands.health_system"
    label = "health_system"
    verbose_name = "Health system"
