from django.urls import path

from islands.dashboard import views

urlpatterns = [
    path("", views.home, name="home"),
]
