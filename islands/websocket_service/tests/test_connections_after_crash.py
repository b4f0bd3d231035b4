"""The open-socket count stays exact when a web worker dies (kill -9) and granian respawns it.

granian with 2 workers, metrics in multiprocess mode as under `make run`: sockets are opened, the
worker holding most of them is SIGKILLed, and /health's `clients` and /metrics' gauge must equal
the sockets still open, then 0 once every one is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import orjson
import pytest
import websockets
from prometheus_client import CollectorRegistry, multiprocess

from cryptodash.stack.processes import free_port, http_wait, process_stop
from islands.websocket_service.metrics import WS_CONNECTIONS_METRIC
from islands.websocket_service.tests.processes import BASE_DIR, BIN_DIR, child_env

pytestmark = pytest.mark.processes

PORTS = range(18700, 18720)
SOCKETS = 6


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def gauge_of(pid: int, metrics_dir: Path, scratch: Path) -> int:
    """The socket gauge one process wrote (its own file, merged alone)."""
    scratch.mkdir(exist_ok=True)
    for old in scratch.iterdir():
        old.unlink()
    source = metrics_dir / f"gauge_livesum_{pid}.db"
    if not source.exists():
        return 0
    shutil.copy(source, scratch / source.name)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(scratch))
    return int(registry.get_sample_value(WS_CONNECTIONS_METRIC) or 0)


def counts(url: str) -> tuple[int, int]:
    """(/health's clients, /metrics' gauge), as an operator on this host reads them."""
    with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
        clients = orjson.loads(response.read())["islands"]["websocket_service"]["clients"]
    with urllib.request.urlopen(f"{url}/metrics", timeout=5) as response:
        lines = response.read().decode().splitlines()
    gauge = next(line for line in lines if line.startswith(f"{WS_CONNECTIONS_METRIC} "))
    return clients, int(float(gauge.split()[1]))


async def counts_become(url: str, expected: int) -> tuple[int, int]:
    deadline = time.monotonic() + 15
    while (seen := await asyncio.to_thread(counts, url)) != (expected, expected) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    return seen


async def still_open(sockets: list) -> list:
    """The sockets whose server side still answers a ping."""
    alive = []
    for socket in sockets:
        try:
            await asyncio.wait_for(await socket.ping(), timeout=2)
        except (websockets.ConnectionClosed, TimeoutError):
            continue
        alive.append(socket)
    return alive


@pytest.fixture
def two_worker_web(tmp_path, db):
    port = free_port(PORTS)
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    env = child_env(tmp_path, PORT=str(port), PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
    subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), "migrate", "--noinput", "-v", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    process = subprocess.Popen(
        [
            str(BIN_DIR / "granian"),
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
            "--respawn-failed-workers",
            "--no-access-log",
            "cryptodash.asgi:application",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        http_wait(f"{url}/health/live", process=process, timeout=60, status_ok=True)
        deadline = time.monotonic() + 30
        while len(children(process.pid)) < 2:
            assert time.monotonic() < deadline, "granian did not start 2 workers"
            time.sleep(0.1)
        yield url, process, metrics_dir
    finally:
        workers = children(process.pid) if process.poll() is None else []
        process_stop(process)
        for pid in workers:  # a worker its killed parent left behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


async def test_counts_stay_exact_after_a_worker_is_killed(two_worker_web, tmp_path):
    url, granian, metrics_dir = two_worker_web
    ws_url = url.replace("http://", "ws://") + "/ws"
    sockets = [await websockets.connect(ws_url, origin=url) for _ in range(SOCKETS)]
    try:
        assert await counts_become(url, SOCKETS) == (SOCKETS, SOCKETS)
        workers = children(granian.pid)
        held = {pid: gauge_of(pid, metrics_dir, tmp_path / "scratch") for pid in workers}
        victim = max(held, key=held.get)
        assert held[victim] > 0

        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 15
        while len(alive := await still_open(sockets)) != SOCKETS - held[victim]:
            assert time.monotonic() < deadline, f"{held[victim]} sockets of the killed worker still open"
            await asyncio.sleep(0.1)

        assert await counts_become(url, len(alive)) == (len(alive), len(alive))
        assert not (metrics_dir / f"gauge_livesum_{victim}.db").exists()
    finally:
        for socket in sockets:
            await socket.close()
    assert await counts_become(url, 0) == (0, 0)
