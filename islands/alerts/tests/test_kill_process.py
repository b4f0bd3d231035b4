"""A real `manage.py evaluate_alerts` process SIGKILLed between its decision and its XACK, then
started again under the same consumer name: the crossing fires once, and its page notice and mail
go out once each.

Two kill points: right after the fire's transaction committed (nothing delivered yet), and after
the deliveries, just before the XACK. The child stops itself at the point (a marker file, then a
wait) and the test sends the SIGKILL. The child runs the real command with Celery eager, so its
mail is sent in that process (file backend) and the test can count what went out.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from islands.alerts.tests.conftest import btc_at
from islands.cache_system.selectors import heartbeat_age
from islands.websocket_service.tests.processes import BASE_DIR, child_env

CONSUMER = "alerts-kill"
CHILD = """
import os, sys, time
from pathlib import Path

import django

django.setup()
from celery import current_app
from django.core.management import call_command

from islands.alerts import evaluator

# The mail is sent in this process (file backend), where the test counts it.
current_app.conf.task_always_eager = True
kill_at = os.environ.get("KILL_AT")


def stop_here():
    Path(os.environ["KILL_MARKER"]).write_text(str(os.getpid()))
    while True:
        time.sleep(1)  # the test sends SIGKILL now


if kill_at == "after_commit":
    dispatch = evaluator.deliveries_dispatch

    def dispatch_or_stop(fire_ids):
        if fire_ids:
            stop_here()
        return dispatch(fire_ids)

    evaluator.deliveries_dispatch = dispatch_or_stop
elif kill_at == "before_xack":
    handle = evaluator.Evaluator.__call__

    def handle_then_stop(self, batch):
        handle(self, batch)
        if self.fired:
            stop_here()

    evaluator.Evaluator.__call__ = handle_then_stop

call_command("evaluate_alerts", consumer=sys.argv[1])
"""
SETUP = """
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from islands.alerts.models import Alert
user = get_user_model().objects.create_user(username="ann@example.org", email="ann@example.org", password="x" * 20)
EmailAddress.objects.create(user=user, email="ann@example.org", primary=True, verified=True)
Alert.objects.create(user=user, kind="price_above", coin="btc", currency="usd", threshold=100_000)
"""
REPORT = """
import json
from islands.alerts.models import AlertDelivery, AlertFire
print(json.dumps({
    "fires": list(AlertFire.objects.values_list("stream_id", flat=True)),
    "deliveries": sorted(AlertDelivery.objects.values_list("channel", "status", "attempts")),
}))
"""


def _until(condition, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.05)


@pytest.fixture
def child(tmp_path: Path):
    """The child processes' environment (their own SQLite, migrated, with one user and alert)."""
    env = child_env(
        tmp_path,
        PYTHONPATH=str(BASE_DIR),
        DJANGO_SETTINGS_MODULE="cryptodash.settings",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
        CONSUMER_HEARTBEAT_INTERVAL="0.2",
        CONSUMER_BLOCK_MS="50",
        KILL_MARKER=str(tmp_path / "stopped"),
    )
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True)
    subprocess.run([*manage, "shell", "-c", SETUP], cwd=BASE_DIR, env=env, check=True)
    (tmp_path / "child.py").write_text(CHILD)
    return tmp_path, env


@contextmanager
def evaluator_process(tmp_path: Path, env: dict[str, str], **extra: str) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(
        [sys.executable, str(tmp_path / "child.py"), CONSUMER], cwd=BASE_DIR, env={**env, **extra}
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def report(env: dict[str, str]) -> dict:
    out = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), "shell", "-c", REPORT],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def mails(tmp_path: Path) -> int:
    folder = tmp_path / "mail"
    return sum(f.read_text().count("\nSubject: ") for f in folder.iterdir()) if folder.exists() else 0


@pytest.mark.parametrize("kill_at", ["after_commit", "before_xack"])
def test_a_sigkilled_evaluator_restarted_neither_fires_twice_nor_loses_the_fire(child, redis_conn, kill_at):
    tmp_path, env = child
    pending = lambda: redis_conn.xpending(settings.STREAM_MARKET_DATA, settings.ALERTS_GROUP)["pending"]  # noqa: E731

    with evaluator_process(tmp_path, env, KILL_AT=kill_at) as first:
        _until(lambda: heartbeat_age(name="alerts") is not None, "the evaluator's first heartbeat")
        btc_at(99_000)
        crossing = btc_at(100_500)
        _until((tmp_path / "stopped").exists, f"the evaluator at {kill_at}")
        os.kill(first.pid, signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
    killed = report(env)
    assert killed["fires"] == [crossing]  # decided and committed
    assert pending() >= 1  # but never acknowledged

    with evaluator_process(tmp_path, env) as second:
        _until(lambda: pending() == 0, "the restarted evaluator to acknowledge its pending entries")
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=10) == 0

    after = report(env)
    assert after["fires"] == [crossing]
    assert after["deliveries"] == [["email", "sent", 1], ["web", "sent", 1]]
    assert mails(tmp_path) == 1
