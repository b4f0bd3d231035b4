"""Admin login throttling: after the allowed attempts per username or per client address, the next
login is refused, even with the right password, with a clear message, a 429 and a WARNING line;
the count lives in Redis, so every web process sees it."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from limits import RateLimitItemPerSecond
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

from islands.cache_system.redis_client import redis_clients_reset
from islands.shared_components.login_throttle import LIMITS_PREFIX

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "correct horse battery staple 42"
REFUSED = "Too many login attempts for this account or from this address"
USER_ATTEMPTS, IP_ATTEMPTS = 3, 5

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings) -> None:
    settings.ADMIN_LOGIN_USER_ATTEMPTS = USER_ATTEMPTS
    settings.ADMIN_LOGIN_IP_ATTEMPTS = IP_ATTEMPTS
    settings.ADMIN_LOGIN_WINDOW = 900
    # The throttle is under test, not the password hash: a fast hasher keeps dozens of logins quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admins(db) -> None:
    for name in ("editor", "other"):
        get_user_model().objects.create_user(name, password=PASSWORD, is_staff=True)


def _login(address: str, username: str, password: str):
    client = Client(REMOTE_ADDR=address, headers={"Accept-Language": "en"})
    response = client.post(LOGIN, {"username": username, "password": password})
    return response, client


def _logged_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def test_it_refuses_the_right_password_after_too_many_bad_ones_for_a_username(admins, caplog):
    caplog.set_level(logging.INFO)
    for attempt in range(USER_ATTEMPTS):
        bad, _ = _login(f"198.51.100.{attempt + 1}", "editor", f"guess-{attempt}")
        assert bad.status_code == 200
        assert "Please enter the correct username and password" in bad.content.decode()

    # The next attempt, with the right password and from yet another address, is refused.
    refused, client = _login("198.51.100.50", "Editor", PASSWORD)
    assert refused.status_code == 429
    assert REFUSED in refused.content.decode()
    assert 1 <= int(refused["Retry-After"]) <= 900
    assert not _logged_in(client)

    warnings = [r for r in caplog.records if r.name == "islands.shared_components.admin_site"]
    assert [r.levelname for r in warnings] == ["WARNING"]
    assert "198.51.100.50" in warnings[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]

    # Another account from another address is not affected.
    allowed, client = _login("198.51.100.60", "other", PASSWORD)
    assert allowed.status_code == 302
    assert _logged_in(client)


def test_it_refuses_the_right_password_after_too_many_attempts_from_one_address(admins):
    for attempt in range(IP_ATTEMPTS):
        bad, _ = _login("203.0.113.9", f"guessed-name-{attempt}", "guess")
        assert bad.status_code == 200

    refused, client = _login("203.0.113.9", "editor", PASSWORD)
    assert refused.status_code == 429
    assert REFUSED in refused.content.decode()
    assert not _logged_in(client)

    # The same account from another address still logs in: its own count is untouched.
    allowed, client = _login("203.0.113.10", "editor", PASSWORD)
    assert allowed.status_code == 302
    assert _logged_in(client)


def test_a_successful_login_frees_the_username_count(admins):
    for attempt in range(USER_ATTEMPTS - 1):
        assert _login(f"192.0.2.{attempt + 1}", "editor", "typo")[0].status_code == 200
    assert _login("192.0.2.20", "editor", PASSWORD)[0].status_code == 302
    for attempt in range(USER_ATTEMPTS):
        assert _login(f"192.0.2.{attempt + 30}", "editor", "typo")[0].status_code == 200
    assert _login("192.0.2.40", "editor", PASSWORD)[0].status_code == 429


def test_the_count_is_in_redis_where_another_process_sees_it(admins, settings):
    for attempt in range(USER_ATTEMPTS):
        _login(f"198.51.100.{attempt + 1}", "editor", "guess")

    # A limiter of its own, on a connection of its own, reads the same window.
    storage = RedisStorage(settings.REDIS_URL, key_prefix=LIMITS_PREFIX)
    windows = MovingWindowRateLimiter(storage)
    per_address = RateLimitItemPerSecond(IP_ATTEMPTS, 900)
    assert windows.get_window_stats(per_address, "ip", "198.51.100.1").remaining == IP_ATTEMPTS - 1

    # A separate Python process (another web worker) is refused the same username.
    code = (
        "import django; django.setup();"
        "from islands.shared_components.login_throttle import login_attempt_reserve as r;"
        "print(r(address='192.0.2.99', username='editor').status)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cryptodash.settings",
        "REDIS_URL": settings.REDIS_URL,
        "ADMIN_LOGIN_USER_ATTEMPTS": str(USER_ATTEMPTS),
        "ADMIN_LOGIN_IP_ATTEMPTS": str(IP_ATTEMPTS),
    }
    other = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert other.returncode == 0, other.stderr
    assert other.stdout.strip() == "throttled"


def test_a_login_is_refused_clearly_while_the_count_cannot_be_kept(admins, settings, redis_server_factory, caplog):
    server = redis_server_factory()
    settings.REDIS_URL = server.url
    redis_clients_reset()
    server.stop()

    refused, client = _login("198.51.100.1", "editor", PASSWORD)
    assert refused.status_code == 503
    assert "Login is unavailable for a moment" in refused.content.decode()
    assert not _logged_in(client)
    # Redis down is the server's fault: django.request logs the 503, but never with a traceback.
    assert not [r for r in caplog.records if r.exc_info]


def test_an_incomplete_form_is_not_counted(admins):
    for _ in range(USER_ATTEMPTS + 1):
        assert _login("198.51.100.1", "editor", "")[0].status_code == 200
    assert _login("198.51.100.1", "editor", PASSWORD)[0].status_code == 302


def test_the_refusal_speaks_the_site_language(admins):
    for _ in range(USER_ATTEMPTS):
        _login("198.51.100.1", "editor", "guess")
    refused = Client(REMOTE_ADDR="198.51.100.2").post(LOGIN, {"username": "editor", "password": PASSWORD})
    assert refused.status_code == 429
    assert "Quá nhiều lần đăng nhập cho tài khoản này hoặc từ địa chỉ này" in refused.content.decode()
