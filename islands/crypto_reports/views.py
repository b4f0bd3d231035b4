"""Report pages: latest, by id, list, print view, the isolated report document, robots.txt.

Thin adapters over selectors.py and document.py. The site's pages (the print page included) show
only escaped text taken from a report (title, table of contents); the report itself reaches the
browser solely through the sandboxed document route, which answers only requests for a frame
(`Sec-Fetch-Dest: iframe`, or without Fetch Metadata a Referer from the site) and, with
REPORTS_ORIGIN set, only on that host. Responses carry Cache-Control and an ETag, and a
conditional GET gets 304. The pages (not the document, which varies on Sec-Fetch-Dest and Referer)
are declared to the page cache (shared_components/page_cache.py), which replays them until a
report changes or, for pages with the live tiles, a new summary arrives.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.http.request import split_domain_port, validate_host
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers, set_response_etag
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from islands.cache_system.selectors import SummarySnapshot, summary_latest
from islands.crypto_reports.content import outline_read
from islands.crypto_reports.document import (
    LANGUAGES,
    MODES,
    THEMES,
    document_build,
    frame_url,
    html_for,
    language_choose,
    languages_available,
    report_fingerprint,
)
from islands.crypto_reports.models import Report
from islands.crypto_reports.selectors import report_get, report_latest, report_neighbours, report_page
from islands.shared_components.page_cache import SUMMARY, page_cacheable
from islands.shared_components.security import is_reports_host, reports_host

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
    ("volume_24h_usd", None, "volume", "usd_compact"),
    ("fng_value", None, "fng", "int"),
)
# The RSI gauge beside the report, drawn as on the home page (static/js/charts.js createGauge).
RSI_FIELD = "btc_rsi_14"


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
                "summary": outline.summary,
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
    rsi = data.get(RSI_FIELD)
    return {
        "live_tiles": tiles,
        "live_rsi": rsi if isinstance(rsi, int | float) and not isinstance(rsi, bool) else None,
        "live_rsi_field": RSI_FIELD,
        "live_updated": snapshot.stored_at if snapshot else None,
        "live_stream_id": snapshot.stream_id if snapshot else None,
    }


# As django.utils.html.json_script escapes: the JSON can never close its <script> element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def _article_json_ld(
    request: HttpRequest, report: Report, *, title: str, summary: str, url: str, lang: str
) -> SafeString:
    """schema.org Article of a report, for search engines (a data block: the CSP does not run it)."""
    logo = request.build_absolute_uri(static("img/icons/icon-512.png"))
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": title[:110],
        "description": summary,
        "inLanguage": lang,
        "datePublished": report.created_at.isoformat(),
        "dateModified": report.created_at.isoformat(),
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "image": [logo],
        "author": {"@type": "Organization", "name": "cryptodash"},
        "publisher": {"@type": "Organization", "name": "cryptodash", "logo": {"@type": "ImageObject", "url": logo}},
    }
    # Safe for the <script> element: <, > and & are escaped by the translate table above.
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES))


def _page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    response = TemplateResponse(request, template, context)
    # The page varies by (and may set) the preference cookies: no shared cache may keep it.
    patch_cache_control(response, private=True, max_age=PAGE_MAX_AGE)
    return response


def _report_response(request: HttpRequest, report: Report, *, canonical: str) -> HttpResponse:
    newer, older = report_neighbours(report=report)
    snapshot = summary_latest()
    wanted = get_language()
    lang = language_choose(report, wanted)
    theme = getattr(request, "theme", "light")
    versions = _versions(report)
    version = next(v for v in versions if v["code"] == lang)
    title = version["title"] or _("Report #%(id)s") % {"id": report.id}
    canonical_url = request.build_absolute_uri(canonical)
    context = {
        "newer_id": newer,
        "older_id": older,
        "nav": "reports",
        "report": report,
        "report_lang": lang,
        "missing_language": wanted if wanted != lang else None,
        "versions": versions,
        "show_language_toggle": len(languages_available(report)) > 1,
        "title": version["title"],
        "description": version["summary"],
        "og_image": request.build_absolute_uri(static("img/icons/icon-512.png")),
        "json_ld": _article_json_ld(
            request, report, title=title, summary=version["summary"], url=canonical_url, lang=lang
        ),
        "frame_src": frame_url(report, lang=lang, theme=theme),
        "print_url": reverse("crypto_reports:print", kwargs={"report_id": report.id}) + f"?report_lang={lang}",
        "canonical_url": canonical_url,
        **_live_context(snapshot),
    }
    return _page(request, "crypto_reports/report.html", context)


# Report pages show the live tiles (the latest summary) beside the report and its neighbours.
# Rows the outside generator inserts with plain SQL send no signal: the pages built from the
# reports are rendered again after PAGE_MAX_AGE, the freshness their Cache-Control promises.
_REPORT_PAGE = page_cacheable(depends=(SUMMARY, "reports"), max_age=PAGE_MAX_AGE)


@_REPORT_PAGE
@csrf_exempt  # read-only: an unsafe method gets 405, not CSRF's 403
@require_safe
def report_latest_view(request: HttpRequest) -> HttpResponse:
    # The old site's links: /crypto_report?id=N is report N, at its own address (or a 404).
    if "id" in request.GET:
        wanted = request.GET["id"]
        if not (wanted.isascii() and wanted.isdigit()):
            raise Http404("id: not a report number")
        return HttpResponsePermanentRedirect(_report_or_404(int(wanted)).get_absolute_url())
    report = report_latest()
    if report is None:
        return render(request, "crypto_reports/empty.html", {"nav": "reports"}, status=404)
    return _report_response(request, report, canonical=report.get_absolute_url())


@_REPORT_PAGE
@csrf_exempt
@require_safe
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report_or_404(report_id)
    return _report_response(request, report, canonical=report.get_absolute_url())


@page_cacheable(query=("page",), depends=("reports",), max_age=PAGE_MAX_AGE)
@csrf_exempt
@require_safe
def report_list(request: HttpRequest) -> HttpResponse:
    page = report_page(page=request.GET.get("page"))
    lang = get_language()
    canonical = reverse("crypto_reports:list") + (f"?page={page.number}" if page.number > 1 else "")
    context = {
        "nav": "reports",
        "page": page,
        "items": [{"item": item, "title": item.title(lang)} for item in page.items],
        "canonical_url": request.build_absolute_uri(canonical),
    }
    return _page(request, "crypto_reports/list.html", context)


def _referred_by_site(request: HttpRequest) -> bool:
    """The Referer names one of the site's own hosts (not the reports host)."""
    referer = request.headers.get("Referer")
    host = urlsplit(referer).hostname if referer else None
    return bool(host) and validate_host(host, settings.ALLOWED_HOSTS) and not is_reports_host(host)


