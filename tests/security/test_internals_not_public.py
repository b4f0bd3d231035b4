"""Internals are not public: /metrics, the detailed /health, /api/cache/stats and
/api/crypto/rate-limit-status answer in full only to INTERNAL_ALLOW_IPS or the INTERNAL_TOKEN
bearer; anyone else gets a 403 with a JSON message, or /health's overall status alone."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from channels.testing import HttpCommunicator
from django.test import Client

from cryptodash.asgi import application
from islands.cache_system.redis_client import redis_clients_reset
from islands.cache_system.stores import stores_reset

ROOT = Path(__file__).resolve().parents[2]
OUTSIDER = "203.0.113.7"  # TEST-NET-3: any address outside the allowlist
TOKEN = secrets.token_urlsafe(32)
INTERNAL = ["/metrics", "/api/cache/stats", "/api/crypto/rate-limit-status"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _token(settings) -> None:
    settings.INTERNAL_TOKEN = TOKEN
    settings.HEALTH_WORKER_PING_TIMEOUT = 0.1


def _from(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def _asgi_get(path: str, *, client: tuple[str, int] | None, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    """The deployed application, page cache included, as the server calls it for a peer `client`."""

    async def call() -> dict[str, Any]:
        communicator = HttpCommunicator(application, "GET", path, headers=[(b"host", b"127.0.0.1"), *headers])
        if client is not None:
            communicator.scope["client"] = client
        return await communicator.get_response(timeout=10)

    return asyncio.run(call())


@pytest.mark.parametrize("path", INTERNAL)
def test_an_outsider_is_refused_with_a_clear_json_message(path):
    response = _from(OUTSIDER).get(path)
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "forbidden"
    assert "INTERNAL_ALLOW_IPS" in body["reason"]
    assert "INTERNAL_TOKEN" in body["reason"]
    assert "no-store" in response["Cache-Control"]  # a shared cache must not hand an insider's answer out


@pytest.mark.parametrize("path", INTERNAL)
@pytest.mark.parametrize(
    "authorization",
    [f"Bearer {TOKEN[:-1]}x", f"Basic {TOKEN}", TOKEN, "Bearer ", "Bearer é"],
    ids=["wrong-token", "other-scheme", "no-scheme", "empty", "non-ascii"],
)
def test_a_wrong_token_is_refused(path, authorization):
    assert _from(OUTSIDER).get(path, headers={"Authorization": authorization}).status_code == 403


@pytest.mark.parametrize("path", INTERNAL)
def test_no_token_is_accepted_when_none_is_configured(settings, path):
    settings.INTERNAL_TOKEN = ""
    assert _from(OUTSIDER).get(path, headers={"Authorization": "Bearer "}).status_code == 403


def test_the_token_gets_the_full_answers():
    insider = _from(OUTSIDER)
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    metrics = insider.get("/metrics", headers=bearer)
    assert metrics.status_code == 200
    assert b"# TYPE" in metrics.content
    stats = insider.get("/api/cache/stats", headers=bearer)
    assert stats.status_code == 200
    assert {"store", "streams", "process"} <= stats.json().keys()
    quotas = insider.get("/api/crypto/rate-limit-status", headers=bearer)
    assert quotas.status_code == 200
    assert "binance" in quotas.json()
    health = insider.get("/health", headers=bearer).json()
    assert "groups" in health["islands"]["cache_system"]


def test_the_public_health_has_the_status_and_nothing_else():
    response = _from(OUTSIDER).get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": response.json()["status"]}
    assert response.json()["status"] in ("healthy", "degraded")


def test_the_public_health_keeps_its_503(settings, redis_server_factory):
    server = redis_server_factory()
    settings.REDIS_URL = server.url
    redis_clients_reset()
    stores_reset()
    server.stop()
    response = _from(OUTSIDER).get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "unhealthy"}


def test_loopback_keeps_full_access_in_development():
    # The soak and bench scripts, and an operator's curl on the host, read them from loopback.
    for address in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
        loopback = _from(address)
        assert loopback.get("/metrics").status_code == 200
        assert "islands" in loopback.get("/health").json()


def test_the_allowlist_takes_networks(settings):
    settings.INTERNAL_ALLOW_IPS = ["10.20.0.0/16", "2001:db8::/32"]
    assert _from("10.20.3.4").get("/api/cache/stats").status_code == 200
    assert _from("2001:db8::1").get("/api/cache/stats").status_code == 200
    assert _from("10.21.0.1").get("/api/cache/stats").status_code == 403
    assert _from("127.0.0.1").get("/api/cache/stats").status_code == 403


@pytest.mark.parametrize("path", [*INTERNAL, "/health"])
def test_the_asgi_application_applies_the_same_check(path):
    # The page cache in front of Django must not serve any of these past the check.
    outsider = _asgi_get(path, client=(OUTSIDER, 40000), headers=[])
    unknown_peer = _asgi_get(path, client=None, headers=[])
    insider = _asgi_get(path, client=(OUTSIDER, 40000), headers=[(b"authorization", f"Bearer {TOKEN}".encode())])
    if path == "/health":
        assert set(orjson.loads(outsider["body"])) == {"status"}
        assert set(orjson.loads(unknown_peer["body"])) == {"status"}
        assert "islands" in orjson.loads(insider["body"])
    else:
        assert outsider["status"] == unknown_peer["status"] == 403
        assert insider["status"] == 200


def _settings_in_fresh_process(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "INTERNAL_"))}
    environment.update(CRYPTODASH_RUN_DIR=str(tmp_path), **env)
    code = "from django.conf import settings; print(settings.INTERNAL_ALLOW_IPS)"
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_mode_allows_no_network_by_default(tmp_path):
    # Behind a proxy on the same host every request comes from loopback.
    result = _settings_in_fresh_process(
        tmp_path, DJANGO_ENV="production", DJANGO_SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="x.example"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"INTERNAL_ALLOW_IPS": "10.0.0.0/33"}, "INTERNAL_ALLOW_IPS must be comma-separated addresses or CIDRs"),
        ({"INTERNAL_TOKEN": "short"}, "INTERNAL_TOKEN must be empty (no token access) or at least 32 characters"),
    ],
    ids=["bad-network", "short-token"],
)
def test_a_bad_setting_stops_start_up_naming_it(tmp_path, env, named):
    result = _settings_in_fresh_process(tmp_path, **env)
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {named}" in result.stderr
