"""JSON API of the alerts island (signed-in users; a session and a CSRF token like the page).

Errors are 400 naming the field ({"error", "fields": {name: [messages]}}), 401 without a session,
404 for another user's alert; never a 500 for what a client sent.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse, JsonResponse

from islands.alerts.forms import AlertForm
from islands.alerts.models import Alert
from islands.alerts.selectors import alert_coins, alerts_of, fires_of, watchlist_of
from islands.alerts.services import push_subscription_delete, push_subscription_save, watchlist_merge, watchlist_set

MAX_BODY_BYTES = 16_384


def _error(status: int, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status, json_dumps_params={"ensure_ascii": False})


def _api(*methods: str) -> Callable:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                return _error(405, f"method {request.method} not allowed; use {', '.join(methods)}")
            if not request.user.is_authenticated:
                return _error(401, "log in first")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _body(request: HttpRequest) -> dict[str, Any] | JsonResponse:
    if len(request.body) > MAX_BODY_BYTES:
        return _error(400, f"body larger than {MAX_BODY_BYTES} bytes")
    try:
        data = orjson.loads(request.body or b"{}")
    except orjson.JSONDecodeError as exc:
        return _error(400, f"body is not valid JSON: {exc}")
    if not isinstance(data, dict):
        return _error(400, "body must be a JSON object")
    return data


def alert_json(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "coin": alert.coin,
        "currency": alert.currency,
        "window": alert.window,
        "threshold": float(alert.threshold),
        "note": alert.note,
        "active": alert.active,
        "created_at": alert.created_at.isoformat(),
        "last_fired_at": alert.last_fired_at.isoformat() if alert.last_fired_at else None,
    }


def _form_data(data: dict[str, Any], instance: Alert | None = None) -> dict[str, Any] | JsonResponse:
    merged = alert_json(instance) if instance is not None else {"currency": "usd", "active": True}
    merged.update(data)
    for name, value in merged.items():
        if isinstance(value, (dict, list)):
            return _error(400, f"field {name!r} must be a plain value", fields={name: ["must be a plain value"]})
    # NaN / Infinity arrive as strings ("NaN"): the form field refuses them by name.
    return {
        k: ("" if v is None else str(v) if not isinstance(v, bool) else ("on" if v else "")) for k, v in merged.items()
    }


def _save(request: HttpRequest, instance: Alert | None) -> HttpResponse:
    body = _body(request)
    if isinstance(body, JsonResponse):
        return body
    data = _form_data(body, instance)
    if isinstance(data, JsonResponse):
        return data
    form = AlertForm(data, user=request.user, instance=instance)
    if not form.is_valid():
        fields = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        first = next(iter(fields))
        return _error(400, f"invalid {first}: {fields[first][0]}", fields=fields)
    form.instance.user = request.user
    alert = form.save()
    return JsonResponse(alert_json(alert), status=201 if instance is None else 200)


@_api("GET", "POST")
def alerts(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _save(request, None)
    return JsonResponse({"alerts": [alert_json(a) for a in alerts_of(request.user)]})


@_api("GET", "PATCH", "DELETE")
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = alerts_of(request.user).filter(pk=alert_id).first()
    if alert is None:
        return _error(404, f"no alert {alert_id}")
    if request.method == "DELETE":
        alert.delete()
        return HttpResponse(status=204)
    if request.method == "PATCH":
        return _save(request, alert)
    return JsonResponse(alert_json(alert))


@_api("GET")
def fires(request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        {
            "fires": [
                {
                    "id": fire.pk,
                    "alert_id": fire.alert_id,
                    "value": fire.value,
                    "fired_at": fire.fired_at.isoformat(),
                    "stream_id": fire.stream_id,
                    "deliveries": {d.channel: d.status for d in fire.deliveries.all()},
                }
                for fire in fires_of(request.user)
            ]
        }
    )


@_api("GET", "PUT", "POST")
def watchlist(request: HttpRequest) -> HttpResponse:
    """GET the starred coins; PUT {"coins": [...]} replaces them; POST {"coins": [...]} adds them
    (what a visitor starred in the browser before logging in)."""
    if request.method in ("PUT", "POST"):
        body = _body(request)
        if isinstance(body, JsonResponse):
            return body
        coins = body.get("coins")
        known = set(alert_coins())
        if not isinstance(coins, list) or not all(isinstance(c, str) for c in coins):
            return _error(400, "coins must be a list of coin symbols", fields={"coins": ["must be a list"]})
        unknown = [c for c in coins if c not in known]
        if unknown:
            return _error(400, f"unknown coin {unknown[0]!r}", fields={"coins": [f"unknown coin {unknown[0]!r}"]})
        if request.method == "PUT":
            watchlist_set(request.user, coins)
        else:
            watchlist_merge(request.user, coins)
    return JsonResponse({"coins": watchlist_of(request.user)})


@_api("POST", "DELETE")
def push_subscriptions(request: HttpRequest) -> HttpResponse:
    body = _body(request)
    if isinstance(body, JsonResponse):
        return body
    endpoint = body.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")) or len(endpoint) > 1000:
        return _error(400, "endpoint must be the subscription's URL", fields={"endpoint": ["must be a URL"]})
    if request.method == "DELETE":
        push_subscription_delete(endpoint=endpoint, user=request.user)
        return HttpResponse(status=204)
    keys = body.get("keys")
    if not isinstance(keys, dict) or not all(
        isinstance(keys.get(k), str) and 0 < len(keys[k]) <= 200 for k in ("p256dh", "auth")
    ):
        return _error(
            400, "keys must hold the subscription's p256dh and auth", fields={"keys": ["p256dh and auth required"]}
        )
    push_subscription_save(request.user, endpoint=endpoint, p256dh=keys["p256dh"], auth=keys["auth"])
    return JsonResponse({"endpoint": endpoint}, status=201)
