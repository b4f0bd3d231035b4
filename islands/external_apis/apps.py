"""external_apis island (L2): upstream clients, quotas, retries, circuit breakers, the aggregator.

It calls the upstream HTTP APIs and merges their answers into the dashboard summary; every
storage goes through the cache_system island (L1). It renders no HTTP of its own.
"""

from django.apps import AppConfig


class ExternalApisConfig(AppConfig):
    name = "islands.external_apis"
    label = "external_apis"
    verbose_name = "External APIs"

    def ready(self) -> None:
        from islands.external_apis import signals
        from islands.external_apis.redaction import redaction_install

        redaction_install()
        signals.connect()
