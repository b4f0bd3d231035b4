"""`python -m cryptodash.stack supervise NAME [--after URL] -- CMD`: one process of the stack, restarted when it dies.

honcho stops the whole group when any member exits; a crashed or killed relay, worker or backup
writer must instead come back by itself, so `make run` wraps each member in this loop. With
`--after`, the first start waits until the run's set-up is done (stack/setup.py) and that URL
answers (the web process, so the others' start-up does not compete with it for the CPU before the
site answers). It must not start anything but its one child.

The child runs in a process group of its own and gets exactly one stop signal, from here. honcho
stops a member by signalling its whole process group: without a group of its own the child (and
a Celery worker's pool children) would get that signal beside the one passed on from here, and
Celery reads a second SIGINT as "cold shutdown: abandon the tasks in flight".
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
from cryptodash.stack.setup import OK, setup_wait

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
    minute of healthy running. The first SIGTERM or SIGINT is passed on and ends the loop; later
    ones are not (the child is already stopping).
    """
    stopping = threading.Event()
    child: subprocess.Popen | None = None
    # The one stop signal, and whether the child got it. Handlers run in the main thread between
    # two bytecodes of the loop below, so the two places that pass it on never both do.
    stop = {"signal": 0, "sent": False}

    def pass_on() -> None:
        if not stop["sent"] and child is not None and child.poll() is None:
            stop["sent"] = True
            child.send_signal(stop["signal"])

    def forward(signum: int, _frame: object) -> None:
        if stopping.is_set():
            return
        stopping.set()
        stop["signal"] = signum
        pass_on()

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    if after:
        # Under `make run` the web process first runs the set-up; the others need it done.
        if setup_wait(stopping) not in (None, OK):
            return 0  # it failed: the launcher is stopping the stack
        answered(after, stopping)
        if stopping.is_set():
            return 0
    delay = 1.0
    while not stopping.is_set():
        started = time.monotonic()
        # If this supervisor is SIGKILLed, its child goes too instead of living on unsupervised.
        child = subprocess.Popen(command, preexec_fn=die_with_parent, process_group=0)  # noqa: PLW1509 - single-threaded
        if stopping.is_set():
            pass_on()  # the stop came while the child was being started
        code = child.wait()
        if stopping.is_set():
            return 128 - code if code < 0 else code  # shell convention for "ended by signal N"
        if time.monotonic() - started > 60:
            delay = 1.0
        log(f"{name} exited with code {code}; restarting in {delay:.0f} s")
        if stopping.wait(delay):
            return 0
        delay = min(delay * 2, 30.0)
    return 0
