"""manage.py seed_reports: load the sample reports once, into an empty crypto_report table.

Idempotent: when the table holds any report (seeded, written by staff or by the generator) it
does nothing, so `make run` can call it on every start without duplicating or mixing samples
into real data.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from islands.crypto_reports.files import report_folder_read, seed_folders
from islands.crypto_reports.models import Report
from islands.crypto_reports.services import report_create


class Command(BaseCommand):
    help = "Load the sample reports (islands/crypto_reports/seed/) when crypto_report is empty."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            existing = Report.objects.count()
            if existing:
                self.stdout.write(f"crypto_report already holds {existing} report(s): nothing seeded")
                return
            folders = seed_folders()
            now = timezone.now()
            # Oldest first, a day apart, so the newest sample is the latest report.
            for age, folder in zip(range(len(folders) - 1, -1, -1), folders, strict=True):
                report = report_create(**report_folder_read(directory=folder), created_at=now - timedelta(days=age))
                self.stdout.write(f"seeded report {report.id} from {folder.name}")
