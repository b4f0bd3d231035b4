"""/health, /health/live and /metrics: thin views over the selectors and the metrics module.

The details of /health and all of /metrics are internal (islands/shared_components/internal_access.py):
anyone else gets /health's overall status with its HTTP code, and a 403 for /metrics.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from islands.health_system.metrics import metrics_text
from islands.health_system.selectors import UNHEALTHY, health_report
from islands.shared_components.internal_access import internal_access, internal_only


@csrf_exempt  # read-only: an unsafe method gets 405, not CSRF's 403
@require_safe
@never_cache
def health(request: HttpRequest) -> HttpResponse:
    report = health_report()
    status = 503 if report["status"] == UNHEALTHY else 200
    if not internal_access(request):
        return JsonResponse({"status": report["status"]}, status=status)
    return JsonResponse(report, status=status)


@csrf_exempt  # read-only: an unsafe method gets 405, not CSRF's 403
@require_safe
@never_cache
def health_live(request: HttpRequest) -> HttpResponse:
    """The process answers: no Redis, no database (a liveness probe must not restart us for them)."""
    return JsonResponse({"status": "alive"})


@csrf_exempt  # read-only: an unsafe method gets 405, not CSRF's 403
@require_safe
@internal_only
def metrics(request: HttpRequest) -> HttpResponse:
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)
