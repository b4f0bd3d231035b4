"""Routes of the dashboard island: the home page and the dashboard JSON API (SPEC §6)."""

from django.urls import path

from islands.dashboard import api, api_history, pwa, views

urlpatterns = [
    path("", views.home, name="home"),
    path("api/crypto/dashboard-summary", api.dashboard_summary, name="dashboard-summary"),
    path("api/crypto/dashboard-summary/cached", api.dashboard_summary_cached, name="dashboard-summary-cached"),
    path("api/crypto/dashboard-summary/refresh", api.dashboard_refresh, name="dashboard-summary-refresh"),
    path("api/crypto/history", api_history.crypto_history, name="crypto-history"),
    path("api/crypto/rate-limit-status", api.rate_limit_status, name="rate-limit-status"),
    path("api/cache/stats", api.cache_stats_view, name="cache-stats"),
    # The installable app: the worker must sit at the root for its scope to cover every page.
    path("sw.js", pwa.service_worker, name="service-worker"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("favicon.ico", pwa.favicon, name="favicon"),
]
