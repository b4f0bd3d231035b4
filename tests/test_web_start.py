"""A clean start of the web process (granian, as `make run` starts it) logs no warning and no error."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from cryptodash.stack.processes import free_port, http_wait, process_stop
from islands.websocket_service.tests.processes import BASE_DIR, BIN_DIR, child_env

pytestmark = pytest.mark.processes

# Any level above INFO in granian's or Django's lines, a Python warning, a traceback.
NOT_CLEAN = re.compile(r"WARNING|ERROR|CRITICAL|Warning:|Traceback|errored", re.IGNORECASE)


def test_a_clean_start_and_stop_log_no_warnings(tmp_path, db):
    port = free_port(range(18720, 18740))
    env = child_env(
        tmp_path,
        PORT=str(port),
        # The tests serve static files from the source folders (no collectstatic, no STATIC_ROOT),
        # which `make run` never does: that one warning is the test's own setup.
        PYTHONWARNINGS="ignore:No directory at:UserWarning",
    )
    subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), "migrate", "--noinput", "-v", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    log = tmp_path / "web.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                str(BIN_DIR / "granian"),
                "--interface",
                "asgi",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--respawn-failed-workers",
                "--no-access-log",
                "cryptodash.asgi:application",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            http_wait(f"http://127.0.0.1:{port}/health/live", process=process, timeout=60, status_ok=True)
        finally:
            assert process_stop(process) == 0
    lines = log.read_text().splitlines()
    assert any("Started worker-1" in line for line in lines), lines
    assert [line for line in lines if NOT_CLEAN.search(line)] == []
