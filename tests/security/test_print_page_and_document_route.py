"""The print page raises no dialog for a report, and the report document is never a page of its own.

The attack: a report calls prompt("Session expired - re-enter your password") (and alert,
confirm, print); on the old print page it ran top-level with allow-modals, so the prompt showed on
the site's own URL. And /crypto_report/<id>/document opened top-level let the report's script
send the visitor anywhere from the site's URL. Now no page allows modals, the print page frames
the report like the report page does, and the document answers only a frame's request.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.signals import request_started
from django.test import Client

from islands.crypto_reports.services import report_create

PHISHING_JS = """
function initializeAllVisuals_report() {
  var results = {};
  function attempt(name, fn) {
    try { results[name] = "returned:" + String(fn()); } catch (e) { results[name] = "threw:" + e.name; }
  }
  attempt("prompt", function () { return prompt("Session expired - re-enter your password"); });
  attempt("alert", function () { return alert("Session expired"); });
  attempt("confirm", function () { return confirm("Stay signed in?"); });
  attempt("print", function () { return print(); });
  document.body.setAttribute("data-results", JSON.stringify(results));
}
"""


pytestmark = pytest.mark.usefixtures("sync_orm_beside_playwright")


@pytest.fixture
def phishing_report(db):
    return report_create(html_content="<h1>Báo cáo</h1>", js_content=PHISHING_JS)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("suffix", ["/pdf", "", "/pdf?report_lang=en"])
def test_a_report_raises_no_dialog_on_the_print_or_report_page(live_server, page, phishing_report, suffix):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(f"{dialog.type}: {dialog.message}"), dialog.dismiss()))
    url = f"{live_server.url}/crypto_report/{phishing_report.id}{suffix}"

    page.goto(url)
    body = page.frame_locator("#report-frame").locator("body[data-results]")
    body.wait_for(timeout=10_000)

    assert dialogs == []
    results = body.get_attribute("data-results")
    assert '"prompt":"returned:null"' in results  # the sandbox refused it; the report went on
    assert page.url == url
    assert page.evaluate("self.origin") == live_server.url
    assert page.frames[1].evaluate("self.origin") == "null"


@pytest.fixture
def document_requests() -> Iterator[list[str]]:
    """Sec-Fetch-Dest of each request for a report document, as the server saw it."""
    seen: list[str] = []

    def record(sender, environ=None, **kwargs):
        if environ is not None and environ.get("PATH_INFO", "").endswith("/document"):
            seen.append(environ.get("HTTP_SEC_FETCH_DEST", "(none)"))

    request_started.connect(record, weak=False)
    yield seen
    request_started.disconnect(record)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_document_opened_top_level_leads_to_its_report_page(live_server, page, phishing_report, document_requests):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto(f"{live_server.url}/crypto_report/{phishing_report.id}/document")

    # Redirected to the report page; the report runs only inside its frame there.
    assert page.url == f"{live_server.url}/crypto_report/{phishing_report.id}"
    page.frame_locator("#report-frame").locator("body[data-results]").wait_for(timeout=10_000)
    assert document_requests[:2] == ["document", "iframe"]
    assert dialogs == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Sec-Fetch-Dest": "iframe"}, 200),
        ({"Sec-Fetch-Dest": "document"}, 302),
        ({"Sec-Fetch-Dest": "embed"}, 403),
        ({"Sec-Fetch-Dest": "object"}, 403),
        ({"Sec-Fetch-Dest": "script"}, 403),
        ({"Sec-Fetch-Dest": "empty"}, 403),
        # Without Fetch Metadata (older browsers; plain HTTP to a non-localhost host): the Referer
        # the site's frames send decides.
        ({"Referer": "http://testserver/"}, 200),
        ({"Referer": "http://localhost:8050/"}, 200),
        ({"Referer": "https://evil.example/phish"}, 403),
        ({}, 403),
        # A page elsewhere cannot pass its top-level visit off as the site's frame.
        ({"Sec-Fetch-Dest": "document", "Referer": "http://testserver/"}, 302),
    ],
)
def test_the_document_answers_only_a_frame(phishing_report, headers, status, settings):
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    client = Client(headers=headers)
    url = f"/crypto_report/{phishing_report.id}/document"

    response = client.get(url)

    assert response.status_code == status
    if status == 200:
        assert "initializeAllVisuals_report" in response.content.decode()
        assert {"Sec-Fetch-Dest", "Referer"} <= {v.strip() for v in response["Vary"].split(",")}
    elif status == 302:
        assert response["Location"] == f"/crypto_report/{phishing_report.id}"
    else:
        assert "only shown inside its report page" in response.content.decode()
        assert "initializeAllVisuals_report" not in response.content.decode()


@pytest.mark.django_db
def test_no_page_allows_modals(phishing_report, admin_user):
    framed = Client(headers={"Sec-Fetch-Dest": "iframe"})
    staff = Client()
    staff.force_login(admin_user)
    report = phishing_report.id

    pages = {
        "report": staff.get(f"/crypto_report/{report}"),
        "print": staff.get(f"/crypto_report/{report}/pdf"),
        "preview": staff.get(f"/admin/crypto_reports/report/{report}/preview/"),
        "document": framed.get(f"/crypto_report/{report}/document"),
        "print document": framed.get(f"/crypto_report/{report}/document?report_mode=print"),
    }

    for name, response in pages.items():
        assert response.status_code == 200, name
        assert "allow-modals" not in response.content.decode(), name
        assert "allow-modals" not in response.get("Content-Security-Policy", ""), name
        if "document" in name:
            assert response["Content-Security-Policy"].endswith("; sandbox allow-scripts"), name
        else:
            assert 'sandbox="allow-scripts"' in response.content.decode(), name
