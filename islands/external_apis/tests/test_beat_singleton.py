"""Only one Celery beat runs per Redis: a second one, on any host or pidfile, exits at start-up."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from islands.external_apis import signals
from islands.external_apis.tests.conftest import process_env

CELERY = str(Path(sys.executable).parent / "celery")


def test_beat_init_refuses_when_another_beat_holds_the_lock(settings):
    assert signals.beat_lock_acquire() is not None  # "the other beat"

    with pytest.raises(SystemExit, match="another celery beat holds"):
        signals.on_beat_init()


def test_a_second_beat_process_exits_while_the_first_keeps_running(fake_upstream, settings, redis_conn, tmp_path):
    env = process_env(fake_upstream, settings.REDIS_URL)

    def beat(name: str) -> subprocess.Popen:
        command = [CELERY, "-A", "cryptodash", "beat", "--loglevel", "INFO"]
        command += ["--schedule", str(tmp_path / f"{name}-schedule"), "--pidfile", str(tmp_path / f"{name}.pid")]
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    first = beat("first")
    try:
        deadline = time.monotonic() + 30
        while redis_conn.get(signals.BEAT_LOCK) is None:
            assert first.poll() is None and time.monotonic() < deadline, "first beat never took the lock"
            time.sleep(0.1)
        second = beat("second")
        output, _ = second.communicate(timeout=30)

        assert second.returncode != 0
        assert "another celery beat holds" in output
        assert first.poll() is None
        assert redis_conn.get(signals.BEAT_LOCK).decode().endswith(f":{first.pid}")
    finally:
        first.terminate()
        first.wait(timeout=10)
