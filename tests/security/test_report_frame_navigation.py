"""A report cannot show another page inside the site's layout by navigating its own frame.

The attack: a report's script assigns `location` (to an attacker's site, or to another report's
document, which the site's own frame-src and X-Frame-Options allow), inserts a
<meta http-equiv=refresh>, or carries one in its HTML. The report page, the print page and the
admin preview must blank the frame and say why; the <meta>/<base> in stored HTML never reach the
browser.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from islands.crypto_reports.content import navigation_tags_strip
from islands.crypto_reports.services import report_create

NOTICE_VI = "Báo cáo này đã cố mở một trang khác bên trong khung của nó nên đã bị đóng lại."
NOTICE_EN = "This report tried to open another page inside its frame, so it was closed."


pytestmark = pytest.mark.usefixtures("sync_orm_beside_playwright")


class _Attacker(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self) -> None:
        type(self).seen.append(self.path)
        body = b"<!doctype html><h1 id='evil'>Session expired: enter your password</h1><form><input></form>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def attacker() -> Iterator[str]:
    """An attacker's page on another origin; its .seen lists the paths requested."""
    _Attacker.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Attacker)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/login"
    server.shutdown()
    server.server_close()


def _navigating_report(how: str, target: str):
    target_js = json.dumps(target)
    scripts = {
        # At DOMContentLoaded, before the document has even finished loading.
        "location at once": f"location.href = {target_js};",
        "location later": f"setTimeout(function () {{ location.href = {target_js}; }}, 200);",
        "inserted meta refresh": (
            "var m = document.createElement('meta'); m.httpEquiv = 'refresh';"
            f" m.content = '0;url=' + {target_js}; document.head.appendChild(m);"
        ),
    }
    js = "function initializeAllVisuals_report() { document.body.dataset.ran = '1'; " + scripts[how] + " }"
    return report_create(html_content="<h1>Báo cáo điều hướng</h1><p>Nội dung.</p>", js_content=js)


def _assert_blanked(page, target: str, notice: str) -> None:
    page.locator("#report-frame-blocked").wait_for(state="visible", timeout=10_000)
    assert page.locator("#report-frame").count() == 0
    assert notice in page.locator("#report-frame-blocked").inner_text()
    # Nothing of the target is shown in any frame of the page.
    page.wait_for_timeout(300)
    assert not [frame.url for frame in page.frames[1:] if frame.url.startswith(target)]
    assert page.locator("text=Session expired").count() == 0


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["location at once", "location later", "inserted meta refresh"])
def test_a_report_navigating_to_another_site_is_blanked(live_server, page, attacker, how):
    report = _navigating_report(how, attacker)
    url = f"{live_server.url}/crypto_report/{report.id}?lang=vi"

    page.goto(url)

    _assert_blanked(page, attacker, NOTICE_VI)
    assert page.url == url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["location at once", "inserted meta refresh"])
def test_a_report_navigating_to_another_report_is_blanked(live_server, page, how):
    # Another report's document is allowed by the site's frame-src and X-Frame-Options: only
    # the page's own check stands between it and the reader.
    other = report_create(html_content="<h1 id='evil'>Session expired: enter your password</h1>")
    target = f"{live_server.url}/crypto_report/{other.id}/document"
    report = _navigating_report(how, target)

    page.goto(f"{live_server.url}/crypto_report/{report.id}?lang=en")

    _assert_blanked(page, target, NOTICE_EN)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_print_page_blanks_a_navigating_report(live_server, page, attacker):
    report = _navigating_report("location later", attacker)

    page.goto(f"{live_server.url}/crypto_report/{report.id}/pdf?lang=vi")

    _assert_blanked(page, attacker, NOTICE_VI)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_admin_preview_blanks_a_navigating_report(live_server, page, admin_user, attacker):
    report = _navigating_report("location later", attacker)
    client = Client()
    client.force_login(admin_user)
    session = client.cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])

    page.goto(f"{live_server.url}/admin/crypto_reports/report/{report.id}/preview/?lang=vi")

    _assert_blanked(page, attacker, NOTICE_VI)
    assert "/admin/" in page.url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_meta_refresh_in_the_html_never_fires(live_server, page, attacker):
    report = report_create(
        html_content=f'<h1>Báo cáo</h1><meta http-equiv="refresh" content="0;url={attacker}"><base href="{attacker}/">',
        html_content_en=f"<h1>Report</h1><META HTTP-EQUIV=Refresh CONTENT='0;url={attacker}'>",
        js_content="function initializeAllVisuals_report() { document.body.dataset.ran = '1'; }",
    )

    page.goto(f"{live_server.url}/crypto_report/{report.id}")
    frame = page.frame_locator("#report-frame")
    frame.locator("body[data-ran]").wait_for()
    page.click("[data-report-lang-button='en']")  # the other version, put in by innerHTML
    frame.locator("h1", has_text="Report").wait_for()
    page.wait_for_timeout(1_000)  # a 0-second refresh would have fired by now

    assert _Attacker.seen == []
    assert page.locator("#report-frame").count() == 1
    assert page.locator("#report-frame-blocked").is_hidden()


@pytest.mark.django_db
def test_meta_and_base_are_removed_from_both_versions_of_the_document(attacker):
    report = report_create(
        html_content=f'<h1>A</h1><meta http-equiv="refresh" content="0;url={attacker}"><base href="{attacker}/">',
        html_content_en=f"<h1>B</h1><meta\nhttp-equiv=refresh content='0;url={attacker}'/>",
    )
    client = Client(headers={"Sec-Fetch-Dest": "iframe"})

    for lang in ("vi", "en"):
        html = client.get(f"/crypto_report/{report.id}/document?report_lang={lang}").content.decode()
        body = html.split("<body>", 1)[1]
        assert attacker not in html
        assert not re.search(r"<(meta|base)[\s/>]", body, re.IGNORECASE), body


@pytest.mark.parametrize(
    "html",
    [
        '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
        "<META HTTP-EQUIV=REFRESH CONTENT=0;URL=https://evil.example/>",
        "<meta/http-equiv=refresh/content=0;url=https://evil.example/>",
        "<meta\thttp-equiv='refresh'\ncontent='0; url=https://evil.example/?a>b'>",
        '<meta content="0;url=https://evil.example/" http-equiv="refresh"',  # unterminated, at the end
        "<<meta>meta http-equiv=refresh content=0;url=https://evil.example/>",  # rejoined after removal
        "<<base>base href=https://evil.example/>",
        '<base href="https://evil.example/">',
        "<!-- --!><meta http-equiv=refresh content=0;url=https://evil.example/> -->",  # comment end html.parser misses
        "<![CDATA[ > <meta http-equiv=refresh content=0;url=https://evil.example/> ]]>",
        "<svg><meta http-equiv=refresh content=0;url=https://evil.example/></svg>",
    ],
)
def test_no_meta_or_base_tag_survives_the_filter(html):
    cleaned = navigation_tags_strip(f"<p>before</p>{html}<p>after</p>")

    assert not re.search(r"<(meta|base)(?=[\t\n\f\r />]|$)", cleaned, re.IGNORECASE), cleaned
    assert cleaned.startswith("<p>before</p>")


def test_the_filter_leaves_everything_else_alone():
    html = (
        "<h1 class='t' data-x='1' style='color:red'>Tiêu đề</h1><metadata>m</metadata><basefont>"
        "<svg viewBox='0 0 10 10'><path d='M0 0'/></svg><img src='data:image/png;base64,AA'>"
        "<p title='a > b'>meta base</p><style>.x{color:red}</style>"
    )

    assert navigation_tags_strip(html) == html
