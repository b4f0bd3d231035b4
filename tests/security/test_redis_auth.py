"""The embedded Redis refuses every local user who does not hold its password.

Before, `make run` started redis-server on 127.0.0.1 without auth: any local user (nobody, here)
could XADD fake prices that reached the API, live sockets and the backup table, and run CONFIG SET,
MODULE LOAD and EVAL. These tests start the server with the launcher's own code
(cryptodash.stack.redis_server.EmbeddedRedis) and attack it as such a user would.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
from django.conf import settings
from django.views.debug import ExceptionReporter
from redis.backoff import NoBackoff
from redis.retry import Retry

from cryptodash.stack.base import BASE_DIR
from cryptodash.stack.redis_server import PASSWORD_FILE, EmbeddedRedis

# Run as `nobody`: the standard library only, raw RESP over a socket, as a hand-written attack would.
NOBODY_ATTACK = r"""
import socket, sys
port, password_file = int(sys.argv[1]), sys.argv[2]
try:
    open(password_file).read()
    print("password-file: READ")
except OSError as exc:
    print(f"password-file: {type(exc).__name__}")
for command in (b"PING", b"XADD crypto:market_data * data {}", b"CONFIG SET dir /tmp", b"EVAL return 1 0"):
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(command + b"\r\n")
        print(command.split()[0].decode(), sock.recv(200).decode().strip())
"""

# redis-py 8 retries connection errors (AuthenticationError is one) with backoff: answer at once.
NO_RETRY = Retry(NoBackoff(), 0)


@pytest.fixture
def embedded(tmp_path: Path):
    server = EmbeddedRedis(tmp_path / "run" / "redis-test", die_with_parent=False)
    server.start()
    yield server
    server.stop()


def test_it_refuses_commands_without_the_password(embedded):
    anonymous = redis.Redis(host="127.0.0.1", port=embedded.port, socket_timeout=2, retry=NO_RETRY)
    try:
        for attack in (
            anonymous.ping,
            lambda: anonymous.xadd("crypto:market_data", {"data": b'{"btc_price_usd": 1.23}'}),
            lambda: anonymous.config_set("dir", "/tmp"),
            lambda: anonymous.eval("return 1", 0),
            lambda: anonymous.execute_command("MODULE", "LOAD", "/tmp/evil.so"),
        ):
            # NOAUTH, or (redis-py 8 opens with HELLO 3) "HELLO must be called ... authenticated".
            with pytest.raises(redis.AuthenticationError):
                attack()
        wrong = redis.Redis(host="127.0.0.1", port=embedded.port, password="guess", socket_timeout=2, retry=NO_RETRY)
        with pytest.raises(redis.AuthenticationError):
            wrong.ping()
        wrong.close()
    finally:
        anonymous.close()
    # Nothing got in; the password in the launcher's URL does.
    owner = redis.Redis.from_url(embedded.url)
    assert owner.exists("crypto:market_data") == 0
    owner.close()


def test_another_local_user_can_neither_read_the_password_nor_get_in(embedded):
    if os.geteuid() != 0:
        pytest.skip("needs root to run the attack as user nobody")
    nobody = pwd.getpwnam("nobody")
    # The system interpreter: nobody may not be able to enter the directories of this one.
    python = shutil.which("python3", path="/usr/bin:/bin")
    if python is None:
        pytest.skip("no system python3 that user nobody can run")
    password_file = str(embedded.data_dir / PASSWORD_FILE)
    result = subprocess.run(
        [python, "-I", "-c", NOBODY_ATTACK, str(embedded.port), password_file],
        user=nobody.pw_uid,
        group=nobody.pw_gid,
        extra_groups=[],
        cwd="/",
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    )
    assert "password-file: PermissionError" in result.stdout
    for command in ("PING", "XADD", "CONFIG", "EVAL"):
        assert f"{command} -NOAUTH Authentication required." in result.stdout


def test_the_password_file_is_the_owners_only(embedded):
    assert oct(embedded.data_dir.stat().st_mode & 0o777) == "0o700"
    assert oct((embedded.data_dir / PASSWORD_FILE).stat().st_mode & 0o777) == "0o600"
    assert len(embedded.password) >= 40  # 32 random bytes, URL-safe base64


def test_the_password_is_not_on_any_command_line(embedded):
    cmdline = Path(f"/proc/{embedded.process.pid}/cmdline").read_bytes().decode()
    assert embedded.password not in cmdline
    ps = subprocess.run(["ps", "-eww", "-o", "args"], capture_output=True, text=True, check=True).stdout
    assert embedded.password not in ps
    assert f"127.0.0.1:{embedded.port}" in ps  # the server is there, only its secret is not


def test_the_suites_own_embedded_redis_requires_its_password():
    """The server `python -m cryptodash.stack test` started for this very run."""
    parts = urlsplit(settings.REDIS_URL)
    if parts.password is None:
        pytest.skip("the suite runs on a configured REDIS_URL without a password, not the embedded server")
    anonymous = redis.Redis(host=parts.hostname, port=parts.port, socket_timeout=2, retry=NO_RETRY)
    with pytest.raises(redis.AuthenticationError):
        anonymous.ping()
    anonymous.close()


def test_the_launcher_refuses_a_redis_url_without_the_password_and_never_prints_it(embedded):
    clean = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    for url in (
        f"redis://127.0.0.1:{embedded.port}/0",
        f"redis://:wrong-{embedded.password[:4]}@127.0.0.1:{embedded.port}/0",
    ):
        result = subprocess.run(
            [sys.executable, "-m", "cryptodash.stack", "test", "--co"],
            cwd=BASE_DIR,
            env={**clean, "REDIS_URL": url},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 2
        assert "is not reachable: authentication failed" in result.stderr
        assert "Traceback" not in result.stderr
        assert embedded.password not in result.stdout + result.stderr


def test_a_web_process_without_the_password_refuses_to_start(embedded, tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "REDIS_URL"},
        "REDIS_URL": f"redis://127.0.0.1:{embedded.port}/0",
        "CRYPTODASH_RUN_DIR": str(tmp_path / "run"),
        "DJANGO_SETTINGS_MODULE": "cryptodash.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import cryptodash.asgi"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: Redis refused the credentials in REDIS_URL" in result.stderr
    assert embedded.password not in result.stderr


def test_error_reports_mask_the_redis_password(rf, settings):
    settings.REDIS_URL = "redis://:s3cret-pw@127.0.0.1:1/0"
    request = rf.get("/", REDIS_URL=settings.REDIS_URL)  # a WSGI server puts the environment in META
    url = settings.REDIS_URL  # a local variable of the failing frame, shown on the debug page
    try:
        raise redis.ConnectionError(f"cannot reach 127.0.0.1:{urlsplit(url).port}")
    except redis.ConnectionError:
        text = ExceptionReporter(request, *sys.exc_info()).get_traceback_text()
    assert "redis://:***@127.0.0.1:1/0" in text  # settings, META and the variable, masked
    assert "s3cret-pw" not in text
