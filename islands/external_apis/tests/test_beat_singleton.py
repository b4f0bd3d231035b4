"""Only one Celery beat runs per Redis: a second one, on any host or pidfile, exits at start-up.

A lock Redis lost (restart) is taken again in place, and a stop with Redis gone logs no traceback.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

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


def test_a_lock_redis_lost_is_taken_again_in_place(redis_conn):
    lock = signals.beat_lock_acquire()
    redis_conn.delete(signals.BEAT_LOCK)  # what a restart of a Redis without persistence does

    assert signals.beat_lock_keep(lock) is True
    assert redis_conn.get(signals.BEAT_LOCK).decode().endswith(f":{os.getpid()}")
    assert 0 < redis_conn.ttl(signals.BEAT_LOCK) <= signals.BEAT_LOCK_TTL


def test_a_lock_another_beat_took_meanwhile_ends_the_lead(redis_conn):
    lock = signals.beat_lock_acquire()
    redis_conn.set(signals.BEAT_LOCK, b"other-host:1")

    assert signals.beat_lock_keep(lock) is False
    assert redis_conn.get(signals.BEAT_LOCK) == b"other-host:1"


@pytest.mark.processes
def test_beat_survives_a_redis_restart_and_stops_without_traceback(fake_upstream, redis_server_factory, tmp_path):
    server = redis_server_factory()
    client = redis.Redis.from_url(server.url)
    env = process_env(fake_upstream, server.url, CRYPTODASH_RUN_DIR=str(tmp_path))
    log = tmp_path / "beat.log"
    command = [CELERY, "-A", "cryptodash", "beat", "--loglevel", "INFO"]
    command += ["--schedule", str(tmp_path / "schedule"), "--pidfile", str(tmp_path / "beat.pid")]
    with log.open("w") as out:
        beat = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: client.get(signals.BEAT_LOCK) is not None, beat, "the first lock")
        server.stop()
        server.start()  # empty: the lock is gone
        client = redis.Redis.from_url(server.url)
        wait_for(lambda: client.get(signals.BEAT_LOCK) is not None, beat, "the lock taken again")
        assert client.get(signals.BEAT_LOCK).decode().endswith(f":{beat.pid}")

        # Ctrl-C with Redis gone, and a second signal (a supervisor passing one on) on its heels.
        server.stop()
        beat.send_signal(signal.SIGINT)
        time.sleep(0.1)
        beat.send_signal(signal.SIGINT)
        beat.wait(timeout=30)
    finally:
        if beat.poll() is None:
            beat.kill()
            beat.wait()
    output = log.read_text()
    assert "taken again" in output
    assert "Traceback" not in output
    assert "exiting" not in output


def wait_for(predicate, process: subprocess.Popen, what: str, timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if predicate():
                return
        except redis.RedisError:
            pass
        assert process.poll() is None, f"beat exited with {process.returncode} before {what}"
        assert time.monotonic() < deadline, f"no {what} in time"
        time.sleep(0.2)
