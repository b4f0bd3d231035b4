"""The installable app's files: the manifest, the service worker at the root, /favicon.ico."""

from __future__ import annotations

import json

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static

pytestmark = pytest.mark.django_db


def test_the_manifest_names_the_app_its_start_and_its_icons(client):
    response = client.get("/manifest.webmanifest?lang=en")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    body = json.loads(response.content)
    assert body["start_url"] == "/" and body["scope"] == "/" and body["display"] == "standalone"
    sizes = {icon["sizes"] for icon in body["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in body["icons"])
    for icon in body["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]


def test_the_worker_is_served_from_the_root_uncached_with_the_shell_it_caches(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert response["Service-Worker-Allowed"] == "/"
    source = response.content.decode()
    assert static("js/live.js") in source and static("css/site.css") in source
    assert "{{" not in source


def test_the_site_policy_allows_its_own_worker_and_manifest(client):
    policy = client.get("/sw.js")["Content-Security-Policy"]
    assert "worker-src 'self'" in policy and "manifest-src 'self'" in policy


def test_favicon_ico_is_the_bundled_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == static("img/favicon.ico")


def test_an_unsafe_method_on_the_worker_is_refused(client):
    assert client.post("/sw.js").status_code == 405
