"""/health turns 503 when Redis stops, 200 when it returns, and never calls an upstream API."""

import pytest
import requests

from islands.cache_system.redis_client import redis_clients_reset
from islands.cache_system.stores import stores_reset
from islands.external_apis.fake_upstream.server import FakeUpstream


@pytest.fixture
def own_redis(redis_server_factory, settings):
    server = redis_server_factory()
    settings.REDIS_URL = server.url
    settings.REDIS_RECONNECT_INTERVAL = 0.05
    settings.HEALTH_WORKER_PING_TIMEOUT = 0.1
    redis_clients_reset()
    stores_reset()
    return server


@pytest.fixture
def fake_upstream(settings):
    server = FakeUpstream(seed=3).start()
    for name, value in server.base_urls().items():
        setattr(settings, name, value)
    settings.CMC_API_KEY = settings.TAAPI_SECRET = settings.FINNHUB_API_KEY = "test-key"
    yield server
    server.stop()


@pytest.mark.django_db
def test_it_is_503_while_redis_is_down_and_200_when_it_is_back(client, own_redis):
    assert client.get("/health").status_code == 200

    own_redis.stop()
    down = client.get("/health")
    assert down.status_code == 503
    body = down.json()
    assert body["status"] == "unhealthy"
    assert body["islands"]["cache_system"]["redis"] == "down"
    assert "PING" in body["islands"]["cache_system"]["reason"]

    own_redis.start()
    back = client.get("/health")
    assert back.status_code == 200
    assert back.json()["islands"]["cache_system"]["redis"] == "up"


@pytest.mark.django_db
def test_twenty_probes_make_no_upstream_request(client, fake_upstream, own_redis):
    fake_upstream.requests_clear()
    statuses = {client.get("/health").status_code for _ in range(20)}
    assert statuses == {200}
    assert fake_upstream.requests() == []
    # The fake upstream does log what reaches it: the assertion above can fail.
    requests.get(fake_upstream.base_urls()["FNG_BASE_URL"] + "/fng/?limit=1", timeout=2)
    assert len(fake_upstream.requests()) == 1
