"""`make run`'s set-up inside the web process: once per run, its outcome shared, a failure stops the stack."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from cryptodash import run_setup
from cryptodash.stack.base import BASE_DIR
from cryptodash.stack.setup import FAILED, LAUNCHER_ENV, OK, SETUP_ENV, setup_status, setup_status_write


@pytest.fixture
def plain_static(settings, tmp_path):
    # prepare_run collects static files when they changed: into a folder of this test, uncompressed.
    sources = tmp_path / "static"
    sources.mkdir()
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STATICFILES_DIRS = [sources]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def test_a_process_not_started_by_the_launcher_runs_no_set_up(monkeypatch, capsys):
    monkeypatch.delenv(SETUP_ENV, raising=False)
    run_setup.setup_once()
    assert capsys.readouterr().out == ""


@pytest.mark.django_db
def test_the_first_worker_runs_the_set_up_and_the_others_read_its_outcome(monkeypatch, tmp_path, plain_static, capsys):
    status = tmp_path / "setup-1"
    monkeypatch.setenv(SETUP_ENV, str(status))
    run_setup.setup_once()
    assert setup_status(status) == OK
    assert "collectstatic: collected into" in capsys.readouterr().out

    run_setup.setup_once()  # a second worker, or a respawned one
    assert capsys.readouterr().out == ""


@pytest.mark.django_db
def test_a_failed_set_up_is_recorded_signals_the_launcher_and_the_worker_does_not_serve(monkeypatch, tmp_path):
    launcher = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        status = tmp_path / "setup-2"
        monkeypatch.setenv(SETUP_ENV, str(status))
        monkeypatch.setenv(LAUNCHER_ENV, str(launcher.pid))
        monkeypatch.setattr(run_setup, "SETUP_COMMAND", "no_such_command")
        with pytest.raises(SystemExit, match="no_such_command"):
            run_setup.setup_once()
        assert setup_status(status).startswith(FAILED + "Unknown command: 'no_such_command'")
        assert launcher.wait(timeout=10) == -signal.SIGTERM

        with pytest.raises(SystemExit):  # a respawned worker does not try again
            run_setup.setup_once()
    finally:
        launcher.kill()


@pytest.mark.parametrize(("outcome", "starts"), [(OK, True), (FAILED + "boom", False)])
def test_the_other_processes_start_only_after_a_set_up_that_succeeded(tmp_path, outcome, starts):
    started, status = tmp_path / "started", tmp_path / "setup-3"
    child = f"open({str(started)!r}, 'w').close(); import time; time.sleep(120)"
    # The URL answers from the start (501: any answer will do): only the set-up holds the child back.
    server = HTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    after = ["--after", f"http://127.0.0.1:{server.server_port}/"]
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "cryptodash.stack", "supervise", "t", *after, "--", sys.executable, "-c", child],
        cwd=BASE_DIR,
        env=dict(os.environ, **{SETUP_ENV: str(status)}),
    )
    try:
        time.sleep(1.0)
        assert supervisor.poll() is None
        assert not started.exists()
        setup_status_write(status, outcome)
        if starts:
            deadline = time.monotonic() + 15
            while not started.exists():
                assert time.monotonic() < deadline, "the child did not start after the set-up"
                time.sleep(0.05)
            supervisor.send_signal(signal.SIGTERM)
            supervisor.wait(timeout=10)
        else:
            assert supervisor.wait(timeout=10) == 0
            assert not started.exists()
    finally:
        supervisor.kill()
        server.shutdown()


def test_status_writes_are_whole(tmp_path: Path):
    status = tmp_path / "setup-4"
    assert setup_status(status) is None
    setup_status_write(status, OK)
    assert setup_status(status) == OK
    assert [p.name for p in tmp_path.iterdir()] == ["setup-4"]
