"""Writes to crypto_report: create and save reports. Reads live in selectors.py.

Optional columns are stored as NULL when blank, as the old generator does, so "has an English
version" means the same for rows from both writers. It must not render or sanitise content:
reports are stored as written and isolated when shown (content.py, the report document view).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError

from islands.crypto_reports.models import Report

OPTIONAL_FIELDS = ("css_content", "js_content", "html_content_en", "js_content_en")


def report_save(*, report: Report) -> Report:
    """Validate and store report (new or changed); blank optional parts become NULL."""
    if not (report.html_content or "").strip():
        raise ValidationError({"html_content": "A report needs its Vietnamese HTML body."})
    for name in OPTIONAL_FIELDS:
        value = getattr(report, name)
        if value is not None and not value.strip():
            setattr(report, name, None)
    report.full_clean()
    report.save()
    return report


def report_create(
    *,
    html_content: str,
    css_content: str | None = None,
    js_content: str | None = None,
    html_content_en: str | None = None,
    js_content_en: str | None = None,
    created_at: datetime | None = None,
) -> Report:
    report = Report(
        html_content=html_content,
        css_content=css_content,
        js_content=js_content,
        html_content_en=html_content_en,
        js_content_en=js_content_en,
    )
    if created_at is not None:
        report.created_at = created_at
    return report_save(report=report)
