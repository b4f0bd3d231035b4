"""The launcher's commands: `run` (make run), `demo` (make demo), `test` (make test) and `superuser`.

They run before Django is configured, because they decide what Django will talk to: the Redis
chosen by `redis_server.redis_for` and the database at DATABASE_URL (checked, with a clear error
naming it) or SQLite. Then `run` prepares (`manage.py prepare_run`: migrations, static files,
streams, sample reports, each only when needed) and supervises every process as one honcho
group, so Ctrl-C / SIGTERM stops all of them, the embedded Redis last. Every process inherits the launcher's
umask (077, set in `__main__`), so what they write under .run/ is readable by this user only.

It must not import Django settings: they read REDIS_URL at import time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dj_database_url
import psycopg
from honcho.manager import Manager

from cryptodash.secretfile import private_dir
from cryptodash.stack.base import BASE_DIR, BIN_DIR, MANAGE, PYTHON, RUN_DIR, StackError, log, mask_url
from cryptodash.stack.processes import NotReady, die_with_parent, free_port, port_wait, process_stop
from cryptodash.stack.redis_server import redis_for


def check_database() -> None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        log(f"DATABASE_URL unset: using SQLite at {RUN_DIR / 'db.sqlite3'}")
        return
    config = dj_database_url.parse(url)
    if "postgresql" in config["ENGINE"]:
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
    """manage.py commands run, in order, before the processes start.

    One process for every step (migrate and collectstatic only when needed, restore_streams,
    seed_reports): each Django start-up of its own cost about a second, more on a busy machine.
    """
    return [["prepare_run"]]


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


def web_probe_url() -> str:
    """A URL of the web process that any started worker answers without touching Redis."""
    bound = os.environ.get("HOST", "127.0.0.1")
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(bound, bound)  # a wildcard is reached on loopback
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{os.environ.get('PORT', '8050')}/robots.txt"


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
        preexec_fn=die_with_parent,  # noqa: PLW1509 - no threads exist yet
    )
    try:
        try:
            port_wait(port, process=process, timeout=30, what="the fake upstream server")
        except NotReady as exc:
            raise StackError(str(exc)) from None
        os.environ.update({name: f"{url}/{prefix}" for name, prefix in DEMO_PREFIXES.items()})
        os.environ.update(DEMO_KEYS)
        os.environ["DATA_MODE"] = "simulated"
        log(f"fake upstream on {url} (pid {process.pid}): the data is simulated")
        yield url
    finally:
        process_stop(process, timeout=5)


def run_demo() -> int:
    """`make demo`: the whole stack against the fake upstream, no internet needed."""
    with fake_upstream_for_demo():
        return run_stack()


def prometheus_dir_fresh(path: Path) -> str:
    """An empty directory for prometheus-client's multiprocess files (old pids' files would add up)."""
    shutil.rmtree(path, ignore_errors=True)
    return str(private_dir(path))


def run_stack() -> int:
    check_database()
    with redis_for("run") as redis_url:
        os.environ["REDIS_URL"] = redis_url
        # Every process writes its metrics there; /metrics merges them (health_system island).
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = prometheus_dir_fresh(RUN_DIR / "prometheus")
        for command in setup_commands():
            manage(*command)
        manager = Manager()
        for name, command in stack_processes().items():
            # The site first: the others' imports would otherwise share the CPU with it.
            after = "" if name == "web" else f" --after {web_probe_url()}"
            supervised = f"{PYTHON} -m cryptodash.stack supervise {name}{after} -- {command}"
            manager.add_process(name, supervised, env=dict(os.environ), cwd=str(BASE_DIR))
        log(f"serving on http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8050')}/")
        manager.loop()
        return manager.returncode or 0


def create_superuser() -> int:
    """`make superuser`: an account for /admin/, with Django's `createsuperuser` on the stack's database.

    It migrates first, so it works before the first `make run`, and needs no Redis. Interactive
    only: Django checks the password against AUTH_PASSWORD_VALIDATORS (12 characters at least)
    when it asks for it, not in `--noinput` mode.
    """
    check_database()
    manage("migrate", "--noinput", "--verbosity", "0")
    return subprocess.run([PYTHON, MANAGE, "createsuperuser"], check=False, cwd=BASE_DIR).returncode


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
