"""The set-up of `make run` (`manage.py prepare_run`), run once per run by the first web worker.

Called by cryptodash/asgi.py after `django.setup()` and before the middleware is built:
WhiteNoise indexes STATIC_ROOT when it is built, so a collection must come first. Only a process
started by the launcher (CRYPTODASH_SETUP set, see cryptodash/stack/setup.py) runs it; with
several workers the first to take the status file's lock runs the command and the others, and
every worker respawned later, read its outcome. A worker whose run failed the set-up does not
serve: it exits, and the launcher stops the stack.
"""

from __future__ import annotations

import fcntl
import os
import signal
import sys
import traceback
from pathlib import Path

from django.core.management import CommandError, call_command
from django.db import connections

from cryptodash.stack.setup import FAILED, LAUNCHER_ENV, OK, SETUP_COMMAND, SETUP_ENV, setup_status, setup_status_write


def setup_once() -> None:
    name = os.environ.get(SETUP_ENV)
    if not name:
        return
    path = Path(name)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        status = setup_status(path)
        if status is None:
            status = _setup_run()
            setup_status_write(path, status)
            if status != OK and (launcher := os.environ.get(LAUNCHER_ENV, "")).isdigit():
                os.kill(int(launcher), signal.SIGTERM)  # as Ctrl-C: every process stops
    if status != OK:
        raise SystemExit(f"the set-up of this run failed ({status.removeprefix(FAILED)}): not serving")


def _setup_run() -> str:
    try:
        call_command(SETUP_COMMAND)
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return FAILED + str(exc)
    except Exception as exc:  # any failure stops the stack, with its reason
        traceback.print_exc()
        return FAILED + (str(exc) or exc.__class__.__name__)
    finally:
        # The pool threads serve requests with connections of their own; this one is done.
        connections.close_all()
    return OK
