"""Reads of crypto_report: the latest report, one by id, a page of the list, the feeds.

Keyword-only functions returning model instances or small frozen records. Bad input (ids out of
range, page numbers that are not numbers) is answered with None or a clamped page, never an
exception that would become a 500. No writes here (services.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Max, QuerySet

from islands.crypto_reports.content import outline_read
from islands.crypto_reports.models import Report

PAGE_SIZE = 10
FEED_SIZE = 20
# crypto_report.id is an int4 serial: a larger number cannot exist and would make PostgreSQL
# raise "integer out of range" instead of answering "no such row".
MAX_REPORT_ID = 2**31 - 1
_LIST_COLUMNS = ("id", "created_at", "html_content", "html_content_en")


@dataclass(frozen=True, slots=True)
class ReportListItem:
    id: int
    created_at: datetime
    title_vi: str | None
    title_en: str | None
    languages: tuple[str, ...]

    def title(self, lang: str) -> str | None:
        if lang == "en" and self.title_en:
            return self.title_en
        return self.title_vi or self.title_en


@dataclass(frozen=True, slots=True)
class ReportPage:
    items: tuple[ReportListItem, ...]
    number: int
    num_pages: int
    total: int
    newest_created_at: datetime | None
    # Page numbers with gaps, e.g. (1, 2, "…", 7, 8, 9, "…", 41, 42).
    page_range: tuple[int | str, ...]
    # True when the requested page did not exist and a neighbouring one is shown instead.
    clamped: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_number(self) -> int:
        return max(1, self.number - 1)

    @property
    def next_number(self) -> int:
        return min(self.num_pages, self.number + 1)


def report_latest() -> Report | None:
    return Report.objects.order_by("-created_at", "-id").first()


def report_get(*, report_id: int) -> Report | None:
    if not 1 <= report_id <= MAX_REPORT_ID:
        return None
    return Report.objects.filter(id=report_id).first()


_NEIGHBOURS_SQL = (
    "SELECT"
    " (SELECT id FROM crypto_report WHERE created_at > %s OR (created_at = %s AND id > %s)"
    " ORDER BY created_at, id LIMIT 1),"
    " (SELECT id FROM crypto_report WHERE created_at < %s OR (created_at = %s AND id < %s)"
    " ORDER BY created_at DESC, id DESC LIMIT 1)"
)


def report_neighbours(*, report: Report) -> tuple[int | None, int | None]:
    """(newer id, older id) around report in the list order, None at either end."""
    # One round trip of plain SQL: building the two equivalent ORM queries cost more CPU than
    # the rest of a cached report page together.
    when = connection.ops.adapt_datetimefield_value(report.created_at)
    with connection.cursor() as cursor:
        cursor.execute(_NEIGHBOURS_SQL, [when, when, report.id, when, when, report.id])
        newer, older = cursor.fetchone()
    return newer, older


def _list_item(report: Report) -> ReportListItem:
    languages = ("vi", "en") if report.has_english else ("vi",)
    return ReportListItem(
        id=report.id,
        created_at=report.created_at,
        title_vi=outline_read(report.html_content or "").title,
        title_en=outline_read(report.html_content_en).title if report.has_english else None,
        languages=languages,
    )


def _page_number(raw: str | int | None) -> tuple[int, bool]:
    """(number, clamped): anything that is not a positive integer means page 1."""
    if isinstance(raw, int):
        number = raw
    else:
        text = (raw or "").strip()
        if not text:
            return 1, False
        try:
            number = int(text)
        except ValueError:
            return 1, True
    if number < 1:
        return 1, True
    return number, False


def report_page(*, page: str | int | None, per_page: int = PAGE_SIZE) -> ReportPage:
    """One page of the list, newest first; pages below 1 or past the end clamp to the nearest."""
    number, clamped = _page_number(page)
    queryset = Report.objects.only(*_LIST_COLUMNS).order_by("-created_at", "-id")
    paginator = Paginator(queryset, per_page, allow_empty_first_page=True)
    if number > paginator.num_pages:
        number, clamped = paginator.num_pages, True
    current = paginator.page(number)
    newest = Report.objects.aggregate(newest=Max("created_at"))["newest"] if paginator.count else None
    return ReportPage(
        items=tuple(_list_item(report) for report in current.object_list),
        number=number,
        num_pages=paginator.num_pages,
        total=paginator.count,
        newest_created_at=newest,
        page_range=tuple(paginator.get_elided_page_range(number, on_each_side=1, on_ends=2)),
        clamped=clamped,
    )


def report_feed(*, limit: int = FEED_SIZE) -> Sequence[Report]:
    return list(Report.objects.order_by("-created_at", "-id")[:limit])


def report_sitemap_entries() -> QuerySet[Report]:
    """Every report's id and date, lazily: the sitemap framework slices it 50,000 to a page."""
    return Report.objects.only("id", "created_at").order_by("-created_at", "-id")
