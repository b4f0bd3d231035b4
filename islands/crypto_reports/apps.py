"""crypto_reports island (L5): research reports on table crypto_report, their pages, feeds and admin."""

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class CryptoReportsConfig(AppConfig):
    name = "islands.crypto_reports"
    label = "crypto_reports"
    verbose_name = "Crypto reports"

    def ready(self) -> None:
        # Models and receivers exist only once the app registry is ready.
        from islands.crypto_reports.models import Report  # noqa: PLC0415 - needs the ready registry
        from islands.crypto_reports.signals import report_changed  # noqa: PLC0415 - imports the page cache, which needs settings

        post_save.connect(report_changed, sender=Report, dispatch_uid="crypto_reports.page_cache.save")
        post_delete.connect(report_changed, sender=Report, dispatch_uid="crypto_reports.page_cache.delete")
