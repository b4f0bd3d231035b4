"""Beat leadership: exactly one Celery beat per Redis, whatever starts it.

The launcher's pidfile stops a second beat on the same host; this stops one on another host or
with another pidfile. At `beat_init` the beat takes a Redis lock (renewed by a daemon thread,
which also records the `beat` heartbeat for /health) or exits with an error. With the lock held
it queues one `refresh_all` (and the market table and candles jobs), so a fresh stack has a
complete summary without waiting an hour for the RSI entry's first tick.

A lock that Redis lost (a restart without persistence, or an outage longer than its TTL) is taken
again in place when nobody else took it: a Redis restart is an expected fault, not a reason for
the beat to exit and wait for its supervisor. Only a lock another beat holds ends this one.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable

from celery.signals import beat_init

from islands.cache_system.coordination import SharedLock, lock_holder
from islands.cache_system.errors import REDIS_DOWN_ERRORS, LockLost
from islands.cache_system.services import heartbeat_record
from islands.external_apis.tasks import candles_refresh, markets_refresh, refresh_all

log = logging.getLogger(__name__)

BEAT_LOCK = "cryptodash:lock:beat"
# A beat killed with SIGKILL frees the lock this long after its last renewal.
BEAT_LOCK_TTL = 30
RENEW_EVERY = 10


class BeatAlreadyRunning(SystemExit):
    """Raised from beat_init: Celery lets SystemExit through and the beat process exits."""


def beat_lock_acquire() -> SharedLock | None:
    """The beat lock if this process got it, None if another beat holds it."""
    lock = SharedLock(BEAT_LOCK, timeout=BEAT_LOCK_TTL, token=f"{socket.gethostname()}:{os.getpid()}")
    return lock if lock.acquire() else None


def beat_lock_keep(lock: SharedLock) -> bool:
    """Renew the lock, or take it again if Redis lost it; False when another beat holds it now."""
    try:
        lock.renew()
    except LockLost:
        if not lock.acquire():
            return False
        log.warning("beat lock was gone from Redis (restarted or expired during an outage): taken again")
    except REDIS_DOWN_ERRORS as exc:
        log.warning("beat lock not renewed, Redis unreachable: %s", exc)
        return True
    heartbeat_record(name="beat")
    return True


def _renew(lock: SharedLock) -> None:
    while True:
        time.sleep(RENEW_EVERY)
        try:
            leading = beat_lock_keep(lock)
        except REDIS_DOWN_ERRORS as exc:  # Redis went away between the renewal and the re-take
            log.warning("beat lock not renewed, Redis unreachable: %s", exc)
            continue
        if not leading:
            # Another beat took the lock while ours was gone: it leads now, and two beats would
            # double every fetch. Exit (without atexit: the lock is not ours to free); a
            # supervisor restarts this one, which then waits as the refused second beat.
            log.error("beat lock held by another beat (%s): exiting", _holder())
            os._exit(3)


def _holder() -> str:
    try:
        return lock_holder(BEAT_LOCK) or "unknown"
    except REDIS_DOWN_ERRORS:
        return "unknown"


def _release(lock: SharedLock) -> None:
    # The stop is under way: a second Ctrl-C or a signal forwarded by a supervisor must not break
    # into the release (an exception in an atexit function is printed as a traceback, and through
    # Celery's stdout redirect one character per line). It takes at most a socket timeout.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if not lock.release():  # expired, taken over or Redis gone: nothing of ours left to free
        log.info("beat lock not released (no longer ours, or Redis unreachable); it expires by itself")


def _stop_signals_once() -> None:
    """Let beat's own SIGTERM/SIGINT handler (save the schedule, SystemExit) run for the first
    stop signal only. A service manager signalling every process and the supervisor passing its
    signal on deliver two; the second, raised inside the interpreter's shutdown, was printed as
    a traceback (through Celery's stdout redirect, one character per line)."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        handler = signal.getsignal(signum)
        if not callable(handler):
            continue

        def once(number: int, frame: object, handler: Callable = handler) -> None:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            handler(number, frame)

        signal.signal(signum, once)


def on_beat_init(**_: object) -> None:
    lock = beat_lock_acquire()
    if lock is None:
        holder = lock_holder(BEAT_LOCK)
        message = f"another celery beat holds {BEAT_LOCK} ({holder or 'unknown'}): exiting"
        log.error(message)
        raise BeatAlreadyRunning(message)
    heartbeat_record(name="beat")
    # A beat stopped by SIGTERM/Ctrl-C frees the lock at once, so a restart need not wait its TTL.
    atexit.register(_release, lock)
    _stop_signals_once()
    threading.Thread(target=_renew, args=(lock,), name="beat-lock", daemon=True).start()
    refresh_all.delay()
    # The market table and the candles too: a fresh stack (`make demo`) shows them at once.
    markets_refresh.delay()
    candles_refresh.delay()


def connect() -> None:
    beat_init.connect(on_beat_init, dispatch_uid="external_apis.beat_leader", weak=False)
