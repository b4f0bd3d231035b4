"""manage.py import_report: store one report from files (a folder, or one file per part)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from islands.crypto_reports.files import REPORT_FILES, report_file_read, report_folder_read
from islands.crypto_reports.services import report_create

_OPTIONS = {
    "html_content": "html",
    "html_content_en": "html_en",
    "css_content": "css",
    "js_content": "js",
    "js_content_en": "js_en",
}


class Command(BaseCommand):
    help = (
        "Import a report from files: --dir FOLDER (with "
        + ", ".join(REPORT_FILES.values())
        + ") or --html FILE [--html-en FILE] [--css FILE] [--js FILE] [--js-en FILE]. Prints the new id."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, help="folder in the seed layout")
        parser.add_argument("--html", type=Path, help="Vietnamese HTML body (required without --dir)")
        parser.add_argument("--html-en", type=Path, help="English HTML body")
        parser.add_argument("--css", type=Path, help="stylesheet")
        parser.add_argument("--js", type=Path, help="script for the Vietnamese body")
        parser.add_argument("--js-en", type=Path, help="script for the English body")
        parser.add_argument("--created-at", help="ISO 8601 time with offset (default: now)")

    def handle(self, *args, **options) -> None:
        created_at = self._created_at(options["created_at"])
        try:
            if options["dir"]:
                fields = report_folder_read(directory=options["dir"])
            elif options["html"]:
                fields = {
                    field: report_file_read(options[option])
                    for field, option in _OPTIONS.items()
                    if options[option] is not None
                }
            else:
                raise CommandError("give --dir FOLDER or --html FILE")
            # Explicit files override the folder's.
            for field, option in _OPTIONS.items():
                if options["dir"] and options[option] is not None:
                    fields[field] = report_file_read(options[option])
            report = report_create(**fields, created_at=created_at)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(str(report.id))

    @staticmethod
    def _created_at(value: str | None) -> datetime | None:
        if value is None:
            return None
        parsed = parse_datetime(value)
        if parsed is None or parsed.tzinfo is None:
            raise CommandError(f"--created-at {value!r}: ISO 8601 with an offset, e.g. 2026-11-26T08:00:00Z")
        return parsed
