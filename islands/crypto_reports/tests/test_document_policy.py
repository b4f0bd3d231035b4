"""The report document route: strict CSP, framing rules and safe embedding of report parts."""

import re

import pytest

from islands.crypto_reports.content import csp_hash

pytestmark = pytest.mark.django_db


def _directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else "" for part in policy.split("; ")}


def test_the_document_has_a_strict_sandboxing_policy(frame_client, make_report):
    report = make_report(js_content="function initializeAllVisuals_report() {}")

    response = frame_client.get(f"/crypto_report/{report.id}/document?report_lang=vi")

    csp = _directives(response)
    assert csp["default-src"] == "'none'"
    assert csp["connect-src"] == "'none'"
    assert csp["form-action"] == "'none'" and csp["base-uri"] == "'none'"
    assert csp["frame-ancestors"] == "'self'"
    assert csp["sandbox"] == "allow-scripts"
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    sources = csp["script-src"].split()
    assert "http://testserver/static/js/charts.js" in sources
    assert "http://testserver/static/crypto_reports/report_frame.js" in sources


def test_only_this_route_may_be_framed_and_only_by_the_site(client, frame_client, make_report):
    report = make_report()

    document = frame_client.get(f"/crypto_report/{report.id}/document")
    page = client.get(f"/crypto_report/{report.id}")

    assert document["X-Frame-Options"] == "SAMEORIGIN"
    assert page["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" not in page or "sandbox" not in page["Content-Security-Policy"]


def test_every_inline_script_is_allowed_by_its_hash_and_nothing_else(frame_client, make_report):
    report = make_report(
        js_content="var s = '</script><script>alert(1)</script>'; function initializeAllVisuals_report() {}",
        js_content_en="function initializeAllVisuals_report() { /* en */ }",
    )

    response = frame_client.get(f"/crypto_report/{report.id}/document")

    html = response.content.decode()
    inline = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    assert len(inline) == 2
    allowed = _directives(response)["script-src"].split()
    assert {csp_hash(text) for text in inline} <= set(allowed)
    assert len([s for s in allowed if s.startswith("'sha256-")]) == 2
    # The report's "</script>" cannot end our element early.
    assert "<\\/script><script>alert(1)<\\/script>" in html


def test_css_cannot_close_its_style_element(frame_client, make_report):
    report = make_report(css_content="h1{color:red}</style><script>alert(1)</script><style>")

    html = frame_client.get(f"/crypto_report/{report.id}/document").content.decode()

    style = re.search(r"<style>(.*?)</style>", html, flags=re.S).group(1)
    assert style == "h1{color:red}<\\/style><script>alert(1)</script><style>"


def test_the_other_language_travels_as_inert_json(frame_client, make_report):
    report = make_report("Tiếng Việt", english="<script>alert(1)</script>English")

    html = frame_client.get(f"/crypto_report/{report.id}/document?report_lang=vi").content.decode()

    assert '<main id="report-root" data-lang="vi"><h1>Tiếng Việt</h1>' in html
    config = re.search(r'<script id="report-config" type="application/json">(.*?)</script>', html, re.S).group(1)
    assert "\\u003Cscript\\u003Ealert(1)" in config
    assert "<script>alert(1)</script>English" not in html


def test_a_document_url_with_the_current_fingerprint_is_cached_long(client, frame_client, make_report):
    report = make_report()
    page = client.get(f"/crypto_report/{report.id}").content.decode()
    src = re.search(r'data-src="(/crypto_report/\d+/document\?[^"]+)"', page).group(1).replace("&amp;", "&")

    current = frame_client.get(src)
    stale = frame_client.get(f"/crypto_report/{report.id}/document?v=old")

    assert "max-age=86400" in current["Cache-Control"]
    assert "max-age=60" in stale["Cache-Control"]
    assert "Set-Cookie" not in current
