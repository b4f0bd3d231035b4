"""`make demo` stopped three ways, with Celery tasks in flight: every process ends, the tasks finish,
nothing is SIGKILLed and no traceback is logged. One of the runs logs with LOG_FORMAT=json: every
line of its output must then be one JSON object, every process among them.

- Ctrl-C: the terminal sends SIGINT to the launcher's process group;
- SIGTERM to the launcher alone (`kill PID`);
- SIGTERM to every process group of the stack at once, pool children included: what systemd's
  default KillMode=control-group does to a service.

The fake upstream is switched to its slow scenario and beat queues a fear & greed fetch every
second, so the worker always has one in flight (it waits out the upstream read timeout, 3 attempts).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from cryptodash.stack.base import BASE_DIR
from cryptodash.stack.processes import free_port, http_wait

pytestmark = pytest.mark.processes

PORTS = range(18740, 18760)
STOP_TIMEOUT = 90


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except FileNotFoundError:
        return found
    for task in tasks:
        try:
            children = [int(child) for child in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
        for child in children:
            found += [child, *descendants(child)]
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def process_groups(pids: list[int]) -> set[int]:
    groups = set()
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            groups.add(os.getpgid(pid))
    return groups


def wait_for_line(log: Path, pattern: str, process: subprocess.Popen, *, after: int = 0, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    regex = re.compile(pattern)
    while True:
        match = regex.search(log.read_text(errors="replace")[after:])
        if match:
            return match.group(0)
        assert process.poll() is None, f"the stack exited with {process.returncode}:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"no line matching {pattern!r} in time"
        time.sleep(0.2)


@pytest.mark.parametrize(
    ("how", "log_format"), [("ctrl-c", "plain"), ("sigterm-launcher", "json"), ("sigterm-every-group", "plain")]
)
def test_a_stop_finishes_the_tasks_in_flight_and_logs_no_traceback(how, log_format, tmp_path):
    port = free_port(PORTS)
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "PROMETHEUS_MULTIPROC_DIR")}
    env.update(
        CRYPTODASH_RUN_DIR=str(tmp_path / "run"),
        PORT=str(port),
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        INGEST_INTERVAL_FEAR_GREED="1",
        UPSTREAM_READ_TIMEOUT="3",
        RATE_LIMIT_ALTERNATIVE_ME="1000/minute",
        LOG_FORMAT=log_format,
    )
    log = tmp_path / "stack.log"
    with log.open("w") as out:
        # A session of its own, as a terminal or a service manager gives the stack.
        stack = subprocess.Popen(
            [sys.executable, "-m", "cryptodash.stack", "demo"],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        upstream = wait_for_line(log, r"fake upstream on http://127\.0\.0\.1:\d+", stack).split()[-1]
        http_wait(f"http://127.0.0.1:{port}/health/live", process=stack, timeout=120, status_ok=True)
        wait_for_line(log, r"worker-\d+@\S+ ready\.", stack)
        # A request Django logs (404: path and status).
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page", timeout=5)
        request = urllib.request.Request(
            f"{upstream}/__scenario",
            data=json.dumps({"name": "slow_upstreams"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=5).close()
        mark = len(log.read_text(errors="replace"))
        # A fetch against the slow upstream is in flight once the next ones find it running.
        wait_for_line(log, r"feed fear_greed is being fetched by another run", stack, after=mark)
        tree = [stack.pid, *descendants(stack.pid)]

        stopped_at = len(log.read_text(errors="replace"))
        if how == "ctrl-c":
            os.killpg(stack.pid, signal.SIGINT)
        elif how == "sigterm-launcher":
            stack.send_signal(signal.SIGTERM)
        else:
            for group in process_groups(tree):
                os.killpg(group, signal.SIGTERM)
        code = stack.wait(timeout=STOP_TIMEOUT)
    finally:
        if stack.poll() is None:
            # Every process group of the stack: its members run in sessions of their own.
            for group in process_groups([stack.pid, *descendants(stack.pid)]):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(group, signal.SIGKILL)
            stack.wait()

    output = log.read_text(errors="replace")
    after_stop = output[stopped_at:]
    assert code in (0, 130, 143), output[-3000:]
    assert [pid for pid in tree if running(pid)] == []
    assert "Traceback" not in output
    assert "WorkerLostError" not in output
    assert not re.search(r"ERROR.*Exception ignored", output)  # django-redis's, as an error
    assert "SIGKILL" not in after_stop
    # The fetches in flight ran to their end after the stop began.
    assert re.search(r"(feed_refresh|refresh_all)\[[0-9a-f-]+\] succeeded", after_stop), after_stop[-3000:]
    if log_format == "json":
        assert_json_lines(output)


def assert_json_lines(output: str) -> None:
    lines = [json.loads(line) for line in output.splitlines()]  # fails on the first that is not JSON
    assert all(isinstance(line, dict) for line in lines)
    # Written by each process's own formatter, not wrapped by the launcher.
    own = {line.get("process") for line in lines if line.get("logger") != "stdout"}
    assert {"web", "worker", "beat", "relay", "backup", "alerts"} <= own, own
    assert any(line.get("path") == "/no-such-page" and line.get("status") == 404 for line in lines)
    assert any("task_id" in line for line in lines)
