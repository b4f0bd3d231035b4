"""The Report model on table crypto_report, shared with the outside report generator.

Columns and nullability follow the old generator's schema (SPEC §8) so that it can keep inserting
rows with plain SQL: everything but html_content may be NULL and created_at has a database
default. This module holds no query or rendering logic (selectors.py, content.py).
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone


class Report(models.Model):
    # int4 serial like the generator's table: a BigAutoField would be a different column type.
    id = models.AutoField(primary_key=True)
    html_content = models.TextField(help_text="Report body in Vietnamese (HTML). Required.")
    # NULL-able text (DJ001) on purpose: the generator writes NULL for the parts it does not have.
    css_content = models.TextField(null=True, blank=True, help_text="Stylesheet shared by both languages.")  # noqa: DJ001
    js_content = models.TextField(  # noqa: DJ001
        null=True, blank=True, help_text="Script for the Vietnamese body; may define initializeAllVisuals_report()."
    )
    html_content_en = models.TextField(null=True, blank=True, help_text="Report body in English (HTML).")  # noqa: DJ001
    js_content_en = models.TextField(  # noqa: DJ001
        null=True, blank=True, help_text="Script for the English body; the Vietnamese script is used when empty."
    )
    # default for ORM inserts (microsecond precision), db_default for the generator's raw INSERTs.
    created_at = models.DateTimeField(default=timezone.now, db_default=Now(), db_index=True)

    class Meta:
        db_table = "crypto_report"
        ordering = ("-created_at", "-id")
        verbose_name = "report"
        verbose_name_plural = "reports"

    def __str__(self) -> str:
        return f"Report #{self.id}"

    def get_absolute_url(self) -> str:
        return reverse("crypto_reports:report", kwargs={"report_id": self.id})

    @property
    def has_english(self) -> bool:
        return bool((self.html_content_en or "").strip())
