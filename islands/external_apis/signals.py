"""Beat leadership: exactly one Celery beat per Redis, whatever starts it.

The launcher's pidfile stops a second beat on the same host; this stops one on another host or
with another pidfile. At `beat_init` the beat takes a Redis lock (renewed by a daemon thread,
which also records the `beat` heartbeat for /health) or exits with an error. With the lock held
it queues one `refresh_all`, so a fresh stack has a complete summary without waiting an hour for
the RSI entry's first tick.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import threading
import time

from celery.signals import beat_init

from islands.cache_system.coordination import SharedLock, lock_holder
from islands.cache_system.errors import REDIS_DOWN_ERRORS, LockLost
from islands.cache_system.services import heartbeat_record
from islands.external_apis.tasks import refresh_all

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


def _renew(lock: SharedLock) -> None:
    while True:
        time.sleep(RENEW_EVERY)
        try:
            lock.renew()
            heartbeat_record(name="beat")
        except LockLost:
            # Expired during a Redis outage, or taken by another beat: that one may lead now, and
            # two beats would double every fetch. Exit; a supervisor restarts this one, which
            # then either leads again or refuses.
            log.critical("beat lock lost (expired or taken by another beat): exiting")
            os._exit(3)
        except REDIS_DOWN_ERRORS as exc:
            log.warning("beat lock not renewed, Redis unreachable: %s", exc)


def _release(lock: SharedLock) -> None:
    lock.release()  # False when expired or taken over: nothing of ours to free


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
    threading.Thread(target=_renew, args=(lock,), name="beat-lock", daemon=True).start()
    refresh_all.delay()


def connect() -> None:
    beat_init.connect(on_beat_init, dispatch_uid="external_apis.beat_leader", weak=False)
