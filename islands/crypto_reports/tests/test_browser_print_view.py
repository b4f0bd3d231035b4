"""The print view and the report document opened directly: still an opaque origin, A4 layout."""

import re

import pytest

from islands.crypto_reports.services import report_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JS = """
function initializeAllVisuals_report() {
  createGauge("gauge", 61, { label: "RSI" });
  var probe = document.getElementById("probe");
  try { probe.textContent = "cookie:" + document.cookie; } catch (e) { probe.textContent = "blocked:" + e.name; }
}
"""


@pytest.fixture
def report():
    return report_create(html_content="<h1>In thử</h1><div id='gauge'></div><p id='probe'></p>", js_content=JS)


@pytest.mark.parametrize("suffix", ["pdf", "document"])
def test_opened_top_level_the_report_still_runs_in_an_opaque_origin(live_server, page, report, suffix):
    page.context.add_cookies([{"name": "victim", "value": "secret", "url": live_server.url}])

    page.goto(f"{live_server.url}/crypto_report/{report.id}/{suffix}")

    page.wait_for_selector("#gauge svg")
    assert page.evaluate("self.origin") == "null"
    assert page.text_content("#probe") == "blocked:SecurityError"


def test_the_print_view_is_laid_out_for_a4(live_server, page, report):
    page.goto(f"{live_server.url}/crypto_report/{report.id}/pdf?report_lang=vi")
    page.wait_for_selector("#gauge svg")

    # The stylesheet is unreadable from the opaque origin; Chromium's own print engine is not.
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    width, height = (float(v) for v in re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf).groups())
    assert abs(width - 595) < 2 and abs(height - 842) < 2  # A4 in points, from the @page rule
    assert page.is_visible("#print-button")
    page.emulate_media(media="print")
    assert not page.is_visible("#print-button")
    assert "cryptodash" in page.text_content(".print-head")
