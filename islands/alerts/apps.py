"""App config of the alerts island: price and indicator alerts, their evaluation and delivery,
and the watchlist."""

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "islands.alerts"
    label = "alerts"
    verbose_name = "Alerts"
