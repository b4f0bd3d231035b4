"""A hit remembers its answer for that exact request (a replay); the replay is never served once
the full path would answer differently.

Here the versions are remembered for a second (SUMMARY_L1_TTL; the other page-cache tests look
them up on every request, which leaves no replay valid): a new stream entry is seen by the
lookup after that second, as on the site.
"""

from __future__ import annotations

import asyncio
import gzip
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from channels.testing import HttpCommunicator

from cryptodash.asgi import application
from islands.cache_system.services import summary_store
from islands.shared_components import page_cache

pytestmark = pytest.mark.django_db(transaction=True)

EN = [(b"accept-language", b"en")]
TTL = 1.0
HOST = [(b"host", b"127.0.0.1"), *EN]


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
    with pytest.MonkeyPatch.context() as patch:
        # Answered from the replay: the full path (which derives the key first) is not taken.
        patch.setattr(cache, "_key", lambda scope, declared: pytest.fail("the full path was taken"))
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


def test_a_page_past_its_max_age_is_not_replayed(cache, renders, settings):
    settings.PAGE_RENDER_MAX_AGE = 0.2
    summary_store(summary={"btc_price_usd": 1.0})

    async def visits() -> None:
        # One event loop, as in a server: the re-render runs beside the requests.
        for _ in range(2):
            await HttpCommunicator(application, "GET", "/", headers=HOST).get_response(timeout=10)
        assert len(cache._replays) == 1
        await asyncio.sleep(0.3)
        await HttpCommunicator(application, "GET", "/", headers=HOST).get_response(timeout=10)
        for _ in range(100):
            if renders.count("dashboard/home.html") >= 2:
                break
            await asyncio.sleep(0.05)

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, visits()).result()

    assert renders.count("dashboard/home.html") == 2  # the third visit took the full path, which re-rendered
