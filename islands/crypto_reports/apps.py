"""crypto_reports island (L5): research reports on table crypto_report, their pages, feeds and admin."""

from django.apps import AppConfig


class CryptoReportsConfig(AppConfig):
    name = "islands.crypto_reports"
    label = "crypto_reports"
    verbose_name = "Crypto reports"