def _document_refusal(request: HttpRequest, report: Report) -> HttpResponse | None:
    """Why this request may not have the document, as a response; None when it may.

    The document runs untrusted script: as a top-level page it could send the visitor anywhere
    from the site's URL. Browsers say what a request is for (Sec-Fetch-Dest); only a frame gets
    it. Browsers that send no Fetch Metadata (older ones, and every browser over plain HTTP to a
    host other than localhost) still send the Referer the frames ask for
    (referrerpolicy="strict-origin"): one from the site's own pages is a frame of the site. A
    top-level visit from anywhere else has a foreign or no Referer, and so do curl and crawlers.
    """
    own = reports_host()
    if own is not None:
        try:
            domain, _port = split_domain_port(request.get_host())
        except DisallowedHost:
            domain = ""
        if not is_reports_host(domain):
            raise Http404("Report documents are served from REPORTS_ORIGIN.")
    destination = request.headers.get("Sec-Fetch-Dest")
    if destination == "iframe" or (destination is None and _referred_by_site(request)):
        return None
    if destination == "document" and own is None:
        # Opened on its own (a bookmarked frame, "open frame in new tab"): the page it belongs to.
        return HttpResponseRedirect(report.get_absolute_url())
    return HttpResponseForbidden(
        f"Report #{report.id}'s document is only shown inside its report page.\n",
        content_type="text/plain; charset=utf-8",
    )


# Headers a 304 for the document must repeat: a browser stores a 304's headers over the cached
# 200's, and the site-wide defaults the middleware would add instead forbid the framing.
DOCUMENT_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy", "X-Robots-Tag")


def _document_conditional(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    set_response_etag(response)
    answer = get_conditional_response(request, etag=response["ETag"], response=response)
    if answer is not response:
        for name in DOCUMENT_HEADERS:
            if name in response:
                answer[name] = response[name]
        answer.xframe_options_exempt = getattr(response, "xframe_options_exempt", False)
    return answer


@csrf_exempt
@require_safe
def report_document(request: HttpRequest, report_id: int) -> HttpResponse:
    """The report's own HTML/CSS/JS, for the sandboxed iframe of the report, print and preview pages."""
    report = _report_or_404(report_id)
    refusal = _document_refusal(request, report)
    if refusal is not None:
        return refusal
    lang = language_choose(report, request.GET.get("report_lang"))
    theme = request.GET.get("report_theme")
    mode = request.GET.get("report_mode")
    document = document_build(
        request,
        report=report,
        lang=lang,
        theme=theme if theme in THEMES else "light",
        mode=mode if mode in MODES else "frame",
    )
    context = {"document": document, "report": report, "title": document.config["title"]}
    response = render(request, "crypto_reports/document.html", context)
    response["Content-Security-Policy"] = document.csp
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    if reports_host() is None:
        # The one route that may be framed, and only by this site's pages.
        response["X-Frame-Options"] = "SAMEORIGIN"
    else:
        # Framed from another origin, which X-Frame-Options cannot name: the CSP's
        # frame-ancestors lists the site's hosts instead.
        response.xframe_options_exempt = True
    # The answer depends on these: a cached framed copy must not be reused for a top-level visit.
    patch_vary_headers(response, ("Sec-Fetch-Dest", "Referer"))
    fresh = request.GET.get("v") == report_fingerprint(report)
    patch_cache_control(response, public=True, max_age=DOCUMENT_MAX_AGE if fresh else PAGE_MAX_AGE)
    return _document_conditional(request, response)


@page_cacheable(query=("report_lang",), depends=("reports",), max_age=PAGE_MAX_AGE)
@csrf_exempt
@require_safe
def report_print(request: HttpRequest, report_id: int) -> HttpResponse:
    """The print-optimised A4 page: the site's own header and print button around the framed report.

    The report stays in its sandboxed frame (no modals); the page prints itself, frame included.
    """
    report = _report_or_404(report_id)
    # Without ?report_lang it follows the visitor's language (in the page cache's key).
    lang = language_choose(report, request.GET.get("report_lang") or get_language())
    context = {
        "report": report,
        "report_lang": lang,
        "title": outline_read(html_for(report, lang)).title,
        "frame_src": frame_url(report, lang=lang, theme="light", mode="print"),
        "page_url": request.build_absolute_uri(report.get_absolute_url()),
    }
    return _page(request, "crypto_reports/print.html", context)


@page_cacheable()
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
