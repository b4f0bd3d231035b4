"""Routes of the crypto_reports island: report pages, the sandboxed report document, feeds."""

from collections.abc import Callable

from django.contrib.sitemaps.views import sitemap
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from django.views.generic import RedirectView

from islands.crypto_reports import views
from islands.crypto_reports.feeds import LatestReportsFeed
from islands.crypto_reports.sitemaps import SITEMAPS
from islands.shared_components.page_cache import page_cacheable

app_name = "crypto_reports"


def _read_only(view: Callable) -> Callable:
    """Django's feed and sitemap views answer any method; an unsafe one gets 405, not CSRF's 403."""
    return csrf_exempt(require_safe(view))


def _reports_page(query: tuple[str, ...] = ()) -> Callable:
    return page_cacheable(query=query, depends=("reports",), max_age=views.PAGE_MAX_AGE)


# <int:...> only matches digits: "/crypto_report/abc" and "/crypto_report/-1" are 404s by routing.
urlpatterns = [
    path("crypto_report", views.report_latest_view, name="latest"),
    path("crypto_report/<int:report_id>", views.report_detail, name="report"),
    path("crypto_report/<int:report_id>/pdf", views.report_print, name="print"),
    path("crypto_report/<int:report_id>/document", views.report_document, name="document"),
    path("crypto_reports_list", views.report_list, name="list"),
    # Both change only with the reports (plain-SQL inserts: within PAGE_MAX_AGE); the sitemap
    # reads ?p= (its page), the feed nothing.
    path("rss.xml", _reports_page()(_read_only(LatestReportsFeed())), name="rss"),
    # The old site's feed address.
    path("rss", _read_only(RedirectView.as_view(pattern_name="crypto_reports:rss", permanent=True)), name="rss-alias"),
    path(
        "sitemap.xml",
        _reports_page(query=("p",))(_read_only(sitemap)),
        {"sitemaps": SITEMAPS},
        name="sitemap",
    ),
    path("robots.txt", views.robots_txt, name="robots"),
]
