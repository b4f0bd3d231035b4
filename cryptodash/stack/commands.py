"""The launcher's commands: `run` (make run), `demo` (make demo), `test` (make test) and `superuser`.

They run before Django is configured, because they decide what Django will talk to: the Redis
chosen by `redis_server.redis_for` and the database at DATABASE_URL (checked, with a clear error
naming it) or SQLite. Then `run` supervises every process as one honcho group, so Ctrl-C /
SIGTERM stops all of them, the embedded Redis last; the web process first runs the set-up
(`manage.py prepare_run`: migrations, static files, streams, sample reports, each only when
needed; see stack/setup.py). Every process inherits the launcher's umask (077, set in
`__main__`), so what they write under .run/ is readable by this user only.

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
import honcho.manager

from cryptodash.logformat import granian_log_config, log_format
from cryptodash.secretfile import private_dir
from cryptodash.stack.base import BASE_DIR, BIN_DIR, MANAGE, PYTHON, RUN_DIR, StackError, log, mask_url
from cryptodash.stack.printer import JsonLinesPrinter, is_json_object, json_line
from cryptodash.stack.processes import NotReady, die_with_parent, free_port, open_files_raised, port_wait, process_stop
from cryptodash.stack.redis_server import redis_for
from cryptodash.stack.setup import FAILED, LAUNCHER_ENV, OK, SETUP_COMMAND, SETUP_ENV, setup_status


def check_database() -> None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        log(f"DATABASE_URL unset: using SQLite at {RUN_DIR / 'db.sqlite3'}")
        return
    config = dj_database_url.parse(url)
    if "postgresql" in config["ENGINE"]:
        import psycopg  # noqa: PLC0415 - only for PostgreSQL (0.2 s of the launcher's start otherwise)

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
    if log_format() == "json":
        # Their progress lines are plain text: passed on as the launcher's JSON lines.
        result = subprocess.run([PYTHON, MANAGE, *args], check=False, cwd=BASE_DIR, capture_output=True, text=True)
        for line in (result.stdout + result.stderr).splitlines():
            if line.strip():
                print(line if is_json_object(line) else json_line(line, process=args[0]), flush=True)
    else:
        result = subprocess.run([PYTHON, MANAGE, *args], check=False, cwd=BASE_DIR)
    if result.returncode != 0:
        raise StackError(f"manage.py {' '.join(args)} failed with exit code {result.returncode}")


# Open sockets a web process is expected to hold: granian's connection cap and accept backlog
# must exceed it (its default cap is backlog/workers = 1,024, and an open WebSocket counts).
SOCKETS_PER_WORKER = 10_000


# uvicorn by default: ~20-26 KB per idle WebSocket against granian's ~150-170 KB (a web process
# must hold 10,000), and with uvloop and httptools its HTTP rate is close to granian's
# (bench/RESULTS.md, "One web server for HTTP and 10,000 sockets"). WEB_SERVER=granian keeps the other.
DEFAULT_WEB_SERVER = "uvicorn"


def web_command(server: str, *, host: str, port: str, workers: str, app: str = "cryptodash.asgi:application") -> str:
    """The web server's command line: uvicorn (the default) or granian (WEB_SERVER).

    granian: a worker that dies is respawned alone (without the flag granian stops every worker,
    and drops all their sockets, when one exits); its connection cap and backlog exceed the sockets
    a worker should hold. uvicorn: uvloop and httptools named, not left to `auto` (a missing one
    must stop the start, not quietly cost 4x the HTTP rate), the sans-I/O websockets
    implementation without per-message deflate (deflate keeps a zlib context per socket). Both:
    `LOG_FORMAT=json` gives the server's own logger the project's JSON formatter; no proxy
    headers (the client address behind a proxy is the project's to decide, TRUSTED_PROXIES).
    """
    log_config = ""
    if log_format() == "json":
        log_config = f"--log-config {granian_log_config(RUN_DIR / 'server-log.json')} "
    if server == "granian":
        return (
            f"{BIN_DIR}/granian --interface asgi --host {host} --port {port} --workers {workers} "
            f"--respawn-failed-workers --backlog {SOCKETS_PER_WORKER * 2} --backpressure {SOCKETS_PER_WORKER * 2} "
            f"--no-access-log {log_config}{app}"
        )
    if server == "uvicorn":
        return (
            f"{BIN_DIR}/uvicorn --host {host} --port {port} --workers {workers} --no-access-log "
            "--loop uvloop --http httptools --ws websockets-sansio --ws-per-message-deflate false "
            f"--no-proxy-headers --backlog 4096 {log_config}{app}"
        )
    raise StackError(f"WEB_SERVER={server!r}: expected granian or uvicorn")


def stack_processes() -> dict[str, str]:
    """The supervised processes of `make run`: every long-running part of cryptodash."""
    port = os.environ.get("PORT", "8050")
    host = os.environ.get("HOST", "127.0.0.1")
    workers = os.environ.get("WEB_WORKERS", "1")
    # LOG_FORMAT=json: the web server's own logger gets the same formatter; Celery prints no banner.
    celery_quiet = "--quiet " if log_format() == "json" else ""
    server = os.environ.get("WEB_SERVER", DEFAULT_WEB_SERVER)
    return {
        "web": web_command(server, host=host, port=port, workers=workers),
        "worker": f"{BIN_DIR}/celery {celery_quiet}-A cryptodash worker --loglevel INFO "
        f"--concurrency {os.environ.get('CELERY_CONCURRENCY', '2')} --hostname worker-{os.getpid()}@%h "
        # Gossip, mingle and worker heartbeats are unused here and only add broker chatter and
        # tracebacks while Redis restarts.
        "--without-gossip --without-mingle --without-heartbeat",
        # Exactly one beat per stack (celery#2856); its pidfile refuses a second on this host.
        "beat": f"{BIN_DIR}/celery {celery_quiet}-A cryptodash beat --loglevel INFO "
        f"--schedule {RUN_DIR}/celerybeat-schedule --pidfile {RUN_DIR}/celerybeat.pid",
        "backup": f"{PYTHON} {MANAGE} backup_streams",
        # Stream -> every web process's sockets; more than one may run (each entry goes out once).
        "relay": f"{PYTHON} {MANAGE} relay",
        # Exchange ticks -> crypto:ticks; a second one anywhere waits as standby (a Redis lock).
        "ticks": f"{PYTHON} {MANAGE} ticks_ingest",
        # Consumer group `alerts`: fires each alert once per crossing, then page, e-mail, push.
        "alerts": f"{PYTHON} {MANAGE} evaluate_alerts",
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
    port, ws_port = free_port(), free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [PYTHON, MANAGE, "fake_upstream", "--port", str(port), "--ws-port", str(ws_port)],
        cwd=BASE_DIR,
        preexec_fn=die_with_parent,  # noqa: PLW1509 - no threads exist yet
    )
    try:
        try:
            port_wait(port, process=process, timeout=30, what="the fake upstream server")
        except NotReady as exc:
            raise StackError(str(exc)) from None
        port_wait(ws_port, process=process, timeout=30, what="the fake upstream's tick stream")
        os.environ.update({name: f"{url}/{prefix}" for name, prefix in DEMO_PREFIXES.items()})
        os.environ["BINANCE_WS_URL"] = f"ws://127.0.0.1:{ws_port}"
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


def stop_wait() -> int:
    """Seconds every process gets to stop before honcho SIGKILLs what is left.

    honcho's own 5 s would kill a Celery worker in the middle of its warm shutdown, i.e. while the
    task in flight is finishing: the wait covers the longest task (its hard time limit) and then
    some. Processes that stop sooner end the wait sooner.
    """
    # Read raw (the launcher must not use the settings' helpers): a bad value stops the first
    # manage.py command with the settings' own message before this is ever used.
    raw = os.environ.get("CELERY_TASK_TIME_LIMIT", "45")
    return (int(raw) if raw.strip().isdigit() else 45) + 10


def run_stack() -> int:
    check_database()
    with redis_for("run") as redis_url:
        os.environ["REDIS_URL"] = redis_url
        # Every process writes its metrics there; /metrics merges them (health_system island).
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = prometheus_dir_fresh(RUN_DIR / "prometheus")
        # The set-up (migrations, static files, streams, reports) runs in the web process, which
        # starts Django anyway; the others start once it is done (stack/setup.py).
        status = RUN_DIR / f"setup-{os.getpid()}"
        status.unlink(missing_ok=True)  # left by a killed launcher whose pid this one got again
        os.environ.update({SETUP_ENV: str(status), LAUNCHER_ENV: str(os.getpid())})
        soft, _ = open_files_raised()
        if soft < SOCKETS_PER_WORKER + 1_000:
            log(f"open files limited to {soft} per process (ulimit -n): fewer WebSockets than {SOCKETS_PER_WORKER}")
        # The module constant is the only way honcho offers to set it.
        honcho.manager.KILL_WAIT = stop_wait()
        manager = honcho.manager.Manager(printer=JsonLinesPrinter() if log_format() == "json" else None)
        for name, command in stack_processes().items():
            # The site first: the others' imports would otherwise share the CPU with it.
            after = "" if name == "web" else f" --after {web_probe_url()}"
            # exec: honcho runs commands through /bin/sh; the supervisor replaces it, so a signal to
            # every process does not end a shell that is waiting for it.
            supervised = f"exec {PYTHON} -m cryptodash.stack supervise {name}{after} -- {command}"
            # CRYPTODASH_PROCESS: the role each JSON log line names (cryptodash/logformat.py).
            env = dict(os.environ, CRYPTODASH_PROCESS=name)
            manager.add_process(name, supervised, env=env, cwd=str(BASE_DIR))
        log(f"serving on http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8050')}/")
        try:
            manager.loop()
        finally:
            outcome = setup_status(status)
            for leftover in (status, status.with_name(status.name + ".lock")):
                leftover.unlink(missing_ok=True)
        if outcome is not None and outcome != OK:
            raise StackError(f"the set-up (manage.py {SETUP_COMMAND}) failed: {outcome.removeprefix(FAILED)}")
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
