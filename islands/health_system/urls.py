"""Routes of the health_system island: /health, /health/live, /metrics."""

from django.urls import path

from islands.health_system import views

urlpatterns = [
    path("health", views.health, name="health"),
    path("health/live", views.health_live, name="health-live"),
    path("metrics", views.metrics, name="metrics"),
]
