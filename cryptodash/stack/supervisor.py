"""`python -m cryptodash.stack supervise NAME [--after URL] -- CMD`: one process of the stack, restarted when it dies.

honcho stops the whole group when any member exits; a crashed or killed relay, worker or backup
writer must instead come back by itself, so `make run` wraps each member in this loop. With
`--after`, the first start waits until that URL answers (the web process, so the others' start-up
does not compete with it for the CPU before the site answers). It must not start anything but its
one child.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

from cryptodash.stack.base import log
from cryptodash.stack.processes import die_with_parent

# The others start anyway after this long: a web process that cannot start must not keep them down.
AFTER_TIMEOUT = 60.0


def answered(url: str, stopping: threading.Event, timeout: float = AFTER_TIMEOUT) -> None:
    """Return once `url` answers HTTP (any status), `timeout` seconds passed or `stopping` is set."""
    deadline = time.monotonic() + timeout
    while not stopping.is_set() and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            stopping.wait(0.2)


def supervise(name: str, command: list[str], after: str | None = None) -> int:
    """Run `command`, restarting it when it dies on its own; start it first once `after` answers.

    The delay doubles up to 30 s so a process that cannot start does not spin, and resets after a
    minute of healthy running. SIGTERM and SIGINT are passed on and end the loop.
    """
    stopping = threading.Event()
    child: subprocess.Popen | None = None

    def forward(signum: int, _frame: object) -> None:
        stopping.set()
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    if after:
        answered(after, stopping)
        if stopping.is_set():
            return 0
    delay = 1.0
    while True:
        started = time.monotonic()
        # If this supervisor is SIGKILLed, its child goes too instead of living on unsupervised.
        child = subprocess.Popen(command, preexec_fn=die_with_parent)  # noqa: PLW1509 - single-threaded
        code = child.wait()
        if stopping.is_set():
            return 128 - code if code < 0 else code  # shell convention for "ended by signal N"
        if time.monotonic() - started > 60:
            delay = 1.0
        log(f"{name} exited with code {code}; restarting in {delay:.0f} s")
        if stopping.wait(delay):
            return 0
        delay = min(delay * 2, 30.0)
