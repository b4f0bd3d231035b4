"""The launcher behind `make run` / `make test`: clear errors for unreachable services, no secrets shown."""

import contextlib
import os
import pty
import select
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ImproperlyConfigured

from cryptodash.env import env_bool, env_float, env_int, env_list
from cryptodash.stack.base import BASE_DIR, mask_url
from cryptodash.stack.processes import free_port


def run_stack(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "TEST_REDIS_DB")}
    return subprocess.run(
        [sys.executable, "-m", "cryptodash.stack", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_names_an_unreachable_database_without_its_password():
    result = run_stack("test", "--co", DATABASE_URL="postgres://cryptodash:s3cret@127.0.0.1:1/nothing")
    assert result.returncode == 2
    assert "DATABASE_URL=postgres://cryptodash:***@127.0.0.1:1/nothing is not reachable" in result.stderr
    assert "s3cret" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_it_refuses_a_configured_but_unreachable_redis():
    result = run_stack("test", "--co", REDIS_URL="redis://:pw@127.0.0.1:1/0")
    assert result.returncode == 2
    assert "REDIS_URL=redis://:***@127.0.0.1:1/15 is not reachable" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_rejects_unknown_arguments_for_run():
    result = run_stack("run", "--bogus")
    assert result.returncode == 2
    assert "unrecognized arguments: --bogus" in result.stderr


def test_mask_url_hides_only_the_password():
    assert mask_url("redis://user:pw@host:1/0") == "redis://user:***@host:1/0"
    assert mask_url("redis://host:1/0") == "redis://host:1/0"
    assert mask_url("redis://:p%40ss@host:1/0") == "redis://:***@host:1/0"


@pytest.mark.parametrize(
    ("reader", "raw", "message"),
    [
        (lambda: env_int("X_TEST", 1), "abc", "X_TEST must be an integer, got 'abc'"),
        (lambda: env_int("X_TEST", 1, minimum=5), "3", "X_TEST must be >= 5, got 3"),
        (lambda: env_bool("X_TEST", False), "maybe", "X_TEST must be a boolean"),
        (lambda: env_float("X_TEST", 1.0, minimum=0), "nan", "X_TEST must be a number >= 0"),
    ],
)
def test_bad_environment_values_fail_loudly(monkeypatch, reader, raw, message):
    monkeypatch.setenv("X_TEST", raw)
    with pytest.raises(ImproperlyConfigured, match=message):
        reader()


def test_good_environment_values_are_parsed(monkeypatch):
    monkeypatch.setenv("X_TEST", " a, b ,,c ")
    assert env_list("X_TEST", []) == ["a", "b", "c"]
    monkeypatch.setenv("X_TEST", "Yes")
    assert env_bool("X_TEST", False) is True
    monkeypatch.delenv("X_TEST")
    assert env_int("X_TEST", 7) == 7


def wait_until(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_a_killed_process_is_restarted_and_sigterm_stops_it_for_good(tmp_path):
    pids = tmp_path / "pids"
    child = f"import os, time; open({str(pids)!r}, 'a').write(f'{{os.getpid()}}\\n'); time.sleep(120)"
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "cryptodash.stack", "supervise", "t", "--", sys.executable, "-c", child], cwd=BASE_DIR
    )
    try:
        wait_until(lambda: pids.exists() and len(pids.read_text().split()) == 1)
        first = int(pids.read_text().split()[0])
        os.kill(first, signal.SIGKILL)
        wait_until(lambda: len(pids.read_text().split()) == 2)
        second = int(pids.read_text().split()[1])

        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=10) == 128 + signal.SIGTERM  # the child's end, passed up
        assert not os.path.exists(f"/proc/{second}")
    finally:
        supervisor.kill()


def test_with_after_the_child_starts_only_once_that_url_answers(tmp_path):
    started = tmp_path / "started"
    port = free_port()
    child = f"open({str(started)!r}, 'w').close(); import time; time.sleep(120)"
    after = ["--after", f"http://127.0.0.1:{port}/"]
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "cryptodash.stack", "supervise", "t", *after, "--", sys.executable, "-c", child],
        cwd=BASE_DIR,
    )
    server = None
    try:
        time.sleep(1.5)  # the supervisor polls meanwhile; nothing answers yet
        assert not started.exists()

        server = HTTPServer(("127.0.0.1", port), BaseHTTPRequestHandler)  # answers 501: any answer will do
        threading.Thread(target=server.serve_forever, daemon=True).start()
        wait_until(started.exists)

        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=10) == 128 + signal.SIGTERM
    finally:
        supervisor.kill()
        if server is not None:
            server.shutdown()


def converse(fd: int, answers: list[str], timeout: float = 60.0) -> str:
    """Type each answer once the program on the pty `fd` shows its next prompt (a line ending in
    ':', whatever the language); return everything it printed."""
    seen, deadline = "", time.monotonic() + timeout
    for answer in answers:
        pending = ""
        while not pending.rstrip(" ").endswith(":"):
            assert time.monotonic() < deadline, f"no prompt in {seen + pending!r}"
            if select.select([fd], [], [], 0.5)[0]:
                pending += os.read(fd, 4096).decode(errors="replace")
        seen += pending
        os.write(fd, f"{answer}\n".encode())
    with contextlib.suppress(OSError):  # EIO once the program exited
        while chunk := os.read(fd, 4096):
            seen += chunk.decode(errors="replace")
    return seen


def test_superuser_asks_for_an_account_and_applies_the_password_validators(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "TEST_REDIS_DB")}
    database = tmp_path / "db.sqlite3"
    env["DATABASE_URL"] = f"sqlite:///{database}"
    good = "a long enough password 1"
    pid, fd = pty.fork()
    if pid == 0:  # the child: createsuperuser reads the password from its terminal
        os.chdir(BASE_DIR)
        os.execve(sys.executable, [sys.executable, "-m", "cryptodash.stack", "superuser"], env)
    try:
        # name, email, a password the validators refuse (twice), "no" to creating the user anyway,
        # then a good one: without the validators there would be no such question.
        output = converse(fd, ["admin", "admin@example.com", "short", "short", "N", good, good])
        assert os.waitpid(pid, 0)[1] == 0, output
    finally:
        os.close(fd)
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT is_superuser, is_staff, password FROM auth_user WHERE username = 'admin'").fetchall()
    assert [(superuser, staff) for superuser, staff, _ in rows] == [(1, 1)]
    assert check_password(good, rows[0][2])
