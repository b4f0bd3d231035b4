"""Records each Django request's latency by route (the URL pattern, never the raw path, so the
number of series stays bounded) and publishes the process's cache counters. No I/O beyond that.

Both sync- and async-capable, so it never adds a sync/async switch to the chain it heads."""

from __future__ import annotations

import time
from collections.abc import Awaitable

from django.http import HttpRequest, HttpResponse

from islands.health_system.metrics import cache_counters_publish, request_observe
from islands.shared_components.middleware import DualMiddleware


class RequestMetricsMiddleware(DualMiddleware):
    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self.is_async:
            return self.__acall__(request)
        started = time.perf_counter()
        response = self.get_response(request)
        _record(request, response, started)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = await self.get_response(request)
        _record(request, response, started)
        return response


def _record(request: HttpRequest, response: HttpResponse, started: float) -> None:
    match = request.resolver_match
    route = (match.route or match.view_name) if match is not None else "unmatched"
    request_observe(
        route=route, method=request.method or "", status=response.status_code, seconds=time.perf_counter() - started
    )
    cache_counters_publish()
