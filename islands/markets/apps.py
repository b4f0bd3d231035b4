"""App config of the markets island (L5): the market table, a page per coin, their JSON APIs."""

from django.apps import AppConfig


class MarketsConfig(AppConfig):
    name = "islands.markets"
    label = "markets"
    verbose_name = "Markets"
