"""A hit remembers its answer for that exact request (a replay); the replay is never served once
the full path would answer differently.

Here the versions are remembered for a second (SUMMARY_L1_TTL; the other page-cache tests look
them up on every request, which leaves no replay valid): a new stream entry is seen by the
lookup after that second, as on the site.
"""

from __future__ import annotations

import gzip
import time

import pytest

from cryptodash.asgi import application
from islands.cache_system.services import summary_store
from islands.shared_components import page_cache

pytestmark = pytest.mark.django_db(transaction=True)

EN = [(b"accept-language", b"en")]
TTL = 1.0


@pytest.fixture
def cache(settings, fresh_page_cache) -> page_cache.PageCache:
    settings.SUMMARY_L1_TTL = TTL
    settings.PAGE_CACHE_REVALIDATE_AFTER = 0.0  # once the TTL is over, a request waits for the lookup
    return application.application_mapping["http"]


def test_a_repeated_request_is_replayed_until_its_content_changes(asgi, cache, renders):
    first = summary_store(summary={"btc_price_usd": 97123.45})
    asgi("/", headers=EN)  # rendered
    asgi("/", headers=EN)  # a hit: remembered for this exact request
    assert len(cache._replays) == 1
    replayed = asgi("/", headers=EN)
    assert f'data-stream-id="{first}"' in replayed["body"].decode()
    assert renders.count("dashboard/home.html") == 1
    assert cache.hits == 2

    newer = summary_store(summary={"btc_price_usd": 12345.67})
    time.sleep(TTL)  # the versions are looked up again
    after = asgi("/", headers=EN)

    assert f'data-stream-id="{newer}"' in after["body"].decode() and "$12,345.67" in after["body"].decode()
    assert renders.count("dashboard/home.html") == 2


def test_each_encoding_method_and_validator_gets_its_own_replay(asgi, cache):
    summary_store(summary={"btc_price_usd": 1.0})
    plain = asgi("/", headers=EN)
    etag = plain["header_map"]["etag"]
    for _ in range(3):
        gz = asgi("/", headers=[*EN, (b"accept-encoding", b"gzip")])
        identity = asgi("/", headers=EN)
        head = asgi("/", method="HEAD", headers=EN)
        not_modified = asgi("/", headers=[*EN, (b"if-none-match", etag.encode())])

        assert gz["header_map"]["content-encoding"] == "gzip" and gzip.decompress(gz["body"]) == plain["body"]
        assert "content-encoding" not in identity["header_map"] and identity["body"] == plain["body"]
        assert head["status"] == 200 and head["body"] == b""
        assert not_modified["status"] == 304 and not_modified["body"] == b""
    assert len(cache._replays) == 4


def test_a_summary_going_stale_ends_the_replay_of_a_page_that_shows_it(asgi, cache, renders):
    summary_store(summary={"btc_price_usd": 1.0})
    asgi("/", headers=EN)
    asgi("/", headers=EN)
    assert len(cache._replays) == 1

    cache._stale_at = time.time() - 1  # the summary's age passed SUMMARY_STALE_AFTER just now
    asgi("/", headers=EN)

    assert renders.count("dashboard/home.html") == 2  # rendered again, saying it is stale


def test_a_settings_change_forgets_every_replay(asgi, cache, settings):
    summary_store(summary={"btc_price_usd": 1.0})
    asgi("/robots.txt")
    asgi("/robots.txt")
    assert len(cache._replays) == 1

    settings.SECURE_SSL_REDIRECT = True  # plain HTTP is now Django's to redirect, never replayed
    assert cache._replays == {}
    passes = cache.passes
    asgi("/robots.txt")

    assert cache.passes == passes + 1 and cache._replays == {}


def test_replays_are_bounded_however_the_headers_vary(asgi, cache, monkeypatch):
    monkeypatch.setattr(page_cache, "REPLAYS_MAX", 3)
    summary_store(summary={"btc_price_usd": 1.0})
    for number in range(10):
        for _ in range(2):
            assert asgi("/robots.txt", headers=[(b"user-agent", f"client {number}".encode())])["status"] == 200
        assert len(cache._replays) <= 3
