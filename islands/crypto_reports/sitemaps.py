"""Sitemap entries for the report pages (django.contrib.sitemaps)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from islands.crypto_reports.models import Report
from islands.crypto_reports.selectors import report_latest, report_sitemap_entries


class ReportSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.7

    def items(self) -> QuerySet[Report]:
        return report_sitemap_entries()

    def lastmod(self, item: Report) -> datetime:
        return item.created_at


class ReportListSitemap(Sitemap):
    """The site's fixed pages: the dashboard, the latest report and the list of reports."""

    changefreq = "daily"
    priority = 0.8

    def items(self) -> list[str]:
        return ["home", "crypto_reports:latest", "crypto_reports:list"]

    def location(self, item: str) -> str:
        return reverse(item)

    def lastmod(self, item: str) -> datetime | None:
        if item == "home":
            return None  # live data: it changes every few seconds
        latest = report_latest()
        return latest.created_at if latest else None


SITEMAPS = {"reports": ReportSitemap, "report-pages": ReportListSitemap}
