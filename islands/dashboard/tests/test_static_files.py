"""In production the home page links hashed static files, which whitenoise serves as immutable."""

import re

import pytest
from django.core.management import call_command
from django.test import Client


@pytest.fixture
def collected(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", "--verbosity", "0")
    return tmp_path


def test_the_page_links_hashed_files_served_with_long_cache_headers(collected, stored):
    client = Client()  # a new handler: whitenoise scans the freshly collected root
    html = client.get("/").content.decode()
    paths = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert {p.rsplit("/", 1)[1].split(".")[0] for p in paths} >= {"site", "format", "live", "charts", "dashboard"}
    for path in paths:
        assert re.search(r"\.[0-9a-f]{12}\.(css|js|ico|svg|png)$", path), path
        response = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
        assert response.status_code == 200, path
        assert "immutable" in response["Cache-Control"]
        assert "max-age=315360000" in response["Cache-Control"]
