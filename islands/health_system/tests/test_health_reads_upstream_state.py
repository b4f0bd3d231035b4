"""/health reports failing upstreams from the state the ingest stored: degraded (HTTP 200), with
the sources named, and no request of its own to them."""

import pytest

from islands.external_apis.fake_upstream.server import FakeUpstream
from islands.external_apis.services import summary_refresh


@pytest.fixture
def failing_upstream(settings):
    server = FakeUpstream(seed=5, scenario="server_errors").start()
    for name, value in server.base_urls().items():
        setattr(settings, name, value)
    settings.CMC_API_KEY = settings.TAAPI_SECRET = settings.FINNHUB_API_KEY = "test-key"
    settings.UPSTREAM_CONNECT_TIMEOUT = settings.UPSTREAM_READ_TIMEOUT = 1.0
    settings.UPSTREAM_FETCH_BUDGET = 3.0
    settings.UPSTREAM_MAX_ATTEMPTS = 1
    settings.HEALTH_WORKER_PING_TIMEOUT = 0.1
    yield server
    server.stop()


@pytest.mark.django_db
def test_it_names_the_failing_sources_without_calling_them(client, failing_upstream):
    summary_refresh()
    calls_by_ingest = len(failing_upstream.requests())
    assert calls_by_ingest > 0

    response = client.get("/health")
    body = response.json()
    assert response.status_code == 200
    external = body["islands"]["external_apis"]
    assert external["status"] == "degraded"
    assert "binance" in external["reason"]
    assert external["sources"]["binance"]["status"] == "failed"
    assert external["sources"]["binance"]["error"]
    assert len(failing_upstream.requests()) == calls_by_ingest
