"""Routes of the accounts island: allauth's account views under /accounts/."""

from django.urls import include, path

urlpatterns = [
    path("accounts/", include("allauth.account.urls")),
]
