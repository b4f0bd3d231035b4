"""Routes of the markets island: the table, a page per coin, their JSON API (SPEC §10)."""

from django.urls import path

from islands.markets import api, views

urlpatterns = [
    path("markets", views.markets_page, name="markets"),
    path("coin/<slug:coin_id>", views.coin_page, name="coin"),
    path("api/crypto/markets", api.markets, name="markets-api"),
    path("api/crypto/coin/<slug:coin_id>/candles", api.coin_candles, name="coin-candles"),
]
