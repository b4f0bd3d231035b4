"""A stock Django project (what `django-admin startproject` generates) as a WSGI application.

bench/http.py serves it with granian's WSGI interface beside the site and measures the same
Django-rendered page there (`/admin/login/`: a template, a CSRF cookie, the session middleware),
so the site's figure can be read against what Django itself does with that page on this machine,
in the same run. WSGI rather than Django's ASGI handler: the stock handler's thread hops would
make the baseline slower than Django is (bench/RESULTS.md, "The Django floor").

Settings are startproject's for Django 5.2, DEBUG off; the database is an SQLite file in the
folder STOCK_DJANGO_DIR names (migrated by bench/http.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

if __name__ == "bench.stock_django":
    # Imported as the settings module *and* as the WSGI module: the settings are this module's
    # upper-case names, the application is made once Django has them.
    DIR = Path(os.environ.get("STOCK_DJANGO_DIR", "/tmp"))
    SECRET_KEY = "bench-only-not-a-secret-" + "x" * 40
    DEBUG = False
    ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    INSTALLED_APPS = [
        "django.contrib.admin",
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
        "django.contrib.staticfiles",
    ]
    MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]
    ROOT_URLCONF = "bench.stock_urls"
    TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [],
            "APP_DIRS": True,
            "OPTIONS": {
                "context_processors": [
                    "django.template.context_processors.request",
                    "django.contrib.auth.context_processors.auth",
                    "django.contrib.messages.context_processors.messages",
                ],
            },
        },
    ]
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DIR / "stock.sqlite3"}}
    LANGUAGE_CODE = "en-us"
    TIME_ZONE = "UTC"
    USE_I18N = True
    USE_TZ = True
    STATIC_URL = "static/"
    DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def application(environ: dict, start_response: object) -> object:
    """The WSGI entry point (granian --interface wsgi bench.stock_django:application)."""
    return _application()(environ, start_response)


_app = None


def _application() -> object:
    global _app  # noqa: PLW0603 - made once, on the first request, after the settings exist
    if _app is None:
        from django.core.wsgi import get_wsgi_application  # noqa: PLC0415 - see above

        _app = get_wsgi_application()
    return _app


if __name__ == "__main__":
    # `python -m bench.stock_django migrate`: the stock project's manage.py.
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.stock_django"
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], *sys.argv[1:]])
