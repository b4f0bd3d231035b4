"""A hung Redis under the running stack: latency of every page and API route, /health, and the
WebSocket clients' recovery, with Redis answering and while it is paused (SIGSTOP), in one run.

Starts a Redis of its own (never a shared one: it gets SIGSTOPped), a granian web process, the
relay, the backup writer, a Celery worker and beat ingesting prices every second from the fake
upstream; writes a summary entry of its own (and the cached copy the `/cached` route reads)
every second while Redis answers; keeps one keep-alive HTTP client per route looping and one
WebSocket client connected; samples /health every half second. Then pauses Redis for `--pause`
seconds, resumes it, writes new entries and times their arrival at the client.

It prints p50/p99/max per route and phase, /health's time and answers, the time from SIGCONT to
the first new entry at the client, and the loss accounting: every entry the stream holds after
the client's last one before the pause (the ingest's entries written during the pause, replayed
by the worker, included) must reach the client once, in order, and the backup. The processes
test (islands/cache_system/tests/test_redis_stall.py) runs the same harness with a short pause
and asserts on its record.

    .venv/bin/python -m bench.redis_stall [--pause 20] [--warm 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import redis
import websockets

from cryptodash.stack.commands import DEMO_KEYS, DEMO_PREFIXES, prometheus_dir_fresh
from cryptodash.stack.processes import free_port, http_wait, port_wait, process_stop
from cryptodash.stack.redis_server import EmbeddedRedis

ROOT = Path(__file__).resolve().parent.parent
STREAM = "crypto:market_data"
# django-redis's key for cache_system's SUMMARY_CACHE_KEY (KEY_PREFIX "cryptodash", VERSION 2).
CACHED_KEY = "cryptodash:2:summary:latest"
ROUTES = [
    "/",
    "/api/crypto/dashboard-summary",
    "/api/crypto/dashboard-summary/cached",
    "/crypto_reports_list",
    "/crypto_report/1",
    "/health/live",
]
JSON_ROUTES = {"/api/crypto/dashboard-summary", "/api/crypto/dashboard-summary/cached"}


@dataclass
class Sample:
    route: str
    started: float  # time.monotonic()
    seconds: float
    status: int
    stale: bool | None = None  # JSON routes: the document's "stale"
    body: dict[str, Any] | None = None  # /health only


@dataclass
class Record:
    samples: list[Sample] = field(default_factory=list)
    health: list[Sample] = field(default_factory=list)
    paused_at: float = 0.0
    resumed_at: float = 0.0
    written_after: list[str] = field(default_factory=list)
    received: list[tuple[float, str]] = field(default_factory=list)
    client_alive: bool = False
    backed_up: set[str] = field(default_factory=set)
    resumed_wall: float = 0.0  # time.time() of SIGCONT
    last_before_pause: str | None = None  # the newest entry the client had before SIGSTOP
    stream_after: list[str] = field(default_factory=list)  # the stream's entries after that one
    own: set[str] = field(default_factory=set)  # ids this harness wrote (the rest: the ingest)

    def ingest_after_resume(self) -> list[str]:
        """Entries the Celery ingest wrote after SIGCONT: its queued tasks ran again."""
        resumed_ms = self.resumed_wall * 1000
        return [i for i in self.stream_after if i not in self.own and int(i.split("-")[0]) > resumed_ms]

    def ingest_during_pause(self) -> list[str]:
        """Entries the ingest wrote while Redis was paused (kept in the worker, replayed after)."""
        return [i for i in self.stream_after if i not in self.own and i not in self.ingest_after_resume()]

    def phase(self, sample: Sample) -> str:
        if sample.started < self.paused_at:
            return "up"
        return "paused" if sample.started < self.resumed_at else "after"

    def first_after_s(self) -> float | None:
        """SIGCONT to the first entry written after it reaching the WebSocket client."""
        wanted = set(self.written_after)
        arrivals = [at for at, stream_id in self.received if stream_id in wanted]
        return min(arrivals) - self.resumed_at if arrivals else None


def summary(n: int) -> dict[str, Any]:
    return {"btc_price_usd": 60_000 + n, "btc_change_24h": n / 10, "fng_value": n % 100, "last_updated": None}


class Writer:
    """Plays the ingest: one entry (and the cached copy) a second, only while Redis answers."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=30)
        self.n = 0
        self.ids: set[str] = set()

    def write(self) -> str:
        self.n += 1
        data = summary(self.n)
        fields = {"v": "1", "type": "dashboard_update", "data": orjson.dumps(data)}
        entry_id = self.client.xadd(STREAM, fields).decode()
        self.ids.add(entry_id)
        # What summary_store puts in the cache tiers: (absolute expiry, value), kept 2 s.
        cached = orjson.dumps([time.time() + 2, {"id": entry_id, "data": data}])
        self.client.set(CACHED_KEY, cached, px=3000)
        return entry_id


def _get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    conn.request("GET", path, headers={"Accept-Encoding": "identity"})
    response = conn.getresponse()
    return response.status, response.read()


