from django.apps import AppConfig


class CacheSystemConfig(AppConfig):
    name = "islands.cache_system"
    label = "cache_system"
    verbose_name = "Cache system"
