"""Small HTTP helpers of the JSON APIs (dashboard, markets): JSON errors, allowed methods, strict query checks."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt


def json_error(status: int, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status, json_dumps_params={"ensure_ascii": False})


def api_methods(*methods: str) -> Callable:
    """405 with a JSON message and an Allow header for any other method (HEAD comes with GET)."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())
    allow_header = ", ".join(sorted(allowed))

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in allowed:
                response = json_error(405, f"method {request.method} not allowed; use {allow_header}")
                response["Allow"] = allow_header
                return response
            return view(request, *args, **kwargs)

        if allowed <= {"GET", "HEAD"}:
            # A read-only endpoint changes nothing for any method, so CSRF has nothing to protect:
            # without this, an unsafe method would get CSRF's 403 instead of the 405 it deserves.
            return csrf_exempt(wrapper)
        return wrapper

    return decorator


def params_check(request: HttpRequest, allowed: Iterable[str] = ()) -> JsonResponse | None:
    """400 naming the first query parameter the endpoint does not take, or one given more than
    once (which of the values would count is a guess); None when all are known and single."""
    allowed = set(allowed)
    for name, values in request.GET.lists():
        if name not in allowed:
            takes = ", ".join(sorted(allowed)) or "none"
            return json_error(400, f"unknown query parameter {name!r}; this endpoint takes: {takes}")
        if len(values) > 1:
            return json_error(400, f"query parameter {name!r} given {len(values)} times; give it once")
    return None
