from django.apps import AppConfig


class SharedComponentsConfig(AppConfig):
    name = "islands.shared_components"
    label = "shared_components"
    verbose_name = "Shared components"
