"""Routes of the crypto_reports island: report pages, the sandboxed report document, feeds."""

from collections.abc import Callable

from django.contrib.sitemaps.views import sitemap
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from islands.crypto_reports import views
from islands.crypto_reports.feeds import LatestReportsFeed
from islands.crypto_reports.sitemaps import SITEMAPS

app_name = "crypto_reports"


def _read_only(view: Callable) -> Callable:
    """Django's feed and sitemap views answer any method; an unsafe one gets 405, not CSRF's 403."""
    return csrf_exempt(require_safe(view))


# <int:...> only matches digits: "/crypto_report/abc" and "/crypto_report/-1" are 404s by routing.
urlpatterns = [
    path("crypto_report", views.report_latest_view, name="latest"),
    path("crypto_report/<int:report_id>", views.report_detail, name="report"),
    path("crypto_report/<int:report_id>/pdf", views.report_print, name="print"),
    path("crypto_report/<int:report_id>/document", views.report_document, name="document"),
    path("crypto_reports_list", views.report_list, name="list"),
    path("rss.xml", _read_only(LatestReportsFeed()), name="rss"),
    path("sitemap.xml", _read_only(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
]
