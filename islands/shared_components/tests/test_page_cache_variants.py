"""Variants are kept apart, and nothing user-specific is ever stored or served from the store.

The key is (path, declared query, host, scheme, language, theme), decided as the preference
middleware decides them. A request with a session (a logged-in user, staff) or any cookie but the
preference cookies goes to Django and its answer is not stored; so does a query parameter the view
does not declare (`?lang=` sets a cookie), and any answer that sets a cookie.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from islands.cache_system.services import summary_store
from islands.crypto_reports.services import report_create
from islands.shared_components.page_cache import _storable, page_cache_stats

# The ASGI app reads the database from its own thread: the rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def report(transactional_db):
    summary_store(summary={"btc_price_usd": 1.0})
    return report_create(html_content="<h1>Báo cáo</h1>", html_content_en="<h1>Report</h1>")


def test_languages_and_themes_get_their_own_pages(asgi, report):
    page = f"/crypto_report/{report.id}"
    vi = asgi(page, headers=[(b"accept-language", b"vi")])
    en = asgi(page, headers=[(b"accept-language", b"en-GB,en;q=0.9")])
    en_cookie = asgi(page, headers=[(b"cookie", b"cryptodash_lang=en")])
    dark = asgi(page, headers=[(b"accept-language", b"en"), (b"cookie", b"cryptodash_theme=dark")])
    home_dark = asgi("/", headers=[(b"cookie", b"cryptodash_theme=dark")])
    home_light = asgi("/")

    assert '<html lang="vi"' in vi["body"].decode() and '<html lang="en"' in en["body"].decode()
    assert en_cookie["body"] == en["body"]  # the same variant, decided from the cookie
    assert 'data-theme="dark"' in dark["body"].decode() and 'data-theme="light"' in en["body"].decode()
    assert 'data-theme="dark"' in home_dark["body"].decode()
    assert 'data-theme="light"' in home_light["body"].decode()
    assert len({vi["header_map"]["etag"], en["header_map"]["etag"], dark["header_map"]["etag"]}) == 3
    assert page_cache_stats()["hits"] == 1  # en_cookie: the English page rendered for the header


def test_a_zone_alias_is_the_page_of_its_canonical_zone(asgi, report):
    # Chromium reports Vietnam's zone as Asia/Saigon: the same page, named Asia/Ho_Chi_Minh.
    canonical = asgi("/", headers=[(b"cookie", b"cryptodash_tz=Asia/Ho_Chi_Minh")])
    alias = asgi("/", headers=[(b"cookie", b"cryptodash_tz=Asia/Saigon")])
    assert alias["status"] == 200
    assert alias["body"] == canonical["body"]
    assert "Asia/Saigon" not in alias["body"].decode()
    assert page_cache_stats()["hits"] == 1


@pytest.mark.parametrize("persona", ["reader", "staff"])
def test_a_logged_in_user_is_never_served_the_anonymous_page_nor_stored(asgi, report, persona, admin_user):
    page = f"/crypto_report/{report.id}"
    asgi(page)  # an anonymous page in the store
    user = admin_user if persona == "staff" else get_user_model().objects.create_user("reader", password="x" * 16)
    browser = Client()
    browser.force_login(user)
    session = browser.cookies["sessionid"].value
    stored = page_cache_stats()
    cookies = f"sessionid={session}; cryptodash_lang=vi".encode()

    answer = asgi(page, headers=[(b"cookie", cookies)])
    again = asgi(page, headers=[(b"cookie", cookies)])

    after = page_cache_stats()
    assert answer["status"] == again["status"] == 200
    assert after["hits"] == stored["hits"] and after["misses"] == stored["misses"]  # both went to Django
    assert after["passes"] == stored["passes"] + 2
    assert after["entries"] == stored["entries"]  # and neither was stored


def test_a_query_parameter_the_view_does_not_declare_goes_to_django(asgi, report):
    before = page_cache_stats()

    chosen = asgi(f"/crypto_report/{report.id}", query=b"lang=en")
    other = asgi("/crypto_reports_list", query=b"utm_source=x")
    page_two = asgi("/crypto_reports_list", query=b"page=2")

    after = page_cache_stats()
    assert "cryptodash_lang=en" in chosen["header_map"]["set-cookie"]  # Django's answer, cookie and all
    assert other["status"] == page_two["status"] == 200
    assert after["passes"] == before["passes"] + 2
    assert after["misses"] == before["misses"] + 1  # ?page= is declared by the list view


def test_answers_that_set_a_cookie_say_no_store_or_vary_elsewhere_are_not_stored():
    base = [(b"content-type", b"text/html")]
    assert _storable(200, base)
    assert _storable(200, [*base, (b"vary", b"Cookie, Accept-Language")])
    assert not _storable(200, [*base, (b"set-cookie", b"sessionid=abc")])
    assert not _storable(200, [*base, (b"cache-control", b"no-cache, no-store")])
    assert not _storable(200, [*base, (b"vary", b"Sec-Fetch-Dest, Referer")])
    assert not _storable(200, [*base, (b"vary", b"*")])
    assert not _storable(404, base)


def test_the_report_document_is_not_cached(asgi, report):
    before = page_cache_stats()
    framed = asgi(f"/crypto_report/{report.id}/document", headers=[(b"sec-fetch-dest", b"iframe")])
    top = asgi(f"/crypto_report/{report.id}/document", headers=[(b"sec-fetch-dest", b"document")])

    assert framed["status"] == 200 and top["status"] == 302
    assert page_cache_stats() == before  # not a declared route: Django alone answers it
