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
        # Django's documented place: apps.py is imported while the app registry is still being
        # filled, so the island's modules are imported only once it is ready.
        from islands.external_apis import signals  # noqa: PLC0415 - see above
        from islands.external_apis.redaction import redaction_install  # noqa: PLC0415 - see above

        redaction_install()
        signals.connect()
