"""Whole-stack soak and chaos run (`make soak`): the claims of the other benches, under faults.

Starts the stack as `make demo` does (2 web workers, Celery worker, beat, relay, backup writer)
on a Redis of its own (so it can pause and restart it) and the project's fake upstream, opens
WebSocket clients (one of which never reads) and a steady HTTP load on `/` and the summary API,
then injects one fault at a time with recovery between:

    Redis paused 20 s (SIGSTOP/SIGCONT), Redis restarted empty, relay SIGKILLed, Celery worker
    SIGKILLed, backup writer SIGKILLed, fake upstream switched through rate_limited,
    server_errors, slow_upstreams, binance_geo_blocked and back to normal.

With `--sentinel` the stack runs on a Sentinel rig instead (cryptodash/stack/sentinel_rig.py: a
primary, a replica, three sentinels; every process gets REDIS_SENTINELS): the Redis pause pauses
the current primary for 20 s (the sentinels fail over meanwhile and demote it when it answers
again), and the restart becomes `sentinel_failover`: kill -9 of the primary, then the dead node
started again, empty, as a replica of the new one.

It prints a table (and writes it to the Soak section of bench/RESULTS.md): HTTP errors and p99
per phase, time to recover, per-client stream ids received vs written (missing, duplicated, out
of order), backup rows vs stream ids, RSS at start and end, upstream calls per source per minute
vs its limit, tracebacks in the logs. Bounded in time; talks to 127.0.0.1 only.

    .venv/bin/python -m bench.soak [--duration 600] [--clients 1000] [--sentinel] [--no-results]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import itertools
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import django
import redis
import websockets
from django.conf import settings
from limits import parse_many

from cryptodash.stack.processes import free_port
from cryptodash.stack.redis_server import EmbeddedRedis
from cryptodash.stack.sentinel_rig import SentinelRig
from islands.cache_system.redis_client import redis_connect
from islands.cache_system.topology import RedisTopology, sentinel_nodes

ROOT = Path(__file__).resolve().parent.parent

PYTHON = sys.executable
MARKET_STREAM = "crypto:market_data"


def now() -> float:
    return time.time()


def id_ms(stream_id: str) -> int:
    return int(stream_id.split("-", 1)[0])


def id_key(stream_id: str) -> tuple[int, int]:
    ms, _, seq = stream_id.partition("-")
    return int(ms), int(seq or 0)


def pct(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


# --- the stack under test ------------------------------------------------------------------
class Stack:
    def __init__(self, run_dir: Path, port: int, web_workers: int, *, sentinel: bool = False) -> None:
        self.run_dir = run_dir
        self.port = port
        self.web_workers = web_workers
        self.redis = EmbeddedRedis(run_dir / "redis")
        self.rig = SentinelRig(run_dir / "rig") if sentinel else None
        self.upstream_base: str | None = None
        self.launcher: subprocess.Popen | None = None
        self.log_path = run_dir / "stack.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def redis_env(self) -> dict[str, str]:
        """REDIS_URL, or the Sentinel settings of the rig."""
        return self.rig.env() if self.rig else {"REDIS_URL": self.redis.url}

    def redis_client(self) -> redis.Redis:
        """A client that follows the primary (the one server without a rig)."""
        env = self.redis_env()
        topology = RedisTopology(
            url=env["REDIS_URL"],
            sentinels=sentinel_nodes(env.get("REDIS_SENTINELS", "")),
            master=env.get("REDIS_SENTINEL_MASTER", "mymaster"),
            sentinel_password=env.get("REDIS_SENTINEL_PASSWORD"),
        )
        return redis_connect(topology, socket_timeout=3, socket_connect_timeout=1)

    def env(self) -> dict[str, str]:
        return dict(
            os.environ,
            **self.redis_env(),
            PORT=str(self.port),
            WEB_WORKERS=str(self.web_workers),
            # Every simulated client connects from 127.0.0.1: lift the per-address socket cap and
            # snapshot/resume budget (each client's opening snapshot is what the soak checks from).
            WS_MAX_CONNECTIONS_PER_IP="100000",
            WS_RESUME_PER_IP_BURST="100000",
            WS_RESUME_PER_IP_PER_MINUTE="100000",
            CRYPTODASH_RUN_DIR=str(self.run_dir),
            PYTHONUNBUFFERED="1",
        )

    def start(self) -> None:
        """`make demo` on our own Redis; the launcher names the fake upstream's URL in its log."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if self.rig:
            self.rig.start()
        else:
            self.redis.start()
        log = open(self.log_path, "ab")  # noqa: SIM115 - shared by the children for the whole run
        self.launcher = subprocess.Popen(
            [PYTHON, "-m", "cryptodash.stack", "demo"],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = now() + 120
        while self.upstream_base is None:
            found = re.search(r"fake upstream on (http://127\.0\.0\.1:\d+)", self.log_path.read_text(errors="replace"))
            if found:
                self.upstream_base = found.group(1)
            elif now() > deadline or self.launcher.poll() is not None:
                raise SystemExit(f"the stack did not start its fake upstream; see {self.log_path}")
            else:
                time.sleep(0.2)

    def stop(self) -> None:
        proc = self.launcher
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        if self.rig:
            self.rig.stop()
        else:
            self.redis.stop()

    # process lookup through /proc: the child a `stack supervise NAME` process runs
    def tree(self) -> dict[int, tuple[int, list[str]]]:
        procs = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            procs[int(entry.name)] = (ppid, argv)
        return procs

    @staticmethod
    def is_supervisor(argv: list[str], name: str) -> bool:
        # The python process itself, not the `sh -c` honcho wraps it in.
        return argv[1:5] == ["-m", "cryptodash.stack", "supervise", name]

    def descendants(self, root: int, procs: dict[int, tuple[int, list[str]]]) -> list[int]:
        children = defaultdict(list)
        for pid, (ppid, _) in procs.items():
            children[ppid].append(pid)
        out, todo = [], [root]
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo += children.get(pid, [])
        return out

    def supervisor(self, name: str, procs: dict[int, tuple[int, list[str]]]) -> int | None:
        return next((pid for pid, (_, argv) in procs.items() if self.is_supervisor(argv, name)), None)

    def supervised_child(self, name: str) -> int | None:
        procs = self.tree()
        parent = self.supervisor(name, procs)
        return next((pid for pid, (ppid, _) in procs.items() if ppid == parent), None) if parent else None

    def rss_kib(self) -> dict[str, int]:
        """Resident memory of each supervised process with all its children (workers, pools)."""
        procs = self.tree()
        totals: dict[str, int] = {}
        for name in ("web", "worker", "beat", "relay", "backup"):
            parent = self.supervisor(name, procs)
            if parent is None:
                continue
            total = 0
            for pid in self.descendants(parent, procs):
                with contextlib.suppress(OSError):
                    found = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
                    total += int(found.group(1)) if found else 0
            totals[name] = total
        return totals

    def scenario(self, name: str) -> None:
        body = json.dumps({"name": name}).encode()
        request = urllib.request.Request(
            f"{self.upstream_base}/__scenario", data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        urllib.request.urlopen(request, timeout=5).read()

    def upstream_requests(self) -> list[dict]:
        with urllib.request.urlopen(f"{self.upstream_base}/__requests", timeout=10) as response:
            return json.load(response)


# --- observers ------------------------------------------------------------------------------
class StreamMonitor(threading.Thread):
    """Records every id written to the market stream (XREAD, no group), surviving outages."""

    def __init__(self, stack: Stack) -> None:
        super().__init__(daemon=True)
        self.stack = stack
        self.seen: dict[str, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        client = self.stack.redis_client()
        last = "$"
        while not self.stop.is_set():
            try:
                if last == "$":
                    newest = client.xrevrange(MARKET_STREAM, "+", "-", count=1)
                    last = newest[0][0].decode() if newest else "0-0"
                reply = client.xread({MARKET_STREAM: last}, block=1000, count=500)
            except redis.RedisError:
                time.sleep(0.5)
                continue
            for _, entries in reply or []:
                for entry_id, _fields in entries:
                    entry = entry_id.decode()
                    self.seen.setdefault(entry, now())
                    last = entry


@dataclass
class Client:
    index: int
    received: list[str] = field(default_factory=list)
    first_snapshot: str | None = None
    reconnects: int = 0
    resyncs: int = 0
    errors: Counter = field(default_factory=Counter)
    last_id: str | None = None


@dataclass
class HttpSample:
    at: float
    path: str
    status: int
    latency_ms: float


class Load:
    def __init__(self, stack: Stack, clients: int) -> None:
        self.stack = stack
        self.clients = [Client(i) for i in range(clients)]
        self.http: list[HttpSample] = []
        self.arrivals: list[tuple[float, str]] = []  # (time, stream id) for recovery times
        self.stopping = asyncio.Event()

    async def ws_client(self, client: Client) -> None:
        url = f"ws://127.0.0.1:{self.stack.port}/ws"
        origin = f"http://127.0.0.1:{self.stack.port}"
        backoff = 0.5
        while not self.stopping.is_set():
            try:
                async with websockets.connect(
                    url, origin=origin, open_timeout=10, ping_interval=None, max_size=2**22
                ) as ws:
                    if client.last_id:
                        await ws.send(json.dumps({"type": "resume", "last_id": client.last_id}))
                    backoff = 0.5
                    async for raw in ws:
                        self.on_message(client, raw)
                        if self.stopping.is_set():
                            return
            except Exception as exc:  # any failure is a reconnect, counted by its kind
                client.errors[exc.__class__.__name__] += 1
            if self.stopping.is_set():
                return
            client.reconnects += 1
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5)

    def on_message(self, client: Client, raw: str | bytes) -> None:
        message = json.loads(raw)
        kind = message.get("type")
        stream_id = message.get("stream_id")
        if kind == "dashboard_data" and stream_id:
            if message.get("resync"):
                client.resyncs += 1
            if client.first_snapshot is None:
                client.first_snapshot = stream_id
            if client.last_id is None or id_key(stream_id) > id_key(client.last_id):
                client.last_id = stream_id
        elif kind == "dashboard_update" and stream_id:
            client.received.append(stream_id)
            client.last_id = stream_id
            if client.index == 0:
                self.arrivals.append((now(), stream_id))
        elif kind == "error":
            client.errors[f"error:{message.get('message', '')[:40]}"] += 1

    async def silent_client(self) -> None:
        """Completes the WebSocket handshake, then never reads a byte."""
        _reader, writer = await asyncio.open_connection("127.0.0.1", self.stack.port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{self.stack.port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:{self.stack.port}\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        await self.stopping.wait()
        writer.close()

    async def http_worker(self, paths: list[str], pause: float) -> None:
        index = 0
        while not self.stopping.is_set():
            path = paths[index % len(paths)]
            index += 1
            started = time.perf_counter()
            status = 0
            try:
                status = await asyncio.wait_for(self.http_get(path), timeout=10)
            except (TimeoutError, OSError):
                status = 0
            self.http.append(HttpSample(now(), path, status, (time.perf_counter() - started) * 1000))
            await asyncio.sleep(pause)

    async def http_get(self, path: str) -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.stack.port)
        try:
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
            status_line = await reader.readline()
            await reader.read()
            return int(status_line.split()[1]) if status_line else 0
        finally:
            writer.close()

    async def run_clients(self) -> list[asyncio.Task]:
        tasks = [asyncio.create_task(self.silent_client())]
        for start in range(0, len(self.clients), 50):  # connect in waves, as browsers would arrive
            for client in self.clients[start : start + 50]:
                tasks.append(asyncio.create_task(self.ws_client(client)))
            await asyncio.sleep(0.2)
        for _ in range(4):
            tasks.append(asyncio.create_task(self.http_worker(["/", "/api/crypto/dashboard-summary"], 0.1)))
        return tasks


# --- faults ---------------------------------------------------------------------------------
@dataclass
class Phase:
    name: str
    start: float
    end: float = 0.0
    fault_end: float = 0.0


def wait_http(url: str, timeout: float) -> bool:
    deadline = now() + timeout
    while now() < deadline:
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                return True
        time.sleep(0.5)
    return False


async def inject(stack: Stack, name: str) -> None:
    loop = asyncio.get_running_loop()
    if name == "redis_pause_20s":
        # Under Sentinel: the current primary, which is failed over meanwhile and then demoted.
        process = stack.rig.node(stack.rig.primary_port()).process if stack.rig else stack.redis.process
        os.kill(process.pid, signal.SIGSTOP)
        await asyncio.sleep(20)
        os.kill(process.pid, signal.SIGCONT)
    elif name == "sentinel_failover":
        old = await loop.run_in_executor(None, stack.rig.kill_primary)
        await loop.run_in_executor(None, stack.rig.wait_new_primary, old)
        await loop.run_in_executor(None, stack.rig.revive, old)
    elif name == "redis_restart_empty":
        await loop.run_in_executor(None, stack.redis.stop)
        await loop.run_in_executor(None, stack.redis.start)
    elif name in ("relay_kill", "worker_kill", "backup_kill"):
        pid = stack.supervised_child(name.removesuffix("_kill"))
        if pid:
            os.kill(pid, signal.SIGKILL)
    elif name.startswith("upstream_"):
        await loop.run_in_executor(None, stack.scenario, name.removeprefix("upstream_"))
        if name != "upstream_normal":
            await asyncio.sleep(30)


FAULTS = [
    "redis_pause_20s",
    "redis_restart_empty",
    "relay_kill",
    "worker_kill",
    "backup_kill",
    "upstream_rate_limited",
    "upstream_server_errors",
    "upstream_slow_upstreams",
    "upstream_binance_geo_blocked",
    "upstream_normal",
]
SENTINEL_SECTION = "## Soak on Sentinel (`make soak SOAK_ARGS=--sentinel`)"
# On a Sentinel rig the primary is killed and replaced instead of restarted empty.
SENTINEL_FAULTS = [("sentinel_failover" if fault == "redis_restart_empty" else fault) for fault in FAULTS]


# --- analysis -------------------------------------------------------------------------------
def analyse(load: Load, monitor: StreamMonitor, phases: list[Phase], cutoff: float) -> dict:
    written = sorted((i for i, t in monitor.seen.items() if t <= cutoff), key=id_key)
    written_set = set(written)
    per_client = {"missing": 0, "duplicated": 0, "out_of_order": 0, "clients_with_loss": 0}
    for client in load.clients:
        if client.first_snapshot is None:
            continue
        start = id_key(client.first_snapshot)
        expected = {i for i in written if id_key(i) > start}
        got = [i for i in client.received if i in written_set or id_ms(i) / 1000 <= cutoff]
        counts = Counter(got)
        missing = len(expected - set(got))
        per_client["missing"] += missing
        per_client["clients_with_loss"] += missing > 0
        per_client["duplicated"] += sum(c - 1 for c in counts.values() if c > 1)
        per_client["out_of_order"] += sum(1 for a, b in itertools.pairwise(got) if id_key(b) <= id_key(a))
    rows = []
    for phase in phases:
        samples = [s for s in load.http if phase.start <= s.at < phase.end]
        errors_5xx = sum(1 for s in samples if s.status >= 500)
        failures = sum(1 for s in samples if s.status == 0)  # no answer: refused, reset or timed out
        fresh = [t for t, i in load.arrivals if phase.fault_end and id_ms(i) / 1000 > phase.fault_end]
        rows.append(
            {
                "phase": phase.name,
                "requests": len(samples),
                "http_5xx": errors_5xx,
                "http_failed": failures,
                "p99_ms": pct([s.latency_ms for s in samples], 99),
                "recover_s": (min(fresh) - phase.fault_end) if fresh else None,
            }
        )
    return {"written": len(written), "per_client": per_client, "phases": rows}


def fmt(value, digits=1) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def backup_rows(stack: Stack, ids: set[str]) -> tuple[int, int]:
    """(rows for the market stream, ids the monitor saw that have no row)."""
    os.environ.update(**stack.redis_env(), CRYPTODASH_RUN_DIR=str(stack.run_dir))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cryptodash.settings")
    django.setup()
    # Models need Django set up, which must wait until the stack's Redis URL and run dir are known.
    from islands.cache_system.models import MarketSnapshot  # noqa: PLC0415 - needs django.setup()

    stored = set(MarketSnapshot.objects.filter(stream=MARKET_STREAM).values_list("stream_id", flat=True))
    return len(stored), len(ids - stored)


def upstream_quota_use(requests: list[dict], started: float) -> dict[str, list[tuple[str, int, int]]]:
    """Per source and per configured window: (window, most calls seen in any such window, allowed)."""
    times: dict[str, list[float]] = defaultdict(list)
    for item in requests:
        if item["time"] >= started:
            times[item["upstream"]].append(item["time"])
    use: dict[str, list[tuple[str, int, int]]] = {}
    for source, spec in settings.UPSTREAM_RATE_LIMITS.items():
        stamps = sorted(times.get(source, []))
        rows = []
        for item in parse_many(spec):
            window, most, first = item.get_expiry(), 0, 0
            for last, stamp in enumerate(stamps):  # sliding window over the sorted call times
                while stamp - stamps[first] >= window:
                    first += 1
                most = max(most, last - first + 1)
            rows.append((f"{item.multiples} {item.GRANULARITY.name}", most, item.amount))
        use[source] = rows
    return use


async def soak(args: argparse.Namespace) -> str:
    run_dir = ROOT / ".run" / "soak"
    shutil.rmtree(run_dir, ignore_errors=True)
    stack = Stack(run_dir, args.port or free_port(), args.web_workers, sentinel=args.sentinel)
    faults = SENTINEL_FAULTS if args.sentinel else FAULTS
    stack.start()
    monitor: StreamMonitor | None = None
    try:
        if not wait_http(f"{stack.base}/health/live", 120):
            raise SystemExit(f"stack did not answer on {stack.base} within 120 s; see {stack.log_path}")
        monitor = StreamMonitor(stack)
        monitor.start()
        load = Load(stack, args.clients)
        tasks = await load.run_clients()
        started = now()
        phases = [Phase("warm-up", started)]
        await asyncio.sleep(args.warmup)
        rss_start = stack.rss_kib()
        recovery = max(20.0, (args.duration - args.warmup - 20 - 4 * 30) / len(faults))
        for fault in faults:
            phases[-1].end = now()
            phase = Phase(fault, now())
            phases.append(phase)
            print(f"[soak] {time.strftime('%H:%M:%S')} fault: {fault}", flush=True)
            await inject(stack, fault)
            phase.fault_end = now()
            await asyncio.sleep(recovery)
        phases[-1].end = now()
        rss_end = stack.rss_kib()
        cutoff = now() - 5  # entries from the last seconds may still be in flight
        await asyncio.sleep(5)
        load.stopping.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        result = analyse(load, monitor, phases, cutoff)
        upstream_log = stack.upstream_requests()
        await asyncio.sleep(10)  # let the backup writer drain
        rows, unbacked = await asyncio.to_thread(backup_rows, stack, set(monitor.seen))
        calls = upstream_quota_use(upstream_log, started)
        log_text = stack.log_path.read_text(errors="replace")
        tracebacks = log_text.count("Traceback (most recent call last)")
    finally:
        if monitor:
            monitor.stop.set()
        stack.stop()
    return report(
        args=args,
        result=result,
        calls=calls,
        rows=rows,
        unbacked=unbacked,
        rss_start=rss_start,
        rss_end=rss_end,
        tracebacks=tracebacks,
        stack=stack,
    )


def report(*, args, result, calls, rows, unbacked, rss_start, rss_end, tracebacks, stack) -> str:
    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {args.duration} s, {args.clients} WebSocket "
        f"clients (+1 that never reads), HTTP load on / and the summary API, {args.web_workers} web workers"
        f"{', Redis behind Sentinel (primary, replica, 3 sentinels)' if args.sentinel else ''}; "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; database "
        f"{'PostgreSQL' if os.environ.get('DATABASE_URL') else 'SQLite'}.",
        "",
        "| phase | requests | HTTP 5xx | no answer | p99 ms | recovery s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in result["phases"]:
        lines.append(
            f"| {row['phase']} | {row['requests']} | {row['http_5xx']} | {row['http_failed']} | "
            f"{fmt(row['p99_ms'])} | {fmt(row['recover_s'])} |"
        )
    pc = result["per_client"]
    lines += [
        "",
        f"- stream ids written: {result['written']}; over all clients: missing {pc['missing']} "
        f"({pc['clients_with_loss']} clients with any loss), duplicated {pc['duplicated']}, "
        f"out of order {pc['out_of_order']}",
        f"- backup rows for {MARKET_STREAM}: {rows}; ids written but not backed up: {unbacked}",
        "- RSS KiB start -> end: "
        + ", ".join(
            f"{name} {rss_start.get(name, 0)} -> {rss_end.get(name, 0)}"
            f" ({(rss_end.get(name, 0) / rss_start[name] - 1) * 100:+.0f}%)"
            for name in rss_start
            if rss_start.get(name)
        ),
        "- upstream calls, most in any window vs the global limit: "
        + "; ".join(
            f"{source} " + ", ".join(f"{most} per {window} (limit {allowed})" for window, most, allowed in rows)
            for source, rows in sorted(calls.items())
        )
        + (
            " — all within"
            if all(most <= allowed for rows in calls.values() for _, most, allowed in rows)
            else " — OVER"
        ),
        f"- tracebacks in the logs: {tracebacks} (log: {stack.log_path})",
    ]
    return "\n".join(lines)


def write_results(text: str, section: str = "## Soak (`make soak`)") -> None:
    path = ROOT / "bench" / "RESULTS.md"
    content = path.read_text()
    if section not in content:
        content = f"{content.rstrip()}\n\n{section}\n"
    head, sep, rest = content.partition(section)
    tail = rest.split("\n## ", 1)
    after = ("\n## " + tail[1]) if len(tail) > 1 else ""
    path.write_text(f"{head}{sep}\n\n{text}\n{after}")


def raise_fd_limit() -> None:
    """1,000 clients and their server sockets need more than the usual 1,024 descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65_536)), hard))


def main() -> None:
    raise_fd_limit()  # before the stack starts, so its processes inherit it
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=600, help="seconds of faults and recovery (default 600)")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--no-results", action="store_true", help="do not write bench/RESULTS.md")
    parser.add_argument(
        "--sentinel", action="store_true", help="run on a Sentinel rig; the Redis restart fault becomes a failover"
    )
    args = parser.parse_args()
    text = asyncio.run(soak(args))
    print(text)
    if not args.no_results:
        write_results(text, SENTINEL_SECTION if args.sentinel else "## Soak (`make soak`)")


if __name__ == "__main__":
    main()
