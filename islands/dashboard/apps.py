from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "islands.dashboard"
    label = "dashboard"
    verbose_name = "Dashboard"
