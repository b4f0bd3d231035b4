"""The header's account links on the pages the page cache replays, as each visitor gets them.

A signed-in visitor's request (it carries the session cookie) goes past the store to Django and is
rendered with the request: "Log out" with a log-out form whose CSRF token works. An anonymous one
is stored once per variant and replayed, and shows "Log in".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client

from islands.cache_system.services import markets_store, summary_store
from islands.crypto_reports.services import report_create
from islands.markets.tests.conftest import coins_usd
from islands.shared_components.page_cache import page_cache_stats

# The ASGI app reads the database from its own thread: the rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

ENGLISH = (b"accept-language", b"en")
TOKEN = re.compile(
    r'<form method="post" action="/accounts/logout/"[^>]*>\s*<input type="hidden" '
    r'name="csrfmiddlewaretoken" value="([^"]+)">'
)


@pytest.fixture
def pages(fresh_page_cache, monkeypatch) -> list[str]:
    # The test writes rows with the ORM while the ASGI app runs on its own loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    summary_store(summary={"btc_price_usd": 67012.34})
    table = {"coins": coins_usd(), "updated_at": "2026-11-29T00:00:00Z", "source": "coingecko", "top_n": 100}
    markets_store(table=table)
    report = report_create(html_content="<h1>Báo cáo</h1>", html_content_en="<h1>Report</h1>")
    return ["/", "/markets", "/coin/bitcoin", f"/crypto_report/{report.id}", "/crypto_reports_list"]


def _session_cookie() -> str:
    user = get_user_model().objects.create_user("ann", email="ann@example.org", password="x" * 16)
    browser = Client()
    browser.force_login(user)
    return browser.cookies["sessionid"].value


def _set_cookie(response: dict[str, Any], name: str) -> str:
    for header, value in response["headers"]:
        if header.lower() == b"set-cookie" and value.startswith(f"{name}=".encode()):
            return value.decode().split(";", 1)[0].split("=", 1)[1]
    raise AssertionError(f"no {name} cookie set")


@pytest.mark.parametrize("index", range(5), ids=["home", "markets", "coin", "report", "report-list"])
def test_a_signed_in_visitor_sees_log_out_and_its_form_logs_out(asgi: Callable, pages: list[str], index: int):
    session = _session_cookie()
    cookie = f"sessionid={session}".encode()
    before = page_cache_stats()

    page = asgi(pages[index], headers=[ENGLISH, (b"cookie", cookie)])

    body = page["body"].decode()
    assert page["status"] == 200
    assert "Log out" in body and "/accounts/login/" not in body
    assert page_cache_stats()["entries"] == before["entries"]  # a signed-in page is never stored
    token = TOKEN.search(body).group(1)
    csrf = _set_cookie(page, "csrftoken")
    logout = asgi(
        "/accounts/logout/",
        method="POST",
        headers=[
            ENGLISH,
            (b"cookie", f"sessionid={session}; csrftoken={csrf}".encode()),
            (b"content-type", b"application/x-www-form-urlencoded"),
        ],
        body=f"csrfmiddlewaretoken={token}".encode(),
    )
    assert logout["status"] == 302
    assert not Session.objects.filter(session_key=session).exists()


@pytest.mark.parametrize("index", range(5), ids=["home", "markets", "coin", "report", "report-list"])
def test_an_anonymous_page_is_stored_once_and_replayed_with_log_in(asgi: Callable, pages: list[str], index: int):
    before = page_cache_stats()

    first = asgi(pages[index], headers=[ENGLISH])
    second = asgi(pages[index], headers=[ENGLISH])

    after = page_cache_stats()
    assert first["status"] == second["status"] == 200
    assert after["misses"] == before["misses"] + 1 and after["hits"] == before["hits"] + 1
    assert after["entries"] == before["entries"] + 1
    assert second["body"] == first["body"]
    body = first["body"].decode()
    assert "/accounts/login/" in body and "Log out" not in body and "csrfmiddlewaretoken" not in body
    assert "set-cookie" not in first["header_map"]
