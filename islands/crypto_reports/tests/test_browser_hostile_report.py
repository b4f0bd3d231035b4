"""A hostile report runs in a real browser and reaches nothing of the site's origin.

The report's JS tries the cookie jar, the parent's DOM, top-level navigation, storage, a popup
and a credentialed fetch('/admin/'); its HTML carries <img onerror> and an inline <script>;
its CSS tries to close its <style> (and carries </script>). The assertions are made from the
page and the server: the parent's cookie, title, DOM and URL are unchanged, the server saw no
/admin/ request, and the frame's origin is "null".
"""

import json

import pytest
from django.core.signals import request_started

from islands.crypto_reports.services import report_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE_HTML = """
<h1>Hostile report</h1>
<img src="missing.png" onerror="document.body.setAttribute('data-onerror-ran','1'); parent.document.title='PWNED'">
<script>document.body.setAttribute('data-inline-ran','1'); parent.document.title='PWNED';</script>
<pre id="results"></pre>
"""
HOSTILE_CSS = (
    "body{color:#222}</style><script>document.body.setAttribute('data-css-ran','1')</script>"
    "<style>/* </script><script>parent.document.title='PWNED'</script> */ h1{color:#900}"
)
HOSTILE_JS = """
function initializeAllVisuals_report() {
  var results = {};
  function attempt(name, fn) {
    try { results[name] = "ok:" + String(fn()); } catch (e) { results[name] = "blocked:" + e.name; }
  }
  attempt("cookie", function () { return document.cookie; });
  attempt("set_cookie", function () { document.cookie = "pwned=1; path=/"; return document.cookie; });
  attempt("parent_cookie", function () { return parent.document.cookie; });
  attempt("parent_dom", function () { parent.document.body.innerHTML = "PWNED"; return "written"; });
  attempt("top_location", function () { top.location = "/admin/?from=top"; return "assigned"; });
  attempt("storage", function () { return localStorage.length; });
  attempt("popup", function () { return String(window.open("/admin/?from=popup")); });
  attempt("image", function () { new Image().src = "/admin/?from=image"; return "requested"; });
  results.origin = self.origin;
  results.charts = typeof createGauge;
  fetch("/admin/?from=fetch", { credentials: "include" }).then(
    function (r) { results.fetch = "ok:" + r.status; },
    function (e) { results.fetch = "blocked:" + e.name; }
  ).then(function () {
    document.getElementById("results").textContent = JSON.stringify(results);
    document.body.setAttribute("data-done", "1");
  });
}
"""


@pytest.fixture
def server_paths():
    seen: list[str] = []

    def record(sender, environ=None, **kwargs):
        if environ is not None:
            seen.append(environ.get("PATH_INFO", "") + "?" + environ.get("QUERY_STRING", ""))

    request_started.connect(record, weak=False)
    yield seen
    request_started.disconnect(record)


def test_a_hostile_report_cannot_reach_the_site(live_server, page, client, admin_user, server_paths):
    report = report_create(html_content=HOSTILE_HTML, css_content=HOSTILE_CSS, js_content=HOSTILE_JS)
    # A logged-in administrator reads the report: a credentialed request would be worth stealing.
    client.force_login(admin_user)
    session = client.cookies["sessionid"].value
    page.context.add_cookies(
        [
            {"name": "sessionid", "value": session, "url": live_server.url},
            {"name": "victim", "value": "secret", "url": live_server.url},
        ]
    )
    url = f"{live_server.url}/crypto_report/{report.id}?lang=en"

    page.goto(url)
    title = page.title()
    frame = page.frame_locator("#report-frame")
    frame.locator("body[data-done]").wait_for(timeout=10_000)
    page.wait_for_timeout(300)  # let any navigation or late request the report started happen

    results = json.loads(frame.locator("#results").text_content())
    assert results["origin"] == "null"
    assert results["charts"] == "function"  # the report's JS did run, with the chart helpers
    for attempt in ("cookie", "set_cookie", "parent_cookie", "parent_dom", "top_location", "storage"):
        assert results[attempt].startswith("blocked:"), (attempt, results[attempt])
    assert results["fetch"].startswith("blocked:")
    assert results["popup"] in ("ok:null", "blocked:SecurityError")

    body = frame.locator("body")
    for marker in ("data-onerror-ran", "data-inline-ran", "data-css-ran"):
        assert body.get_attribute(marker) is None, marker

    assert page.url == url
    assert page.title() == title and "PWNED" not in title
    assert page.locator("#report-frame").count() == 1
    assert "PWNED" not in page.locator("body").inner_text()
    parent_cookie = page.evaluate("document.cookie")
    assert "victim=secret" in parent_cookie and "pwned" not in parent_cookie
    assert {c["name"] for c in page.context.cookies()} >= {"sessionid", "victim"}
    assert "pwned" not in {c["name"] for c in page.context.cookies()}
    assert not [path for path in server_paths if path.startswith("/admin/")], server_paths
    assert any(path.startswith(f"/crypto_report/{report.id}/document") for path in server_paths)
