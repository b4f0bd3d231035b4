"""Start-up time of `make run`: seconds from the command to the first HTTP 200 on `/`.

`python -m bench.starts --clone /tmp/starts-check --port 18550 --runs warm,warm`: runs `make run`
in an existing clone (it is not created here: `git clone` one first, so the numbers are for a
fresh clone), polls `/` until it answers 200, prints the time and every line the stack printed
on the way with its offset (where the start's time goes), then stops the stack with SIGINT as
Ctrl-C would. `cold` deletes the clone's `.venv`, `staticfiles/` and `.run/` (database, streams)
first, as in a fresh clone, so it includes creating the virtualenv, installing the runtime lock,
migrating, collecting static files and seeding; `--no-cache` makes the installers
download every package again (PIP_NO_CACHE_DIR=1, UV_NO_CACHE=1).

Standard library only; it must not be run against a clone whose `.venv` is shared with others
(a cold run deletes it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path


def first_ok(url: str, process: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    return False


def one_start(clone: Path, port: int, kind: str, *, no_cache: bool, timeout: float) -> float | None:
    if kind == "cold":
        if (clone / ".venv").is_symlink():
            raise SystemExit(f"{clone}/.venv is a symlink (shared?): refusing to delete it for a cold run")
        shutil.rmtree(clone / ".venv", ignore_errors=True)
        shutil.rmtree(clone / "staticfiles", ignore_errors=True)
        shutil.rmtree(clone / ".run", ignore_errors=True)
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"something already listens on port {port}: its 200 would be timed instead")
    env = dict(os.environ, PORT=str(port))
    if no_cache:
        env.update(PIP_NO_CACHE_DIR="1", UV_NO_CACHE="1")
    lines: list[tuple[float, str]] = []
    start = time.monotonic()
    process = subprocess.Popen(
        ["make", "run"],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )

    def collect() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append((time.monotonic() - start, line.rstrip()))

    reader = threading.Thread(target=collect, daemon=True)
    reader.start()
    ok = first_ok(f"http://127.0.0.1:{port}/", process, timeout)
    elapsed = time.monotonic() - start
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    reader.join(timeout=5)
    print(f"--- {kind}{' (no download cache)' if no_cache else ''}: ", end="")
    print(f"first 200 after {elapsed:.1f} s" if ok else f"no 200 within {elapsed:.1f} s")
    for offset, line in lines:
        # This machine's pip configuration names index folders that do not exist; pip warns per package.
        if offset <= elapsed + 0.5 and "is ignored: it is neither a file nor a directory" not in line:
            print(f"  {offset:6.1f}  {line[:160]}")
    return elapsed if ok else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.starts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clone", type=Path, required=True, help="a git clone of cryptodash (not this worktree)")
    parser.add_argument("--port", type=int, default=18550)
    parser.add_argument("--runs", default="warm,warm", help="comma-separated: cold, warm")
    parser.add_argument("--no-cache", action="store_true", help="cold runs download every package again")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    results = []
    for kind in args.runs.split(","):
        results.append((kind, one_start(args.clone, args.port, kind, no_cache=args.no_cache, timeout=args.timeout)))
    print("summary: " + ", ".join(f"{kind} {'-' if t is None else f'{t:.1f} s'}" for kind, t in results))
    return 0 if all(t is not None for _, t in results) else 1


if __name__ == "__main__":
    sys.exit(main())
