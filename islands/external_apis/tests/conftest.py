"""Fixtures of the external_apis tests: the project's fake upstream server on a free port, with
every base URL and key pointing at it, and fast timeouts so failure paths stay quick."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from islands.external_apis.fake_upstream.server import FakeUpstream

FAKE_KEYS = {
    "CMC_API_KEY": "cmc-key-7f3a9c1d",
    "TAAPI_SECRET": "taapi-secret-5e8b2d4f",
    "FINNHUB_API_KEY": "finnhub-key-9a1c6e2b",
}


@pytest.fixture
def fake_upstream(settings) -> Iterator[FakeUpstream]:
    server = FakeUpstream(seed=7).start()
    for name, value in {**server.base_urls(), **FAKE_KEYS}.items():
        setattr(settings, name, value)
    settings.DATA_MODE = "simulated"
    settings.UPSTREAM_CONNECT_TIMEOUT = 1.0
    settings.UPSTREAM_READ_TIMEOUT = 1.0
    settings.UPSTREAM_FETCH_BUDGET = 4.0
    yield server
    server.stop()


def calls(server: FakeUpstream, upstream: str) -> list[dict]:
    """The upstream requests the fake server logged for one prefix (control routes excluded)."""
    return server.requests(prefix=upstream)


def process_env(server: FakeUpstream, redis_url: str, **extra: str) -> dict[str, str]:
    """Environment for a celery beat/worker subprocess aimed at the fake upstream."""
    return {
        **os.environ,
        **server.base_urls(),
        **FAKE_KEYS,
        "REDIS_URL": redis_url,
        "DATA_MODE": "simulated",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        **extra,
    }
