"""The report page and its frame in a browser: height, language switch, theme, contents."""

import pytest

from islands.crypto_reports.services import report_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECTIONS = "".join(f"<h2>Mục {i}</h2><p style='height:300px'>Đoạn {i}</p>" for i in range(1, 7)) + (
    "<p style='height:900px'>Phần cuối</p>"
)
JS_VI = """
const LANG = "vi";
function initializeAllVisuals_report() {
  document.body.dataset.inits = String(Number(document.body.dataset.inits || 0) + 1);
  document.body.dataset.lastLang = LANG;
  createGauge("gauge", 42, { label: "Chỉ số" });
}
"""
JS_EN = JS_VI.replace('"vi"', '"en"').replace("Chỉ số", "Index")


@pytest.fixture
def report():
    return report_create(
        html_content=f"<h1>Báo cáo dài</h1><div id='gauge'></div>{SECTIONS}",
        html_content_en="<h1>Short report</h1><div id='gauge'></div><h2>Only section</h2><p>Short.</p>",
        js_content=JS_VI,
        js_content_en=JS_EN,
    )


def _frame_height(page) -> float:
    return page.evaluate("document.getElementById('report-frame').getBoundingClientRect().height")


def test_the_frame_grows_to_its_content_and_shrinks_after_a_language_switch(live_server, page, report, wait_js):
    page.goto(f"{live_server.url}/crypto_report/{report.id}?lang=vi")
    frame = page.frame_locator("#report-frame")
    frame.locator("body[data-last-lang='vi'] #gauge svg").wait_for()
    wait_js(page, "document.getElementById('report-frame').dataset.sized === 'true'")
    wait_js(page, "document.getElementById('report-frame').getBoundingClientRect().height > 1800")
    tall = _frame_height(page)
    content = page.frames[1].evaluate("document.body.getBoundingClientRect().height")
    assert abs(tall - content) <= 2

    page.click("[data-report-lang-button='en']")

    frame.locator("body[data-last-lang='en'] #gauge svg").wait_for()
    wait_js(page, f"document.getElementById('report-frame').getBoundingClientRect().height < {tall - 1000}")
    assert frame.locator("h1").text_content() == "Short report"
    # initializeAllVisuals_report ran after load and again after the switch.
    assert frame.locator("body").get_attribute("data-inits") == "2"
    assert page.locator("[data-lang-block='en'] a[data-section-index]").first.is_visible()
    assert not page.locator("[data-lang-block='vi'] a[data-section-index]").first.is_visible()
    assert "report_lang=en" in page.get_attribute("#report-print-link", "href")


def test_the_theme_follows_the_site_toggle(live_server, page, report, wait_js):
    page.goto(f"{live_server.url}/crypto_report/{report.id}")
    frame = page.frame_locator("#report-frame")
    frame.locator("body[data-inits]").wait_for()
    assert frame.locator("html").get_attribute("data-theme") == "light"

    page.click("#theme-toggle")

    wait_js(page, "document.documentElement.dataset.theme === 'dark'")
    frame.locator("html[data-theme='dark']").wait_for()


def test_a_contents_entry_scrolls_to_its_section(live_server, page, report, wait_js):
    page.set_viewport_size({"width": 1200, "height": 700})
    page.goto(f"{live_server.url}/crypto_report/{report.id}?lang=vi")
    page.frame_locator("#report-frame").locator("body[data-inits]").wait_for()
    wait_js(page, "document.getElementById('report-frame').getBoundingClientRect().height > 2700")

    page.click("[data-lang-block='vi'] a[data-section-index='5']")

    wait_js(page, "window.scrollY > 1000")
    page.wait_for_timeout(600)  # smooth scrolling settles
    offset = page.frames[1].evaluate("document.querySelectorAll('h2')[5].getBoundingClientRect().top + scrollY")
    frame_top = page.evaluate("document.getElementById('report-frame').getBoundingClientRect().top")
    # The sixth heading now sits just below the top of the viewport.
    assert 0 <= frame_top + offset <= 40
