"""A stored page is compressed off the event loop: the hits answered meanwhile do not wait for it."""

from __future__ import annotations

import asyncio

import pytest

from islands.cache_system.services import summary_store
from islands.shared_components import page_cache

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_rendered_page_is_compressed_outside_the_event_loop(asgi, monkeypatch):
    summary_store(summary={"btc_price_usd": 1.0})
    loops: list[object] = []
    encoded = page_cache._encoded

    def recording(body: bytes) -> dict[str | None, bytes]:
        loops.append(asyncio._get_running_loop())
        return encoded(body)

    monkeypatch.setattr(page_cache, "_encoded", recording)
    first = asgi("/", headers=[(b"accept-encoding", b"gzip")])
    again = asgi("/", headers=[(b"accept-encoding", b"gzip")])
    assert first["header_map"]["content-encoding"] == again["header_map"]["content-encoding"] == "gzip"
    assert loops == [None]  # compressed once, in a thread without a running loop
