"""Production mode: `DJANGO_ENV=production` passes `check --deploy` with no warning, refuses to
start on development conveniences, and the ASGI page cache does not serve plain HTTP past the
HTTPS redirect."""

from __future__ import annotations

import asyncio
import copy
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from channels.testing import HttpCommunicator

from cryptodash.django_http import ThreadedASGIHandler
from islands.cache_system.services import summary_store
from islands.dashboard.tests.conftest import SUMMARY
from islands.shared_components.page_cache import PageCache, page_cache_reset

ROOT = Path(__file__).resolve().parents[2]


def _manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`manage.py ARGS` in a fresh interpreter with the production variables in `env` (None drops one)."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "SECURE_", "SESSION_", "CSRF_")) and name != "ALLOWED_HOSTS"
    }
    environment["CRYPTODASH_RUN_DIR"] = str(tmp_path)
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _production(**overrides: str) -> dict[str, str]:
    env = {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "dash.example.com",
    }
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


def test_it_passes_check_deploy_with_no_warning_in_production_mode(tmp_path):
    result = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **_production())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_development_default_is_what_check_deploy_warns_about(tmp_path):
    # The same check without production mode: the warnings production mode exists to remove.
    result = _manage(tmp_path, "check", "--deploy")
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stdout + result.stderr


def test_each_protection_is_settable_alone(tmp_path):
    result = _manage(
        tmp_path,
        "check",
        "--deploy",
        **_production(SECURE_HSTS_PRELOAD="0", SECURE_SSL_REDIRECT="no"),
    )
    output = result.stdout + result.stderr
    assert "security.W021" in output  # preload off
    assert "security.W008" in output  # redirect off
    assert "security.W012" not in output  # the rest stays on


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY must be at least 50 characters"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS must list the public host names"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must list the public host names"),
        ({"DJANGO_DEBUG": "1"}, "DJANGO_DEBUG must be off"),
        ({"SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}, "SECURE_PROXY_SSL_HEADER must be"),
        ({"DJANGO_ENV": "prod"}, "DJANGO_ENV must be 'development' or 'production'"),
    ],
    ids=["no-secret", "weak-secret", "no-hosts", "empty-hosts", "debug", "bad-proxy-header", "unknown-env"],
)
def test_it_refuses_to_start_on_a_development_convenience(tmp_path, overrides, named):
    result = _manage(tmp_path, "check", **_production(**overrides))
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {named}" in result.stderr
    assert not (tmp_path / "secret_key").exists()  # refused before a development secret is generated


@pytest.fixture
def stored(settings) -> Iterator[str]:
    settings.SUMMARY_L1_TTL = 0.0
    page_cache_reset()
    yield summary_store(summary=copy.deepcopy(SUMMARY))
    page_cache_reset()


def _asgi_get(path: str, *, scheme: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    # Built per request as cryptodash/asgi.py builds it: Django's middleware reads the HTTPS
    # settings when it is loaded, after the test changed them.
    application = PageCache(ThreadedASGIHandler(threads=1))

    async def call() -> dict[str, Any]:
        communicator = HttpCommunicator(application, "GET", path, headers=[(b"host", b"127.0.0.1"), *headers])
        communicator.scope["scheme"] = scheme
        return await communicator.get_response(timeout=10)

    return asyncio.run(call())


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/api/crypto/dashboard-summary"])
def test_the_page_cache_leaves_plain_http_to_the_https_redirect(settings, stored, path):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = _asgi_get(path, scheme="http", headers=[])
    assert plain["status"] == 301
    location = {name.lower(): value for name, value in plain["headers"]}[b"location"]
    assert location == f"https://127.0.0.1{path}".encode()
    forged = _asgi_get(path, scheme="http", headers=[(b"x-forwarded-proto", b"http")])
    assert forged["status"] == 301
    proxied = _asgi_get(path, scheme="http", headers=[(b"x-forwarded-proto", b"https")])
    assert proxied["status"] == 200
    direct = _asgi_get(path, scheme="https", headers=[])
    assert direct["status"] == 200
