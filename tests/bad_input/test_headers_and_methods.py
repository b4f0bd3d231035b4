"""Hostile headers and methods on both serving paths of `/` and the summary API: the ASGI page cache
(cryptodash.asgi.application) and Django's own stack (the test Client). A bad Host is a 400, a
garbled optional header falls back to the default answer, an unsafe method is a 405."""

from __future__ import annotations

import orjson
import pytest
from celery import current_app
from django.test import Client

pytestmark = pytest.mark.django_db

FAST_ROUTES = ["/", "/api/crypto/dashboard-summary"]


@pytest.mark.parametrize("path", FAST_ROUTES)
@pytest.mark.parametrize(
    "host",
    [
        b"evil.example",
        b"127.0.0.1:abc",
        b"[::1",
        b"127.0.0.1\x00.evil",
        b"\xc3\xa9vil.example",
        b"a" * 5_000,
        b"127.0.0.1, evil.example",
    ],
    ids=lambda h: h[:24].decode("latin-1"),
)
def test_a_bad_host_is_a_400_on_both_paths(asgi, stored, path, host):
    fast = asgi(path, headers=[(b"host", host)])
    assert fast["status"] == 400
    django = Client(HTTP_HOST=host.decode("latin-1")).get(path)
    assert django.status_code == 400


def test_a_request_with_an_empty_host_is_a_400(asgi, stored):
    assert asgi("/", headers=[(b"host", b"")])["status"] == 400


GARBLED = {
    "cookie": [
        b"x=" + b"y" * 8_000,
        b'lang="vi; theme=<script>alert(1)</script>',
        b";;;==;=;lang;theme=",
        b"lang=\xff\xfe; theme=\x00dark",
    ],
    "accept-language": [
        b"*;q=abc,,,;;;",
        b"en-US;q=NaN, vi;q=1e400",
        b"x" * 10_000,
        b"\xc3\xa9\xc3\xa9-\x00",
    ],
    "if-none-match": [b'"\x00"', b"W/", b'"' + b"f" * 10_000 + b'"', b"*, *, garbage"],
    "if-modified-since": [b"Thu, 99 Foo 99999 99:99:99 GMT", b"0", b"-1", b"Sat, 01 Jan 0001 00:00:00 GMT"],
    "accept-encoding": [b"br;q=NaN, gzip;q=-1", b"*;q=1e400", b"gzip;q=" + b"9" * 5_000, b"\x00"],
}
GARBLED_CASES = [(name, value) for name, values in GARBLED.items() for value in values]


@pytest.mark.parametrize("path", FAST_ROUTES)
@pytest.mark.parametrize(("name", "value"), GARBLED_CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(GARBLED_CASES)])
def test_a_garbled_optional_header_gets_the_full_answer_on_both_paths(asgi, stored, path, name, value):
    fast = asgi(path, headers=[(name.encode(), value)])
    django = Client().get(path, headers={name: value.decode("latin-1")})
    for status, body in ((fast["status"], fast["body"]), (django.status_code, django.content)):
        assert status == 200, (name, value[:40])
        assert body  # never a 304 or an empty answer for a header that matches nothing
    assert b"<script>alert(1)" not in fast["body"]


@pytest.mark.parametrize(
    "path",
    [*FAST_ROUTES, "/api/crypto/history", "/api/cache/stats", "/crypto_reports_list", "/rss.xml", "/sitemap.xml"],
)
@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_an_unsafe_method_on_a_read_only_route_is_a_405_on_both_paths(asgi, stored, path, method):
    fast = asgi(path, method=method)
    assert fast["status"] == 405
    assert "GET" in fast["header_map"]["allow"]
    assert Client(enforce_csrf_checks=True).generic(method, path).status_code == 405
    if path.startswith("/api/"):
        assert "not allowed" in orjson.loads(fast["body"])["error"]


REFRESH = "/api/crypto/dashboard-summary/refresh"


@pytest.fixture
def queued(monkeypatch):
    calls: list = []

    class Result:
        id = "task-1"

    monkeypatch.setattr(current_app, "send_task", lambda name, **options: calls.append(options) or Result())
    return calls


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"sources": ', "application/json"),
        (b"[]", "application/json"),
        (b"null", "application/json"),
        (b'"refresh"', "application/json"),
        (b'{"sources": ["binance"]}', "application/json"),
        (b"[" * 5_000 + b"]" * 5_000, "application/json"),
        (b"\xff\xfe\x00\x01", "application/octet-stream"),
        (b"x" * 3_000_000, "application/json"),
        (b"a=" + b"b" * 3_000_000, "application/x-www-form-urlencoded"),
    ],
    ids=["truncated", "array", "null", "string", "sources", "deep", "binary", "3mb-json", "3mb-form"],
)
def test_a_refresh_with_a_junk_or_oversized_body_is_a_400_and_queues_nothing(client, queued, body, content_type):
    response = client.post(REFRESH, data=body, content_type=content_type)
    assert response.status_code in (400, 413)
    assert response.json()["error"]
    assert queued == []
