"""App config of the dashboard island (L5): home page and dashboard JSON API."""

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "islands.dashboard"
    label = "dashboard"
    verbose_name = "Dashboard"
