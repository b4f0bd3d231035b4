"""HTTP routes: each island brings its own urls module."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("islands.dashboard.urls")),
    path("", include("islands.health_system.urls")),
    path("", include("islands.crypto_reports.urls")),
    path("", include("islands.markets.urls")),
    path("", include("islands.accounts.urls")),
    path("", include("islands.alerts.urls")),
]
