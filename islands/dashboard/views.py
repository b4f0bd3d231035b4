"""Thin views over the cache_system selectors."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from islands.cache_system.selectors import summary_latest


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    snapshot = summary_latest()
    return render(request, "dashboard/home.html", {"snapshot": snapshot})
