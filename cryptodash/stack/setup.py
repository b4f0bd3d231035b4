"""`make run`'s set-up status: written by the web process that ran the set-up, read by the rest.

The launcher no longer runs the set-up (`manage.py prepare_run`: migrations, static files,
streams, sample reports) in a process of its own: that was a Django start-up (about 2 s of CPU)
in series with the web process's own on the way to the first page. It names a status file in
CRYPTODASH_SETUP instead, and the first web worker runs the set-up once Django is set up
(cryptodash/run_setup.py), then writes the outcome there. The supervisors of the other processes
wait for it before they start (they need the migrated database and the restored streams), and a
failed set-up stops the whole stack, as it did when the launcher ran it: the web worker signals
the launcher (CRYPTODASH_SETUP_LAUNCHER) and the launcher reports the reason from the file.

Standard library only; no Django.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

SETUP_ENV = "CRYPTODASH_SETUP"
LAUNCHER_ENV = "CRYPTODASH_SETUP_LAUNCHER"
# The management command every web worker of a run needs done, once, before it serves.
SETUP_COMMAND = "prepare_run"
OK = "ok"
FAILED = "failed: "


def setup_status(path: Path) -> str | None:
    """OK, FAILED + the reason, or None while the set-up has not finished."""
    try:
        return path.read_text() or None
    except FileNotFoundError:
        return None


def setup_status_write(path: Path, status: str) -> None:
    """Whole or not at all: the readers poll the file."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(status)
    os.replace(partial, path)


def setup_wait(stopping: threading.Event) -> str | None:
    """The run's set-up status once written (None without CRYPTODASH_SETUP, or when `stopping`)."""
    name = os.environ.get(SETUP_ENV)
    if not name:
        return None
    while not stopping.is_set():
        if (status := setup_status(Path(name))) is not None:
            return status
        stopping.wait(0.1)
    return None
