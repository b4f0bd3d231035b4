"""The alerts page of a signed-in user: the list, the form, the history of fires, push settings.

Thin: the form validates (forms.py), the ORM saves, selectors read. Never cached (per user).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from islands.alerts.forms import AlertForm
from islands.alerts.push import push_enabled
from islands.alerts.selectors import alert_coins, alerts_of, fires_of, watchlist_of


def _page(request: HttpRequest, form: AlertForm, *, status: int = 200) -> HttpResponse:
    context = {
        "nav": "alerts",
        "form": form,
        "alerts": alerts_of(request.user),
        "fires": fires_of(request.user),
        "max_alerts": settings.ALERTS_MAX_PER_USER,
        "coins": alert_coins(),
        "watchlist": watchlist_of(request.user),
        "vapid_public_key": settings.VAPID_PUBLIC_KEY if push_enabled() else "",
    }
    return render(request, "alerts/alerts.html", context, status=status)


@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = AlertForm(request.POST, user=request.user)
        if form.is_valid():
            form.instance.user = request.user
            form.save()
            return redirect("alerts:list")
        return _page(request, form, status=400)
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    return _page(request, AlertForm(user=request.user))


@login_required
@require_POST
def alert_toggle(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(alerts_of(request.user), pk=alert_id)
    alert.active = not alert.active
    alert.save(update_fields=["active", "updated_at"])
    return redirect("alerts:list")


@login_required
@require_POST
def alert_delete(request: HttpRequest, alert_id: int) -> HttpResponse:
    get_object_or_404(alerts_of(request.user), pk=alert_id).delete()
    return redirect("alerts:list")


@require_safe
def push_worker(request: HttpRequest) -> HttpResponse:
    """The service worker that shows pushed alerts; served from the root so its scope is the site."""
    response = render(request, "alerts/push-sw.js", content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
