"""/health, /health/live and /metrics: thin views over the selectors and the metrics module."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from islands.health_system.metrics import metrics_text
from islands.health_system.selectors import UNHEALTHY, health_report


@csrf_exempt  # read-only: an unsafe method gets 405, not CSRF's 403
@require_safe
@never_cache
def health(request: HttpRequest) -> HttpResponse:
    report = health_report()
    return JsonResponse(report, status=503 if report["status"] == UNHEALTHY else 200)


@csrf_exempt  # read-only: an unsafe method gets 405, not CSRF's 403
@require_safe
@never_cache
def health_live(request: HttpRequest) -> HttpResponse:
    """The process answers: no Redis, no database (a liveness probe must not restart us for them)."""
    return JsonResponse({"status": "alive"})


@csrf_exempt  # read-only: an unsafe method gets 405, not CSRF's 403
@require_safe
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)
