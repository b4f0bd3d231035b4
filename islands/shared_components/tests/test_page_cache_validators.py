"""Stored answers are replayed with their validators: ETag and Last-Modified, 304, HEAD, encodings.

Validators are Django's: the view's ETag (conditional_page) and get_conditional_response here.
A compressed representation carries the ETag weak (as Django's GZipMiddleware does), so a client
holding any of them gets its 304.
"""

from __future__ import annotations

import pytest

from islands.cache_system.services import summary_store
from islands.crypto_reports.services import report_create

# The ASGI app reads the database from its own thread: the rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def report(transactional_db):
    summary_store(summary={"btc_price_usd": 1.0})
    return report_create(html_content="<h1>Báo cáo</h1>" + "<p>nội dung</p>" * 100)


@pytest.mark.parametrize("path", ["/", "/crypto_report/{id}", "/crypto_reports_list", "/rss.xml", "/robots.txt"])
def test_a_matching_if_none_match_gets_a_304_without_a_render(asgi, report, renders, path):
    url = path.format(id=report.id)
    first = asgi(url)
    rendered = len(renders)

    again = asgi(url, headers=[(b"if-none-match", first["header_map"]["etag"].encode())])
    other = asgi(url, headers=[(b"if-none-match", b'"something-else"')])

    assert first["status"] == 200 and first["header_map"]["etag"]
    assert again["status"] == 304 and again["body"] == b""
    assert again["header_map"]["etag"] == first["header_map"]["etag"]
    assert again["header_map"]["content-security-policy"] == first["header_map"]["content-security-policy"]
    assert other["status"] == 200 and other["body"] == first["body"]
    assert len(renders) == rendered


def test_a_compressed_copy_is_validated_too(asgi, report):
    url = f"/crypto_report/{report.id}"
    gz = asgi(url, headers=[(b"accept-encoding", b"gzip")])
    assert gz["header_map"]["content-encoding"] == "gzip"
    assert gz["header_map"]["etag"].startswith('W/"')

    again = asgi(url, headers=[(b"accept-encoding", b"gzip"), (b"if-none-match", gz["header_map"]["etag"].encode())])

    assert again["status"] == 304


def test_if_modified_since_counts_for_the_summary_api(asgi, report):
    first = asgi("/api/crypto/dashboard-summary")
    since = first["header_map"]["last-modified"].encode()

    assert asgi("/api/crypto/dashboard-summary", headers=[(b"if-modified-since", since)])["status"] == 304
    earlier = b"Thu, 01 Jan 2015 00:00:00 GMT"
    assert asgi("/api/crypto/dashboard-summary", headers=[(b"if-modified-since", earlier)])["status"] == 200


@pytest.mark.parametrize("path", ["/", "/crypto_report/{id}", "/sitemap.xml"])
def test_head_gets_the_headers_of_get_without_a_body(asgi, report, path):
    url = path.format(id=report.id)
    head = asgi(url, method="HEAD")
    get = asgi(url)

    assert head["status"] == 200 and head["body"] == b""
    assert head["header_map"]["content-length"] == str(len(get["body"]))
    assert head["header_map"]["etag"] == get["header_map"]["etag"]


def test_the_stored_answer_keeps_the_headers_django_gave(asgi, report, client):
    url = f"/crypto_report/{report.id}"
    cached = asgi(url)["header_map"]
    django = client.get(url)

    for name in ("content-type", "cache-control", "content-language", "x-frame-options", "referrer-policy"):
        assert cached[name] == django[name], name
    # The stored copy adds the encodings it can serve, as GZipMiddleware would.
    assert cached["vary"] == django["vary"] + ", Accept-Encoding"
