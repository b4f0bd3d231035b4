"""Report pages: latest, by id, list, print view, the isolated report document, robots.txt.

Thin adapters over selectors.py and document.py. The site's pages show only escaped text taken
from a report (title, table of contents); the report itself reaches the browser solely through
the sandboxed document route. Responses carry Cache-Control and an ETag, and a conditional GET
gets 304 (report and list pages before rendering: rendering.py).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.http import ConditionalGetMiddleware
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.decorators import decorator_from_middleware
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from islands.cache_system.selectors import SummarySnapshot, summary_latest
from islands.crypto_reports.content import outline_read
from islands.crypto_reports.document import (
    LANGUAGES,
    THEMES,
    document_build,
    frame_url,
    html_for,
    language_choose,
    languages_available,
    report_fingerprint,
)
from islands.crypto_reports.models import Report
from islands.crypto_reports.rendering import page_render
from islands.crypto_reports.selectors import report_get, report_latest, report_neighbours, report_page

# Pages may change when a report is added or edited: short freshness, then revalidate by ETag.
PAGE_MAX_AGE = 60
# A document URL carries the content fingerprint (?v=), so a matching one never changes.
DOCUMENT_MAX_AGE = 86_400

# The live tiles beside a report: rendered with the latest summary, kept current by
# static/js/live.js (it fills [data-field] elements). Unknown values render as a dash.
LIVE_FIELDS = (
    ("btc_price_usd", "btc_change_24h", "BTC", "price"),
    ("eth_price_usd", "eth_change_24h", "ETH", "price"),
    ("sol_price_usd", "sol_change_24h", "SOL", "price"),
    ("market_cap_usd", "market_cap_change_percentage_24h_usd", "market_cap", "usd_compact"),
    ("fng_value", None, "fng", "int"),
)


conditional = decorator_from_middleware(ConditionalGetMiddleware)
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def _report_or_404(report_id: int) -> Report:
    report = report_get(report_id=report_id)
    if report is None:
        raise Http404("No report with this id.")
    return report


def _versions(report: Report) -> list[dict]:
    available = languages_available(report)
    versions = []
    for code in LANGUAGES:
        outline = outline_read(html_for(report, code))
        versions.append(
            {
                "code": code,
                "name": LANGUAGE_NAMES[code],
                "available": code in available,
                "title": outline.title,
                "sections": outline.sections,
            }
        )
    return versions


def _live_context(snapshot: SummarySnapshot | None) -> dict:
    data = snapshot.data if snapshot else {}
    tiles = [
        {
            "field": field,
            "change_field": change_field,
            "label": label,
            "kind": kind,
            "value": data.get(field),
            "change": data.get(change_field) if change_field else None,
        }
        for field, change_field, label, kind in LIVE_FIELDS
    ]
    # The time of the data rather than its age: the page stays the same until new data arrives.
    return {
        "live_tiles": tiles,
        "live_updated": snapshot.stored_at if snapshot else None,
        "live_stream_id": snapshot.stream_id if snapshot else None,
    }


def _report_response(request: HttpRequest, report: Report, *, canonical: str) -> HttpResponse:
    newer, older = report_neighbours(report=report)
    snapshot = summary_latest()

    def context() -> dict:
        wanted = get_language()
        lang = language_choose(report, wanted)
        theme = getattr(request, "theme", "light")
        versions = _versions(report)
        return {
            "newer_id": newer,
            "older_id": older,
            "nav": "reports",
            "report": report,
            "report_lang": lang,
            "missing_language": wanted if wanted != lang else None,
            "versions": versions,
            "show_language_toggle": len(languages_available(report)) > 1,
            "title": next(v["title"] for v in versions if v["code"] == lang),
            "frame_src": frame_url(report, lang=lang, theme=theme),
            "print_url": reverse("crypto_reports:print", kwargs={"report_id": report.id}) + f"?report_lang={lang}",
            "canonical_url": request.build_absolute_uri(canonical),
            **_live_context(snapshot),
        }

    inputs = (report.id, report_fingerprint(report), newer, older, snapshot.stream_id if snapshot else None)
    return page_render(
        request, template="crypto_reports/report.html", inputs=inputs, context=context, max_age=PAGE_MAX_AGE
    )


@csrf_exempt  # read-only: an unsafe method gets 405, not CSRF's 403
@require_safe
def report_latest_view(request: HttpRequest) -> HttpResponse:
    report = report_latest()
    if report is None:
        return render(request, "crypto_reports/empty.html", {"nav": "reports"}, status=404)
    return _report_response(request, report, canonical=report.get_absolute_url())


@csrf_exempt
@require_safe
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report_or_404(report_id)
    return _report_response(request, report, canonical=report.get_absolute_url())


@csrf_exempt
@require_safe
def report_list(request: HttpRequest) -> HttpResponse:
    page = report_page(page=request.GET.get("page"))
    snapshot = summary_latest()

    def context() -> dict:
        lang = get_language()
        canonical = reverse("crypto_reports:list") + (f"?page={page.number}" if page.number > 1 else "")
        return {
            "nav": "reports",
            "page": page,
            "items": [{"item": item, "title": item.title(lang)} for item in page.items],
            "canonical_url": request.build_absolute_uri(canonical),
        }

    inputs = (page, snapshot.stream_id if snapshot else None)
    return page_render(
        request, template="crypto_reports/list.html", inputs=inputs, context=context, max_age=PAGE_MAX_AGE
    )


def _document_response(request: HttpRequest, report: Report, *, lang: str, theme: str, mode: str) -> HttpResponse:
    document = document_build(request, report=report, lang=lang, theme=theme, mode=mode)
    context = {"document": document, "report": report, "title": document.config["title"]}
    response = render(request, "crypto_reports/document.html", context)
    response["Content-Security-Policy"] = document.csp
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


@csrf_exempt
@require_safe
@conditional
def report_document(request: HttpRequest, report_id: int) -> HttpResponse:
    """The report's own HTML/CSS/JS, for the sandboxed iframe of the report page."""
    report = _report_or_404(report_id)
    lang = language_choose(report, request.GET.get("report_lang"))
    theme = request.GET.get("report_theme")
    response = _document_response(request, report, lang=lang, theme=theme if theme in THEMES else "light", mode="frame")
    # The one route that may be framed, and only by this site's pages.
    response["X-Frame-Options"] = "SAMEORIGIN"
    fresh = request.GET.get("v") == report_fingerprint(report)
    patch_cache_control(response, public=True, max_age=DOCUMENT_MAX_AGE if fresh else PAGE_MAX_AGE)
    return response


@csrf_exempt
@require_safe
@conditional
def report_print(request: HttpRequest, report_id: int) -> HttpResponse:
    """The print-optimised A4 page; a top-level document under the same sandboxing CSP."""
    report = _report_or_404(report_id)
    lang = language_choose(report, request.GET.get("report_lang") or get_language())
    response = _document_response(request, report, lang=lang, theme="light", mode="print")
    # Without ?report_lang it follows the visitor's language: only the browser may keep it.
    patch_cache_control(response, private=True, max_age=PAGE_MAX_AGE)
    return response


@csrf_exempt
@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap = request.build_absolute_uri(reverse("crypto_reports:sitemap"))
    lines = (
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /api/",
        # Report documents are fragments of the report pages, not pages of their own.
        "Disallow: /crypto_report/*/document",
        f"Sitemap: {sitemap}",
    )
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    patch_cache_control(response, public=True, max_age=3600)
    return response
