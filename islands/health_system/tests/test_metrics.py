"""/metrics: Prometheus text with request latency by route, streams, cache tiers and other islands'
counters, merged across processes in multiprocess mode."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from islands.cache_system.services import summary_store
from islands.external_apis.metrics import UPSTREAM_REQUESTS


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_it_exposes_latency_by_route_streams_and_upstream_counters(client):
    labels = {"source": "binance", "outcome": "ok"}
    before = REGISTRY.get_sample_value("cryptodash_upstream_requests_total", labels) or 0
    UPSTREAM_REQUESTS.labels("binance", "ok").inc()  # what a real call through external_apis counts
    summary_store(summary={"btc_price_usd": 1.0})
    client.get("/api/crypto/dashboard-summary")
    client.get("/api/crypto/dashboard-summary")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    samples = _samples(text)
    route = (("method", "GET"), ("route", "api/crypto/dashboard-summary"), ("status", "2xx"))
    assert samples[("cryptodash_http_request_duration_seconds_count", route)] >= 2
    assert samples[("cryptodash_stream_length", (("stream", "crypto:market_data"),))] == 1
    assert samples[("cryptodash_stream_fallback", ())] == 0
    upstream = (("outcome", "ok"), ("source", "binance"))
    assert samples[("cryptodash_upstream_requests_total", upstream)] == before + 1


def test_it_merges_the_samples_of_several_processes(tmp_path):
    """Two processes observe, a third scrapes: the count is the sum (prometheus multiprocess mode)."""
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "cryptodash.settings",
        "REDIS_URL": settings.REDIS_URL,
    }
    observe = (
        "import django; django.setup();"
        "from islands.health_system.metrics import request_observe;"
        "request_observe(route='merge-test', method='GET', status=200, seconds=0.01)"
    )
    scrape = (
        "import django; django.setup();"
        "from islands.health_system.metrics import metrics_text;"
        "import sys; sys.stdout.write(metrics_text().decode())"
    )
    for _ in range(2):
        subprocess.run([sys.executable, "-c", observe], check=True, env=env, cwd=settings.BASE_DIR, timeout=60)
    text = subprocess.run(
        [sys.executable, "-c", scrape], check=True, env=env, cwd=settings.BASE_DIR, timeout=60, capture_output=True
    ).stdout.decode()
    route = (("method", "GET"), ("route", "merge-test"), ("status", "2xx"))
    assert _samples(text)[("cryptodash_http_request_duration_seconds_count", route)] == 2


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_it_refuses_writes(client, method):
    assert client.generic(method, "/metrics").status_code == 405
