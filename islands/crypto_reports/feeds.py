"""RSS 2.0 feed of the latest reports (Django's syndication framework).

Items carry the report's title and a plain-text summary, never its HTML: a feed reader would
render that outside the sandbox.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy

from islands.crypto_reports.content import outline_read
from islands.crypto_reports.models import Report
from islands.crypto_reports.selectors import FEED_SIZE, report_feed


class LatestReportsFeed(Feed):
    title = "cryptodash — Báo cáo nghiên cứu crypto"
    link = reverse_lazy("crypto_reports:list")
    description = "Các báo cáo nghiên cứu thị trường crypto mới nhất / The latest crypto market research reports."
    language = "vi"

    def items(self) -> list[Report]:
        return list(report_feed(limit=FEED_SIZE))

    def item_title(self, item: Report) -> str:
        return outline_read(item.html_content).title or f"Báo cáo #{item.id}"

    def item_description(self, item: Report) -> str:
        return outline_read(item.html_content).summary

    def item_pubdate(self, item: Report) -> datetime:
        return item.created_at

    def item_guid(self, item: Report) -> str:
        return item.get_absolute_url()
