"""RequestMetricsMiddleware records each request's latency alike in sync and async chains."""

import pytest
from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from prometheus_client import REGISTRY

from islands.health_system.middleware import RequestMetricsMiddleware

COUNT = "cryptodash_http_request_duration_seconds_count"
LABELS = {"route": "unmatched", "method": "GET", "status": "4xx"}


def _count() -> float:
    return REGISTRY.get_sample_value(COUNT, LABELS) or 0.0


def test_it_records_a_request_in_a_sync_chain():
    before = _count()
    middleware = RequestMetricsMiddleware(lambda request: HttpResponse(status=404))

    assert not iscoroutinefunction(middleware)
    assert middleware(RequestFactory().get("/nowhere")).status_code == 404
    assert _count() == before + 1


@pytest.mark.asyncio
async def test_it_records_a_request_in_an_async_chain_without_a_thread_hop():
    async def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(status=404)

    before = _count()
    middleware = RequestMetricsMiddleware(view)

    assert iscoroutinefunction(middleware)  # Django keeps the chain async around it
    assert (await middleware(RequestFactory().get("/nowhere"))).status_code == 404
    assert _count() == before + 1
