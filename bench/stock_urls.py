"""The stock project's URLconf (bench/stock_django.py): startproject's, the admin only."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
