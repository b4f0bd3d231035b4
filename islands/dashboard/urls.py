from django.urls import path

from islands.dashboard import api_history, views

urlpatterns = [
    path("", views.home, name="home"),
    path("api/crypto/history", api_history.crypto_history, name="crypto-history"),
]
