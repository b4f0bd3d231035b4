"""With REPORTS_ORIGIN set, report documents come from a separate origin that has no site cookies.

The attack this answers: a report document on the site's own origin is one navigation away from
the site's cookies and pages. With REPORTS_ORIGIN the frame loads the document from that origin,
the site's host no longer serves documents, and the reports host serves nothing but documents
(no admin login there, so no cookie is ever set for it).
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from channels.testing import HttpCommunicator
from django.core.signals import request_started
from django.test import Client

from cryptodash.asgi import application
from islands.cache_system.services import summary_store
from islands.crypto_reports.services import report_create
from islands.shared_components.page_cache import page_cache_reset, page_cache_stats

ROOT = Path(__file__).resolve().parents[2]


pytestmark = pytest.mark.usefixtures("sync_orm_beside_playwright")


@pytest.fixture
def reports_origin(settings) -> str:
    settings.REPORTS_ORIGIN = "https://reports.example.org"
    settings.ALLOWED_HOSTS = ["testserver", "reports.example.org"]
    page_cache_reset()
    yield settings.REPORTS_ORIGIN
    page_cache_reset()


@pytest.fixture
def report(db):
    return report_create(html_content="<h1>Báo cáo</h1>", js_content="function initializeAllVisuals_report() {}")


def _reports(**headers: str) -> Client:
    return Client(HTTP_HOST="reports.example.org", headers={"Sec-Fetch-Dest": "iframe", **headers}, secure=True)


def test_the_frame_loads_the_document_from_the_reports_origin(client, report, reports_origin):
    html = client.get(f"/crypto_report/{report.id}").content.decode()

    src = re.search(r'data-src="([^"]+)"', html).group(1)
    assert src.startswith(f"https://reports.example.org/crypto_report/{report.id}/document?")


def test_the_site_host_no_longer_serves_documents(report, reports_origin):
    response = Client(headers={"Sec-Fetch-Dest": "iframe"}).get(f"/crypto_report/{report.id}/document")

    assert response.status_code == 404


def test_the_reports_host_serves_the_document_framable_by_the_site(report, reports_origin):
    response = _reports().get(f"/crypto_report/{report.id}/document")

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors testserver:*;" in policy and "'self'" not in policy.split("frame-ancestors")[1]
    # X-Frame-Options cannot name another origin: the CSP decides.
    assert "X-Frame-Options" not in response
    assert not response.cookies
    assert _reports(**{"Sec-Fetch-Dest": "document"}).get(f"/crypto_report/{report.id}/document").status_code == 403


@pytest.mark.parametrize("path", ["/admin/login/", "/crypto_report/{id}", "/crypto_reports_list", "/", "/rss.xml"])
def test_the_reports_host_serves_nothing_else(report, reports_origin, path):
    response = _reports().get(path.format(id=report.id))

    assert response.status_code == 404
    assert response.content == b"This host serves report documents only.\n"
    assert not response.cookies


def test_the_page_cache_leaves_the_reports_host_to_django(report, reports_origin, asgi_request, settings):
    settings.SUMMARY_L1_TTL = 0.0
    summary_store(summary={"btc_price_usd": 97123.45, "timestamp": "2026-11-26T13:00:00Z"})
    before = page_cache_stats()["misses"] + page_cache_stats()["hits"]
    site = asgi_request("/", host="testserver")
    answered = page_cache_stats()["misses"] + page_cache_stats()["hits"]
    assert site["status"] == 200 and answered == before + 1  # the page cache answers the site's home page

    response = asgi_request("/", host="reports.example.org")

    assert response["status"] == 404
    assert page_cache_stats()["misses"] + page_cache_stats()["hits"] == answered


@pytest.fixture
def asgi_request():
    """GET through the project's ASGI application (page cache + Django) on a thread of its own."""

    def request(path: str, *, host: str) -> dict:
        communicator = HttpCommunicator(application, "GET", path, headers=[(b"host", host.encode())])
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, communicator.get_response(timeout=5)).result()

    return request


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("https://reports.example.org", True),
        ("https://reports.example.org:8443/", True),
        ("reports.example.org", False),
        ("https://reports.example.org/path", False),
        ("ftp://reports.example.org", False),
        ("https://user@reports.example.org", False),
        ("https://reports.example.org:99999", False),
    ],
)
def test_reports_origin_is_checked_at_start_up_and_feeds_the_site_policy(value, ok):
    env = {**os.environ, "REPORTS_ORIGIN": value, "DJANGO_SETTINGS_MODULE": "cryptodash.settings"}
    code = (
        "from django.conf import settings as s; "
        "print(s.REPORTS_ORIGIN); print(s.ALLOWED_HOSTS); print(s.CONTENT_SECURITY_POLICY)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )

    if ok:
        origin, hosts, policy = result.stdout.splitlines()
        assert origin == value.rstrip("/")
        assert "'reports.example.org'" in hosts
        assert f"frame-src {origin};" in policy
    else:
        assert result.returncode != 0
        assert "REPORTS_ORIGIN must be an origin" in result.stderr


@pytest.fixture
def document_hosts() -> Iterator[list[tuple[str, str]]]:
    """(Host, Cookie) of each report document request the server saw."""
    seen: list[tuple[str, str]] = []

    def record(sender, environ=None, **kwargs):
        if environ is not None and environ.get("PATH_INFO", "").endswith("/document"):
            seen.append((environ.get("HTTP_HOST", ""), environ.get("HTTP_COOKIE", "")))

    request_started.connect(record, weak=False)
    yield seen
    request_started.disconnect(record)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_chromium_the_frame_comes_from_the_other_origin_without_cookies(live_server, page, settings, document_hosts):
    # localhost and 127.0.0.1 are two origins of the same test server: the site and its reports.
    port = live_server.url.rsplit(":", 1)[1]
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    settings.REPORTS_ORIGIN = f"http://127.0.0.1:{port}"
    settings.CONTENT_SECURITY_POLICY = settings.CONTENT_SECURITY_POLICY.replace(
        "frame-src 'self'", f"frame-src {settings.REPORTS_ORIGIN}"
    )
    report = report_create(
        html_content="<h1>Báo cáo</h1><div id='gauge'></div>",
        js_content="function initializeAllVisuals_report() { createGauge('gauge', 50, {}); }",
    )
    page.context.add_cookies([{"name": "sessionid", "value": "site-session", "url": live_server.url}])

    page.goto(f"{live_server.url}/crypto_report/{report.id}")

    page.frame_locator("#report-frame").locator("#gauge svg").wait_for(timeout=10_000)
    assert page.frames[1].url.startswith(f"http://127.0.0.1:{port}/crypto_report/{report.id}/document?")
    assert page.frames[1].evaluate("self.origin") == "null"
    assert document_hosts and all(host == f"127.0.0.1:{port}" and cookie == "" for host, cookie in document_hosts)
