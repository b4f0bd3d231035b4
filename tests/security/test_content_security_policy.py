"""Every page carries the site's Content-Security-Policy, and no page of the site breaks it.

The finding: only report documents had a CSP, and the dashboard's ASGI fast path sent its own
hard-coded copy of the security headers. Now one function (shared_components.security) sets them
from settings on Django's answers, the page cache replays those, and the policy allows no inline
script: a script injected into any page would not run. Checked per page type and serving path,
and in Chromium by collecting `securitypolicyviolation` events on the home page, a report page and
the admin.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from channels.testing import HttpCommunicator
from django.conf import settings as django_settings
from django.core.asgi import get_asgi_application
from django.test import Client

from cryptodash.asgi import application
from islands.cache_system.services import summary_store
from islands.crypto_reports.services import report_create
from islands.shared_components.page_cache import PageCache, page_cache_stats
from islands.shared_components.security import security_headers, security_headers_middleware

SUMMARY = {
    "btc_price_usd": 97123.45,
    "btc_change_24h": 2.31,
    "eth_price_usd": 3456.78,
    "btc_market_cap_percentage": 56.3,
    "eth_market_cap_percentage": 12.1,
    "fng_value": 72,
    "timestamp": "2026-11-26T13:00:00Z",
    "mode": "live",
}
SECURITY_HEADER_NAMES = (
    "content-security-policy",
    "x-content-type-options",
    "referrer-policy",
    "x-frame-options",
    "cross-origin-opener-policy",
    "strict-transport-security",
)
# Collects every CSP violation in every frame, from before the page's own scripts run.
VIOLATIONS_PROBE = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sample || ""));
});
"""


pytestmark = pytest.mark.usefixtures("sync_orm_beside_playwright")


@pytest.fixture
def asgi_get():
    """GET through the project's ASGI application (page cache + Django) on a thread of its own."""

    def request(path: str, headers: list[tuple[bytes, bytes]] = ()) -> dict:
        all_headers = [(b"host", b"127.0.0.1"), *headers]
        communicator = HttpCommunicator(application, "GET", path, headers=all_headers)
        with ThreadPoolExecutor(max_workers=1) as pool:
            response = pool.submit(asyncio.run, communicator.get_response(timeout=5)).result()
        response["header_map"] = {k.decode().lower(): v.decode() for k, v in response["headers"]}
        return response

    return request


def _security(headers) -> dict[str, str]:
    return {
        name: value for name, value in ((k.lower(), v) for k, v in headers.items()) if name in SECURITY_HEADER_NAMES
    }


def _assert_site_policy(policy: str) -> None:
    directives = dict(part.split(" ", 1) for part in policy.split("; "))
    assert directives["script-src"] == "'self'"
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


@pytest.mark.django_db
def test_every_kind_of_page_carries_the_policy(admin_user):
    summary_store(summary=SUMMARY)
    report = report_create(html_content="<h1>Báo cáo</h1>")
    staff = Client()
    staff.force_login(admin_user)
    pages = {
        "home (Django)": Client().get("/"),
        "summary API (Django)": Client().get("/api/crypto/dashboard-summary"),
        "summary API, cached": Client().get("/api/crypto/dashboard-summary/cached"),
        "history API": Client().get("/api/crypto/history?field=btc_price_usd&range=1h"),
        "report page": Client().get(f"/crypto_report/{report.id}"),
        "latest report": Client().get("/crypto_report"),
        "print page": Client().get(f"/crypto_report/{report.id}/pdf"),
        "report list": Client().get("/crypto_reports_list"),
        "rss": Client().get("/rss.xml"),
        "robots.txt": Client().get("/robots.txt"),
        "admin login": Client().get("/admin/login/"),
        "admin report list": staff.get("/admin/crypto_reports/report/"),
        "admin preview": staff.get(f"/admin/crypto_reports/report/{report.id}/preview/"),
        "404": Client().get("/no-such-page"),
        "405": Client().post("/crypto_reports_list"),
    }

    for name, response in pages.items():
        assert response["Content-Security-Policy"] == django_settings.CONTENT_SECURITY_POLICY, name
        assert response["X-Content-Type-Options"] == "nosniff", name
    _assert_site_policy(django_settings.CONTENT_SECURITY_POLICY)


@pytest.mark.django_db
def test_the_report_document_keeps_its_own_stricter_policy():
    report = report_create(html_content="<h1>Báo cáo</h1>")

    response = Client(headers={"Sec-Fetch-Dest": "iframe"}).get(f"/crypto_report/{report.id}/document")

    assert response["Content-Security-Policy"] != django_settings.CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.django_db
