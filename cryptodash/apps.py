"""The project's own app config: it creates the Celery app when Django starts.

Celery's Django recipe imports the app in the project package's `__init__`, so that
`shared_task`s and `celery.current_app` (the summary API's refresh, the health page's worker
ping) use it in every Django process. Here it happens in `ready()` instead, so that importing
`cryptodash` alone (the launcher, its supervisors) does not pay for Celery.
"""

from django.apps import AppConfig


class CryptodashConfig(AppConfig):
    name = "cryptodash"
    verbose_name = "cryptodash"

    def ready(self) -> None:
        import cryptodash.celery  # noqa: F401, PLC0415 - creates the app (see above)
