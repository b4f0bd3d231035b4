"""Records each Django request's latency by route (the URL pattern, never the raw path, so the
number of series stays bounded) and publishes the process's cache counters. No I/O beyond that."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from islands.health_system.metrics import cache_counters_publish, request_observe


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = request.resolver_match
        route = (match.route or match.view_name) if match is not None else "unmatched"
        request_observe(
            route=route, method=request.method or "", status=response.status_code, seconds=time.perf_counter() - started
        )
        cache_counters_publish()
        return response
