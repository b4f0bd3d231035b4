"""Real processes for the end-to-end tests: the ASGI server `make run` uses, and the relay command."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from cryptodash.stack.commands import DEFAULT_WEB_SERVER, web_command
from cryptodash.stack.processes import free_port, http_wait, process_stop

BASE_DIR = Path(settings.BASE_DIR)
BIN_DIR = Path(sys.executable).parent
# This island's tests keep their servers in one range, clear of the other islands' tests.
PORTS = range(18300, 18400)


def child_env(run_dir: Path, **extra: str) -> dict[str, str]:
    """The test's Redis, a private run dir (secret key, SQLite), and static files from the sources.

    Never the suite's DATABASE_URL: the children would share that database across tests and runs
    (accounts signed up by one test would already exist for the next)."""
    return {
        **{name: value for name, value in os.environ.items() if name != "DATABASE_URL"},
        "REDIS_URL": settings.REDIS_URL,
        "CRYPTODASH_RUN_DIR": str(run_dir),
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        # DEBUG makes WhiteNoise serve static files from their source folders (no collectstatic).
        "DJANGO_DEBUG": "1",
        **extra,
    }


@contextmanager
def relay_process(run_dir: Path, name: str = "relay-e2e", **env: str) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(
        [sys.executable, str(BASE_DIR / "manage.py"), "relay", "--name", name],
        cwd=BASE_DIR,
        env=child_env(run_dir, **{"CONSUMER_HEARTBEAT_INTERVAL": "0.2", **env}),
    )
    try:
        yield process
    finally:
        process_stop(process)


@contextmanager
def web_process(
    run_dir: Path, *, ports: range = PORTS, migrate: bool = True, **extra: str
) -> Iterator[tuple[str, subprocess.Popen]]:
    """The web server of `make run` (WEB_SERVER, its command line) serving the project on a free port,
    migrated; yields its base URL and the process."""
    port = free_port(ports)
    # The served port, as `make run` exports it: the default WS_ALLOWED_ORIGINS are derived from it.
    env = child_env(run_dir, **{"PORT": str(port), **extra})
    if migrate:
        subprocess.run(
            [sys.executable, str(BASE_DIR / "manage.py"), "migrate", "--noinput", "-v", "0"],
            cwd=BASE_DIR,
            env=env,
            check=True,
        )
    command = web_command(
        os.environ.get("WEB_SERVER", DEFAULT_WEB_SERVER), host="127.0.0.1", port=str(port), workers="1"
    )
    process = subprocess.Popen(shlex.split(command), cwd=BASE_DIR, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        http_wait(f"{url}/", process=process, timeout=30)
        yield url, process
    finally:
        process_stop(process)