def test_a_304_for_the_document_repeats_its_own_policy_not_the_sites():
    # A browser stores a 304's headers over its cached copy: the site's frame-ancestors 'none'
    # there would stop the cached document from being framed again.
    report = report_create(html_content="<h1>Báo cáo</h1>")
    framed = Client(headers={"Sec-Fetch-Dest": "iframe"})
    first = framed.get(f"/crypto_report/{report.id}/document")

    again = framed.get(f"/crypto_report/{report.id}/document", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    for name in ("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"):
        assert again[name] == first[name], name


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/api/crypto/dashboard-summary"])
def test_the_page_cache_sends_the_same_security_headers_as_django(asgi_get, fresh_page_cache, path):
    summary_store(summary=SUMMARY)
    before = page_cache_stats()["misses"]

    fast = asgi_get(path)
    via_django = Client(HTTP_HOST="127.0.0.1").get(path)

    assert page_cache_stats()["misses"] == before + 1  # the answer came from the page cache
    assert fast["status"] == 200
    assert _security(fast["header_map"]) == _security(via_django.headers)
    assert fast["header_map"]["content-security-policy"] == django_settings.CONTENT_SECURITY_POLICY


@pytest.mark.django_db
def test_the_page_cache_follows_the_settings(asgi_get, fresh_page_cache, settings):
    settings.CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; report-to csp"
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
    summary_store(summary=SUMMARY)
    before = page_cache_stats()["misses"]

    plain = asgi_get("/")
    secure = asgi_get("/", [(b"x-forwarded-proto", b"https")])
    via_django = Client(HTTP_HOST="127.0.0.1").get("/", HTTP_X_FORWARDED_PROTO="https")

    assert page_cache_stats()["misses"] == before + 2  # both answered by the page cache (a variant each)
    assert plain["header_map"]["content-security-policy"] == settings.CONTENT_SECURITY_POLICY
    assert plain["header_map"]["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in plain["header_map"]
    assert secure["header_map"]["strict-transport-security"] == "max-age=3600; includeSubDomains"
    assert _security(secure["header_map"]) == _security(via_django.headers)
    assert dict(security_headers(secure=True))["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"


@pytest.mark.django_db
def test_with_ssl_redirect_the_fast_path_leaves_plain_http_to_django(fresh_page_cache, settings):
    settings.SECURE_SSL_REDIRECT = True
    summary_store(summary=SUMMARY)
    # Django's SecurityMiddleware reads the setting when the handler is built: build one now.
    app = PageCache(get_asgi_application())
    before = page_cache_stats()["misses"] + page_cache_stats()["hits"]

    communicator = HttpCommunicator(app, "GET", "/", headers=[(b"host", b"127.0.0.1")])
    with ThreadPoolExecutor(max_workers=1) as pool:
        response = pool.submit(asyncio.run, communicator.get_response(timeout=5)).result()

    assert response["status"] == 301
    assert dict(response["headers"])[b"Location"] == b"https://127.0.0.1/"
    assert page_cache_stats()["misses"] + page_cache_stats()["hits"] == before


def test_the_middleware_is_sync_and_async_capable():
    assert security_headers_middleware.sync_capable and security_headers_middleware.async_capable


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_page_breaks_the_policy_in_chromium(live_server, page, admin_user):
    summary_store(summary=SUMMARY)
    report = report_create(
        html_content="<h1>Báo cáo</h1><div id='gauge'></div>",
        js_content="function initializeAllVisuals_report() { createGauge('gauge', 50, {}); }",
    )
    client = Client()
    client.force_login(admin_user)
    session = client.cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    page.add_init_script(VIOLATIONS_PROBE)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    checks = {
        "/?lang=en": "[data-field='btc_price_usd']",
        f"/crypto_report/{report.id}": "#report-frame[data-sized]",
        f"/crypto_report/{report.id}/pdf": "#report-frame[data-sized]",
        "/crypto_reports_list": "main",
        "/admin/": "#content-main",
        "/admin/crypto_reports/report/": "#result_list",
        f"/admin/crypto_reports/report/{report.id}/change/": "#report_form",
        f"/admin/crypto_reports/report/{report.id}/preview/": "#report-frame[data-sized]",
    }
    for path, ready in checks.items():
        page.goto(f"{live_server.url}{path}", wait_until="load")
        page.wait_for_selector(ready, state="attached", timeout=10_000)
        page.wait_for_timeout(300)
        for frame in page.frames:
            assert frame.evaluate("window.__cspViolations || []") == [], (path, frame.url)
    assert not [text for text in console if "Content Security Policy" in text], console
