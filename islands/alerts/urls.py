"""Routes of the alerts island: the page, its JSON API, and the push service worker."""

from django.urls import path

from islands.alerts import api, views

app_name = "alerts"

urlpatterns = [
    path("alerts", views.alert_list, name="list"),
    path("alerts/<int:alert_id>/toggle", views.alert_toggle, name="toggle"),
    path("alerts/<int:alert_id>/delete", views.alert_delete, name="delete"),
    path("alerts-sw.js", views.push_worker, name="push-worker"),
    path("api/alerts", api.alerts, name="api-alerts"),
    path("api/alerts/fires", api.fires, name="api-fires"),
    path("api/alerts/<int:alert_id>", api.alert_detail, name="api-alert"),
    path("api/watchlist", api.watchlist, name="api-watchlist"),
    path("api/push/subscriptions", api.push_subscriptions, name="api-push"),
]
