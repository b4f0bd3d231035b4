"""The print view: the site's A4 page around the sandboxed report frame, printable as a whole."""

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


def test_the_report_runs_in_an_opaque_origin_inside_the_print_page(live_server, page, report):
    page.context.add_cookies([{"name": "victim", "value": "secret", "url": live_server.url}])

    page.goto(f"{live_server.url}/crypto_report/{report.id}/pdf")

    frame = page.frame_locator("#report-frame")
    frame.locator("#gauge svg").wait_for()
    assert frame.locator("#probe").text_content() == "blocked:SecurityError"
    assert page.frames[1].evaluate("self.origin") == "null"
    assert page.evaluate("self.origin") == live_server.url


def test_the_print_view_is_laid_out_for_a4(live_server, page, report, wait_js):
    page.goto(f"{live_server.url}/crypto_report/{report.id}/pdf?report_lang=vi")
    page.frame_locator("#report-frame").locator("#gauge svg").wait_for()
    wait_js(page, "document.getElementById('report-frame').dataset.sized === 'true'")

    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    width, height = (float(v) for v in re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf).groups())
    assert abs(width - 595) < 2 and abs(height - 842) < 2  # A4 in points, from the @page rule
    assert page.is_visible("#print-button")
    page.emulate_media(media="print")
    assert not page.is_visible("#print-button")
    assert "cryptodash" in page.text_content(".print-head")


def test_a_long_report_prints_on_as_many_pages_as_it_needs(live_server, page, wait_js):
    # The frame is part of the printed page: Chromium continues it across pages, not clipped to one.
    body = "<h1>Dài</h1>" + "".join(f"<h2>Mục {i}</h2><p>" + "Nội dung dài. " * 80 + "</p>" for i in range(30))
    report = report_create(html_content=body)
    page.goto(f"{live_server.url}/crypto_report/{report.id}/pdf")
    wait_js(page, "document.getElementById('report-frame').dataset.sized === 'true'")
    height = page.evaluate("document.getElementById('report-frame').getBoundingClientRect().height")

    pdf = page.pdf(prefer_css_page_size=True, print_background=True)

    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    a4_css_pixels = 297 / 25.4 * 96
    assert pages >= height // a4_css_pixels + 1, (pages, height)