def _loop(base: str, route: str, stop: threading.Event, out: list[Sample], every: float) -> None:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    while not stop.is_set():
        started = time.monotonic()
        try:
            status, body = _get(conn, route)
        except OSError:
            conn.close()
            status, body = 0, b""
        seconds = time.monotonic() - started
        sample = Sample(route, started, seconds, status)
        if route in JSON_ROUTES and status == 200:
            sample.stale = orjson.loads(body).get("stale")
        if route == "/health":
            with contextlib.suppress(orjson.JSONDecodeError):
                sample.body = orjson.loads(body)
        out.append(sample)
        stop.wait(every)


async def _client(url: str, record: Record, opened: asyncio.Event) -> None:
    origin = url.replace("ws://", "http://").rsplit("/", 1)[0]
    async with websockets.connect(url, origin=origin) as socket:
        async for text in socket:
            frame = orjson.loads(text)
            if frame["type"] in ("dashboard_data", "no_data"):
                opened.set()
            elif frame["type"] == "dashboard_update":
                record.received.append((time.monotonic(), frame["stream_id"]))


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, check=True)


@contextlib.contextmanager
def stack(run_dir: Path, **extra: str) -> Any:
    """Redis, fake upstream, web (granian), relay, backup writer, Celery worker and beat; yields
    (redis server, base URL, env)."""
    server = EmbeddedRedis(run_dir / "redis", die_with_parent=False)
    server.start()
    port, upstream_port = free_port(), free_port()
    upstream = f"http://127.0.0.1:{upstream_port}"
    env = {
        **os.environ,
        "REDIS_URL": server.url,
        "CRYPTODASH_RUN_DIR": str(run_dir),
        "PORT": str(port),
        "DJANGO_DEBUG": "1",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "CONSUMER_HEARTBEAT_INTERVAL": "0.2",
        # Metrics files of the run's own: an inherited directory (the test suite's) would count
        # this stack's upstream calls and requests in another process's /metrics.
        "PROMETHEUS_MULTIPROC_DIR": prometheus_dir_fresh(run_dir / "prometheus"),
        **{name: f"{upstream}/{prefix}" for name, prefix in DEMO_PREFIXES.items()},
        **DEMO_KEYS,
        "DATA_MODE": "simulated",
        "INGEST_INTERVAL_PRICES": "1",
        **extra,
    }
    env.pop("DATABASE_URL", None)  # the run dir's own SQLite: the backup is read from it below
    env.pop("DJANGO_SETTINGS_MODULE", None)
    children: list[subprocess.Popen] = []
    try:
        _manage(env, "migrate", "--noinput", "-v", "0")
        _manage(env, "seed_reports", "-v", "0")
        manage = [sys.executable, str(ROOT / "manage.py")]
        children.append(subprocess.Popen([*manage, "fake_upstream", "--port", str(upstream_port)], cwd=ROOT, env=env))
        port_wait(upstream_port, process=children[-1], timeout=30, what="the fake upstream")
        web = [str(Path(sys.executable).parent / "granian"), "--interface", "asgi", "--host", "127.0.0.1"]
        web += ["--port", str(port), "--no-access-log", "cryptodash.asgi:application"]
        children.append(subprocess.Popen(web, cwd=ROOT, env=env))
        children.append(subprocess.Popen([*manage, "relay", "--name", "relay-stall"], cwd=ROOT, env=env))
        children.append(subprocess.Popen([*manage, "backup_streams"], cwd=ROOT, env=env))
        celery = [str(Path(sys.executable).parent / "celery"), "-A", "cryptodash"]
        worker = ["worker", "--pool", "threads", "--concurrency", "2", "--without-gossip", "--without-mingle"]
        children.append(subprocess.Popen([*celery, *worker, "--loglevel", "WARNING"], cwd=ROOT, env=env))
        beat = ["beat", "--schedule", str(run_dir / "beat-schedule"), "--pidfile", str(run_dir / "beat.pid")]
        children.append(subprocess.Popen([*celery, *beat, "--loglevel", "WARNING"], cwd=ROOT, env=env))
        base = f"http://127.0.0.1:{port}"
        http_wait(f"{base}/health/live", process=children[1], timeout=60)
        yield server, base, env
    finally:
        for child in children:
            process_stop(child)
        if server.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(server.process.pid, signal.SIGCONT)
        server.stop()


