"""App config of the shared_components island (L1): layout, i18n and formatting helpers."""

from django.apps import AppConfig


class SharedComponentsConfig(AppConfig):
    name = "islands.shared_components"
    label = "shared_components"
    verbose_name = "Shared components"
