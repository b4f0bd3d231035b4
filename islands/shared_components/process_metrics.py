"""prometheus-client's multiprocess mode read exactly: gauges of dead processes are dropped first.

Every process writes its samples to files under PROMETHEUS_MULTIPROC_DIR, named after its pid. A
"live" gauge (`livesum`, e.g. the open /ws sockets) must stop counting a process once it is gone,
which prometheus-client leaves to `mark_process_dead(pid)`. Who calls it? Not the launcher's
supervisor: it only sees granian's main process, and granian respawns a crashed worker itself
without a hook to run. Not the respawned worker at its start: nothing is respawned when granian
gives up, or when the process was a relay. So the reader does it: before merging the files it
marks dead every pid with live-gauge files that no longer runs (absent or a zombie), which makes
every read exact whatever killed the process and whoever restarts it, for the price of a
directory listing per read. A pid reused by a new web process starts its gauges from zero (the
metric modules set them at import); counters and histograms of dead processes are kept, as they
must be (they are totals).

It must not define metrics or read Redis.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from prometheus_client import CollectorRegistry, multiprocess

# gauge_livesum_1234.db, gauge_liveall_1234.db, ...: the files mark_process_dead removes.
_LIVE_FILE = re.compile(r"^gauge_live[a-z]*_(\d+)\.db$")


def multiprocess_dir() -> str | None:
    """PROMETHEUS_MULTIPROC_DIR, None when this process keeps its metrics in memory only."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def pid_running(pid: int) -> bool:
    """True while `pid` is a process that has not exited (a zombie has: it only awaits its reaping)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        # No /proc here: ask the kernel instead (a zombie then counts as running).
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    # "pid (comm) S ...": comm may contain spaces and parentheses, the state follows the last ")".
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def dead_processes_sweep(path: str) -> list[int]:
    """mark_process_dead() for every pid that left live-gauge files and no longer runs."""
    try:
        names = os.listdir(path)
    except FileNotFoundError:
        return []
    pids = {int(match.group(1)) for name in names if (match := _LIVE_FILE.match(name))}
    dead = sorted(pid for pid in pids if not pid_running(pid))
    for pid in dead:
        # Two readers may sweep at once; the other one's removal is as good as ours.
        with contextlib.suppress(FileNotFoundError):
            multiprocess.mark_process_dead(pid, path)
    return dead


def multiprocess_registry(path: str) -> CollectorRegistry:
    """A registry merging the files of every process under `path`, dead processes' gauges dropped."""
    dead_processes_sweep(path)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=path)
    return registry
