"""The dashboard's JSON API (SPEC §6): thin views over the selectors and services.

Never an upstream call inside a request: the summary comes from the stream (503 with a reason
when nothing was ever fetched), and a refresh only queues the ingest task.
"""

from __future__ import annotations

import os

import orjson
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from islands.cache_system.selectors import cache_stats, summary_cached, summary_latest
from islands.dashboard.http import api_methods, json_error, params_check
from islands.dashboard.pages import summary_document, summary_json
from islands.dashboard.services import refresh_request
from islands.external_apis import selectors as external_selectors
from islands.shared_components.client_ip import client_ip_from_request
from islands.shared_components.internal_access import internal_only
from islands.shared_components.page_cache import SUMMARY, page_cache_stats, page_cacheable

NO_DATA_REASON = (
    "no market data has been fetched yet; the first ingest run stores it within seconds, "
    "and POST /api/crypto/dashboard-summary/refresh queues one now"
)


def _no_data() -> JsonResponse:
    response = json_error(503, "no data yet", reason=NO_DATA_REASON)
    response["Retry-After"] = "10"
    return response


@page_cacheable(query=("fields",), depends=(SUMMARY,))
@api_methods("GET")
def dashboard_summary(request: HttpRequest) -> HttpResponse:
    if bad := params_check(request, allowed=("fields",)):
        return bad
    fields = None
    if "fields" in request.GET:
        fields = [name.strip() for name in request.GET["fields"].split(",") if name.strip()]
        unknown = sorted(set(fields) - set(external_selectors.summary_fields()))
        if not fields or unknown:
            return json_error(
                400,
                f"unknown summary field(s): {', '.join(unknown) or '(empty list)'}",
                fields=list(external_selectors.summary_fields()),
            )
    snapshot = summary_latest()
    if snapshot is None:
        return _no_data()
    response = HttpResponse(summary_json(snapshot=snapshot, fields=fields), content_type="application/json")
    # Live data: a client may keep a copy but must ask (a 304 costs a few hundred bytes).
    response["Cache-Control"] = "no-cache"
    response["Last-Modified"] = http_date(snapshot.stored_at)
    return response


@api_methods("GET")
def dashboard_summary_cached(request: HttpRequest) -> HttpResponse:
    if bad := params_check(request):
        return bad
    snapshot = summary_cached()
    if snapshot is None:
        return json_error(
            503,
            "cache empty",
            reason="no summary in the cache tiers (entries expire after CACHE_TTL_REALTIME seconds); "
            "GET /api/crypto/dashboard-summary reads the stream",
        )
    return JsonResponse(summary_document(snapshot=snapshot), json_dumps_params={"ensure_ascii": False})


def _body_check(request: HttpRequest) -> JsonResponse | None:
    """The refresh takes no input: an empty body, an empty form or `{}`; anything else is a 400."""
    message = "this endpoint takes no request body (send none, or {})"
    if request.content_type == "application/json":
        try:
            parsed = orjson.loads(request.body) if request.body.strip() else {}
        except orjson.JSONDecodeError:
            return json_error(400, "request body is not valid JSON; " + message)
        return None if parsed == {} else json_error(400, message)
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return json_error(400, message) if request.POST or request.FILES else None
    return json_error(400, message) if request.body.strip() else None


@csrf_exempt  # a JSON API without cookies-based auth; abuse is bounded by the per-client limit
@api_methods("POST")
def dashboard_refresh(request: HttpRequest) -> HttpResponse:
    if bad := params_check(request):
        return bad
    try:
        bad = _body_check(request)
    except RequestDataTooBig:
        # Django would answer with its HTML 400 page and log a traceback; the client gets JSON.
        bad = json_error(413, "request body too large; " + "this endpoint takes no request body (send none, or {})")
    if bad:
        return bad
    outcome = refresh_request(client=client_ip_from_request(request) or "unknown")
    if outcome.status == "rate_limited":
        response = json_error(
            429, "too many refresh requests", retry_after=outcome.retry_after, reason="per-client refresh limit"
        )
        response["Retry-After"] = str(outcome.retry_after)
        return response
    if outcome.status == "unavailable":
        response = json_error(503, "refresh not queued", reason=outcome.reason)
        response["Retry-After"] = "5"
        return response
    return JsonResponse({"status": "queued", "task_id": outcome.task_id}, status=202)


@api_methods("GET")
@internal_only  # workers' quotas and cache internals (settings INTERNAL_ALLOW_IPS, INTERNAL_TOKEN)
def rate_limit_status(request: HttpRequest) -> HttpResponse:
    if bad := params_check(request):
        return bad
    return JsonResponse(external_selectors.rate_limit_status(), json_dumps_params={"ensure_ascii": False})


@api_methods("GET")
@internal_only  # workers' quotas and cache internals (settings INTERNAL_ALLOW_IPS, INTERNAL_TOKEN)
def cache_stats_view(request: HttpRequest) -> HttpResponse:
    if bad := params_check(request):
        return bad
    stats = cache_stats()
    # Tier counters live in each process: say which one answered.
    stats["process"] = {"pid": os.getpid()}
    stats["page_cache"] = page_cache_stats()
    return JsonResponse(stats, json_dumps_params={"ensure_ascii": False})