async def run(run_dir: Path, *, pause: float, warm: float, after: float = 3.0, every: float = 0.05) -> Record:
    """One run: `warm` s with Redis answering, `pause` s paused, `after` s after SIGCONT."""
    record = Record()
    with stack(run_dir) as (server, base, _env):
        writer = Writer(server.url)
        await asyncio.to_thread(writer.write)
        stop = threading.Event()
        threads = [
            threading.Thread(target=_loop, args=(base, route, stop, record.samples, every), daemon=True)
            for route in ROUTES
        ]
        threads.append(threading.Thread(target=_loop, args=(base, "/health", stop, record.health, 0.5), daemon=True))
        opened = asyncio.Event()
        client = asyncio.create_task(_client(base.replace("http://", "ws://") + "/ws", record, opened))
        try:
            await asyncio.wait_for(opened.wait(), timeout=20)
            for thread in threads:
                thread.start()
            for _ in range(int(warm)):
                await asyncio.sleep(1)
                await asyncio.to_thread(writer.write)
            record.paused_at = time.monotonic()
            os.kill(server.process.pid, signal.SIGSTOP)
            record.last_before_pause = record.received[-1][1] if record.received else None
            await asyncio.sleep(pause)
            os.kill(server.process.pid, signal.SIGCONT)
            record.resumed_at, record.resumed_wall = time.monotonic(), time.time()
            for _ in range(int(after) + 1):
                record.written_after.append(await asyncio.to_thread(writer.write))
                await asyncio.sleep(1)
            # Whatever the stream holds after the client's last entry before the pause: the
            # client and the backup must get all of it (given a few seconds to arrive).
            start = f"({record.last_before_pause}" if record.last_before_pause else "-"
            rows = await asyncio.to_thread(writer.client.xrange, STREAM, start, "+")
            record.stream_after = [row[0].decode() for row in rows]
            record.own = set(writer.ids)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                record.backed_up = await asyncio.to_thread(_backed_up, run_dir)
                received = {stream_id for _at, stream_id in record.received}
                if set(record.stream_after) <= received & record.backed_up:
                    break
                await asyncio.sleep(0.2)
            record.client_alive = not client.done()
        finally:
            stop.set()
            client.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await client
            for thread in threads:
                thread.join(timeout=35)
    return record


def _backed_up(run_dir: Path) -> set[str]:
    """The market stream ids the backup writer has committed to the run dir's SQLite."""
    with contextlib.closing(sqlite3.connect(run_dir / "db.sqlite3", timeout=5)) as db:
        rows = db.execute("SELECT stream_id FROM cache_system_marketsnapshot WHERE stream = ?", (STREAM,))
        return {row[0] for row in rows}


def _cache_reason(sample: Sample) -> str:
    return ((sample.body or {}).get("islands") or {}).get("cache_system", {}).get("reason") or ""


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def report(record: Record) -> str:
    lines = [f"{'route':<40} {'phase':<7} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  statuses"]
    for route in [*ROUTES, "/health"]:
        samples = record.health if route == "/health" else [s for s in record.samples if s.route == route]
        for phase in ("up", "paused", "after"):
            chosen = [s for s in samples if record.phase(s) == phase]
            if not chosen:
                continue
            times = [s.seconds for s in chosen]
            statuses = sorted({s.status for s in chosen})
            lines.append(
                f"{route:<40} {phase:<7} {len(chosen):>5} {_ms(times, 0.5):>8.1f} {_ms(times, 0.99):>8.1f}"
                f" {max(times) * 1000:>8.1f}  {statuses}"
            )
    for route in sorted(JSON_ROUTES):
        for phase in ("up", "paused", "after"):
            chosen = [s for s in record.samples if s.route == route and record.phase(s) == phase and s.status == 200]
            stale = sum(1 for s in chosen if s.stale)
            lines.append(f"{route} {phase}: {stale}/{len(chosen)} answers marked stale")
    paused_health = [s for s in record.health if record.phase(s) == "paused"]
    answers = sorted({(s.status, (s.body or {}).get("status")) for s in paused_health})
    lines.append(f"/health during the pause: {answers}")
    reasons = sorted({_cache_reason(s)[:60] for s in paused_health})
    lines.append(f"/health cache_system reasons during the pause: {reasons}")
    first = record.first_after_s()
    lines.append(f"SIGCONT -> first new entry at the WebSocket client: {first if first is None else round(first, 3)} s")
    received = [stream_id for _at, stream_id in record.received]
    after = set(record.stream_after)
    got = [i for i in received if i in after]
    missing_ws = [i for i in record.stream_after if i not in got]
    missing_db = [i for i in record.stream_after if i not in record.backed_up]
    lines.append(
        f"stream entries after the client's last before the pause: {len(record.stream_after)} "
        f"(ingest during the pause, replayed: {len(record.ingest_during_pause())}; ingest after SIGCONT: "
        f"{len(record.ingest_after_resume())}; this harness: {len(record.own & after)})"
    )
    lines.append(
        f"missing at the client: {len(missing_ws)}; duplicated: {len(got) - len(set(got))}; "
        f"out of order: {got != sorted(set(got), key=record.stream_after.index)}; missing in the backup: "
        f"{len(missing_db)}; client still connected: {record.client_alive}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pause", type=float, default=20.0, help="seconds Redis stays SIGSTOPped")
    parser.add_argument("--warm", type=float, default=10.0, help="seconds measured with Redis answering first")
    args = parser.parse_args()
    run_dir = ROOT / ".run" / f"bench-redis-stall-{os.getpid()}"
    run_dir.mkdir(parents=True, exist_ok=True)
    record = asyncio.run(run(run_dir, pause=args.pause, warm=args.warm))
    print(report(record))


if __name__ == "__main__":
    main()
