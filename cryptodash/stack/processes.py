"""Child-process helpers: a free port, start-up waits, a clean stop, dying with the parent, open files.

Shared by the launcher, the tests that start real processes and the benches, so each of them
starts, waits for and stops its children the same way. Standard library only; no Django.
"""

from __future__ import annotations

import ctypes
import resource
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

PR_SET_PDEATHSIG = 1
# Loaded here, in the parent: a child between fork and exec should make one plain call, not a dlopen.
_LIBC = ctypes.CDLL("libc.so.6", use_errno=True)


def open_files_raised() -> tuple[int, int]:
    """Raise this process's open-files soft limit to its hard limit; (soft, hard) after.

    Children inherit it. Every WebSocket is a file descriptor, and a soft limit of 1,024 (the
    usual default) would refuse sockets long before a web process holds 10,000 of them.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        soft = wanted
    return soft, hard


class NotReady(Exception):
    """A child process exited, or did not answer in time, while it was being waited for."""


def free_port(ports: range | None = None) -> int:
    """A loopback TCP port nobody listens on: any the kernel picks, or the first free one in `ports`."""
    for port in ports if ports is not None else (0,):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise NotReady(f"no free port in {ports}")


def die_with_parent() -> None:
    """preexec_fn: the kernel sends the child SIGTERM when its parent dies, even by SIGKILL, so
    no orphan keeps a port or a consumer name. Safe only while the parent has no other threads."""
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _check_alive(process: subprocess.Popen | None, what: str, deadline: float, reason: object) -> None:
    if process is not None and process.poll() is not None:
        raise NotReady(f"{what} exited with code {process.returncode} before it was ready")
    if time.monotonic() > deadline:
        raise NotReady(f"{what} was not ready in time: {reason}")


def port_wait(port: int, *, process: subprocess.Popen | None = None, timeout: float = 30.0, what: str = "") -> None:
    """Return once something accepts TCP connections on 127.0.0.1:port."""
    what = what or f"the process on port {port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError as exc:
            _check_alive(process, what, deadline, exc)
            time.sleep(0.05)


def http_wait(
    url: str, *, process: subprocess.Popen | None = None, timeout: float = 30.0, status_ok: bool = False
) -> None:
    """Return once the server at `url` answers HTTP (with a 2xx when `status_ok`)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError as exc:
            if not status_ok:
                return
            _check_alive(process, url, deadline, exc)
        except OSError as exc:
            _check_alive(process, url, deadline, exc)
        time.sleep(0.1)


def process_stop(process: subprocess.Popen | None, *, timeout: float = 10.0) -> int | None:
    """SIGTERM, then SIGKILL after `timeout` seconds; returns the exit code (None: never started)."""
    if process is None:
        return None
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode
