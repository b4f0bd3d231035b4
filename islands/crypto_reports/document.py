"""The isolated report document: the only response that carries a report's own HTML, CSS and JS.

It is served from its own route (from REPORTS_ORIGIN when that is set, a host without the site's
cookies) and framed by the report page, the print page and the admin preview with
sandbox="allow-scripts" (never allow-same-origin, never allow-modals). Its Content-Security-Policy
repeats the sandbox, lets only the chart helpers, the frame bootstrap and the report's own inline
scripts (by hash) run, forbids every network request and names the pages that may frame it. The
report's <meta> and <base> tags are removed (content.navigation_tags_strip). It must not include
anything from the visitor's session, and the site's pages must not include report content any
other way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import reverse

from islands.crypto_reports.content import (
    csp_hash,
    fingerprint,
    navigation_tags_strip,
    outline_read,
    script_text,
    style_text,
)
from islands.crypto_reports.models import Report
from islands.shared_components.security import reports_host

LANGUAGES = ("vi", "en")
THEMES = ("light", "dark")
CHARTS_JS = "js/charts.js"
FRAME_JS = "crypto_reports/report_frame.js"
FRAME_CSS = "crypto_reports/report_frame.css"
MODES = ("frame", "print")
# Part of every document fingerprint: a change to how documents are built (here, the removal of
# <meta>/<base>) gives every report a new document URL, so no browser keeps a day-old copy.
DOCUMENT_FORMAT = "2"


@dataclass(frozen=True, slots=True)
class ReportDocument:
    lang: str
    theme: str
    mode: str  # "frame" (report page, admin preview) or "print" (inside the A4 print page)
    active_html: str
    css: str
    inline_scripts: tuple[str, ...]
    config: dict
    csp: str


def languages_available(report: Report) -> tuple[str, ...]:
    return ("vi", "en") if report.has_english else ("vi",)


def language_choose(report: Report, wanted: str | None) -> str:
    """wanted when the report has that version, else Vietnamese (every report has it)."""
    return wanted if wanted in languages_available(report) else "vi"


def html_for(report: Report, lang: str) -> str:
    return report.html_content_en if lang == "en" and report.has_english else report.html_content


def js_for(report: Report, lang: str) -> str | None:
    # The generator often writes one script for both bodies: English falls back to it.
    if lang == "en":
        return report.js_content_en or report.js_content
    return report.js_content


def report_fingerprint(report: Report) -> str:
    return fingerprint(
        DOCUMENT_FORMAT,
        report.html_content,
        report.css_content,
        report.js_content,
        report.html_content_en,
        report.js_content_en,
        report.created_at.isoformat() if report.created_at else None,
    )


def frame_url(report: Report, *, lang: str, theme: str, mode: str = "frame") -> str:
    """The document's URL for a frame: on REPORTS_ORIGIN when set, else on the site itself."""
    base = settings.REPORTS_ORIGIN + reverse("crypto_reports:document", kwargs={"report_id": report.id})
    extra = "&report_mode=print" if mode == "print" else ""
    return f"{base}?report_lang={lang}&report_theme={theme}{extra}&v={report_fingerprint(report)}"


def frame_ancestors() -> str:
    """Who may frame a document: the site itself, or with REPORTS_ORIGIN its other hosts.

    A separate reports origin cannot say 'self' for the pages that frame it; it names the hosts
    of ALLOWED_HOSTS other than its own (any port: scheme and port follow the page, and a host
    list has neither). A "*" there allows any framer, as it allows any Host.
    """
    if not settings.REPORTS_ORIGIN:
        return "'self'"
    own = reports_host()
    sources: list[str] = []
    for host in settings.ALLOWED_HOSTS:
        if host == "*":
            return "*"
        if host.startswith("."):
            sources += [f"{host[1:]}:*", f"*{host}:*"]
        elif host != own and not host.startswith("["):  # CSP host sources cannot be IPv6 literals
            sources.append(f"{host}:*")
    return " ".join(sources) or "'none'"


def _wrapped_script(lang: str, js: str) -> str:
    # Each language's script runs in its own function, called when that version is shown, so
    # two versions that both declare top-level consts (or the same function) do not collide.
    return (
        f"window.cryptodashReport.define({json.dumps(lang)}, function () {{\n"
        f"{script_text(js)}\n"
        ';return typeof initializeAllVisuals_report === "function" ? initializeAllVisuals_report : null;\n'
        "});"
    )


def document_csp(request: HttpRequest, *, script_hashes: tuple[str, ...]) -> str:
    # Absolute URLs: inside an opaque origin 'self' cannot be relied on to mean this site.
    charts = request.build_absolute_uri(static(CHARTS_JS))
    boot = request.build_absolute_uri(static(FRAME_JS))
    stylesheet = request.build_absolute_uri(static(FRAME_CSS))
    directives = (
        "default-src 'none'",
        " ".join(("script-src", charts, boot, *script_hashes)),
        # Report CSS is inline and may use style attributes; it cannot load anything remote.
        f"style-src {stylesheet} 'unsafe-inline'",
        "img-src data:",
        "font-src data:",
        "connect-src 'none'",
        "media-src 'none'",
        "object-src 'none'",
        "frame-src 'none'",
        "worker-src 'none'",
        "manifest-src 'none'",
        "form-action 'none'",
        "base-uri 'none'",
        f"frame-ancestors {frame_ancestors()}",
        # No allow-modals, whatever the mode: a report must not raise alert()/prompt() dialogs
        # over the site (a fake "session expired, re-enter your password").
        "sandbox allow-scripts",
    )
    return "; ".join(directives)


def document_build(request: HttpRequest, *, report: Report, lang: str, theme: str, mode: str) -> ReportDocument:
    """Everything the report document template and its headers need, for one language."""
    available = languages_available(report)
    scripts = tuple(_wrapped_script(code, js) for code in available if (js := js_for(report, code)))
    outline = outline_read(html_for(report, lang))
    config = {
        "lang": lang,
        "theme": theme,
        "mode": mode,
        "languages": list(available),
        # The shown version is in the page already; only the others travel as data.
        "html": {code: navigation_tags_strip(html_for(report, code)) for code in available if code != lang},
        "title": outline.title,
    }
    return ReportDocument(
        lang=lang,
        theme=theme,
        mode=mode,
        active_html=navigation_tags_strip(html_for(report, lang)),
        css=style_text(report.css_content or ""),
        inline_scripts=scripts,
        config=config,
        csp=document_csp(request, script_hashes=tuple(csp_hash(text) for text in scripts)),
    )
