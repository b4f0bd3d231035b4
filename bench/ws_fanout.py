"""WebSocket fan-out: time from XADD to the last client's receipt, and server CPU per delivered frame.

Three designs, each in a real server process (granian, one worker, as `make run`; or uvicorn) on
loopback, against one embedded Redis, in the same run:

  direct    the floor: one task in the web process XREADs the stream and writes to its sockets
            (bench/ws_apps.py:direct_app; no relay, no channel layer)
  groups    Channels' default: a relay process sends to the layer group and every socket is a
            member (bench/ws_apps.py:groups_app, channels_redis core layer)
  project   cryptodash's /ws: the relay (`manage.py relay`) sends each entry once to the group,
            whose only member is the web process's hub, which writes to its own sockets

For each design and N clients: connect N raw WebSocket clients (a minimal asyncio protocol, so the
client side costs little), XADD `--entries` summaries (~1 KB frames) one at a time, and record the
time until all N clients have each one: p50 / p99 / max over the entries. CPU is the web server's
user+system time over the measured window divided by frames delivered (entries x N); the relay's is
shown beside it. RSS: the web process before and after N idle clients connected. A last scenario
runs the project with one client that never reads (tiny receive buffer, reading paused) and reports
the others' latency beside the same run without it.

    .venv/bin/python -m bench.ws_fanout [--server granian|uvicorn] [--clients 100,1000] [--entries 30]
        [--modes direct,groups,project,project2,bare] [--port 18391]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import platform
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import psutil
import redis

from cryptodash.stack.processes import port_wait, process_stop
from cryptodash.stack.redis_server import redis_for

ROOT = Path(__file__).resolve().parent.parent

BIN = Path(sys.executable).parent
STREAM = "crypto:market_data"
GROUP = "websocket_broadcast"
PORT = 18391  # this bench's default; its range is 18300-18399 (--port to move it)
ID_RE = re.compile(rb'"stream_id":"(\d+-\d+)"')
APPS = {
    "direct": ("bench.ws_apps:direct_app", False),
    "groups": ("bench.ws_apps:groups_app", True),
    "project": ("cryptodash.asgi:application", True),
    # The project with two relays sharing the consumer group (as in a scale-out): each entry goes
    # through one of them, and the hub orders what the two send. Run with --modes direct,project,project2.
    "project2": ("cryptodash.asgi:application", True),
    # The same /ws without AuthMiddlewareStack (its session wrapper sees every frame): not a design
    # the site uses, a measurement of what that wrapper costs. Run with --modes direct,project,bare.
    "bare": ("bench.ws_apps:project_nosession_app", True),
}
SUMMARY = {
    **{f"{c}_price_usd": 100.0 + i for i, c in enumerate(("btc", "eth", "sol", "xrp", "ada", "link", "bnb"))},
    **{f"{c}_change_24h": 1.25 for c in ("btc", "eth", "sol", "xrp", "ada", "link", "bnb")},
    "market_cap_usd": 3.41e12,
    "volume_24h_usd": 1.234e11,
    "market_cap_change_percentage_24h_usd": 1.8,
    "btc_market_cap_percentage": 56.3,
    "eth_market_cap_percentage": 12.1,
    "fng_value": 72,
    "btc_rsi_14": 61.5,
    "rsi_14": 61.5,
    "us_stock_indices": {
        s: {"price": 441.2, "change": 1.2, "change_percent": 0.27, "status": "ok"} for s in ("DIA", "SPY", "QQQM")
    },
    "data_sources": {
        s: {"status": "ok", "updated_at": "2026-11-26T13:00:00Z", "error": None}
        for s in ("binance", "coingecko", "alternative_me", "taapi", "finnhub")
    },
    "partial_failure": False,
    "fetch_duration_ms": 412,
    "last_updated": "2026-11-26T13:00:00Z",
    "timestamp": "2026-11-26T13:00:00Z",
}


@dataclass
class Pending:
    expected: int
    sent_at: float
    count: int = 0
    last: float = 0.0
    done: asyncio.Event = field(default_factory=asyncio.Event)


class Tracker:
    def __init__(self) -> None:
        self.pending: dict[bytes, Pending] = {}

    def record(self, entry_id: bytes, now: float) -> None:
        entry = self.pending.get(entry_id)
        if entry is None:
            return
        entry.count += 1
        entry.last = now
        if entry.count == entry.expected:
            entry.done.set()


class Client(asyncio.Protocol):
    """Just enough WebSocket: the upgrade, then stream ids found in the (unmasked) server frames."""

    def __init__(self, tracker: Tracker, host: str, *, reads: bool = True) -> None:
        self.tracker = tracker
        self.host = host
        self.reads = reads
        self.upgraded = asyncio.get_running_loop().create_future()
        self.buffer = b""
        self.seen: set[bytes] = set()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        key = base64.b64encode(secrets.token_bytes(16)).decode()
        transport.write(  # type: ignore[attr-defined]
            (
                f"GET /ws HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://{self.host}\r\n\r\n"
            ).encode()
        )

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        if not self.upgraded.done():
            self.buffer += data
            head, sep, rest = self.buffer.partition(b"\r\n\r\n")
            if not sep:
                return
            if b" 101 " not in head.split(b"\r\n", 1)[0]:
                self.upgraded.set_exception(RuntimeError(head[:200].decode(errors="replace")))
                return
            self.upgraded.set_result(True)
            if not self.reads:
                self.transport.pause_reading()
            self.buffer = b""
            data = rest
        scan = self.buffer + data
        for match in ID_RE.finditer(scan):
            entry_id = match.group(1)
            if entry_id not in self.seen:
                self.seen.add(entry_id)
                self.tracker.record(entry_id, now)
        self.buffer = scan[-48:]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.upgraded.done():
            self.upgraded.set_exception(ConnectionError("closed before the upgrade"))


async def open_clients(tracker: Tracker, n: int, *, slow: int = 0) -> list[Client]:
    loop = asyncio.get_running_loop()
    host = f"127.0.0.1:{PORT}"
    gate = asyncio.Semaphore(50)

    async def one(reads: bool) -> Client:
        async with gate:
            sock = socket.socket()
            if not reads:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.setblocking(False)
            await loop.sock_connect(sock, ("127.0.0.1", PORT))
            _, client = await loop.create_connection(lambda: Client(tracker, host, reads=reads), sock=sock)
            await asyncio.wait_for(client.upgraded, 30)
            return client

    return await asyncio.gather(*[one(True) for _ in range(n)], *[one(False) for _ in range(slow)])


def server_command(server: str, app: str) -> list[str]:
    if server == "granian":
        return [str(BIN / "granian"), "--interface", "asgi", "--host", "127.0.0.1", "--port", str(PORT)]
    return [str(BIN / "uvicorn"), "--host", "127.0.0.1", "--port", str(PORT), "--log-level", "warning"]


def start(cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def procs(process: subprocess.Popen) -> list[psutil.Process]:
    parent = psutil.Process(process.pid)
    return [parent, *parent.children(recursive=True)]


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for p in processes:
        times = p.cpu_times()
        total += times.user + times.system
    return total


def rss_mb(processes: list[psutil.Process]) -> float:
    # granian's supervisor is idle; its worker holds the sockets. Summing both keeps one rule for all.
    return sum(p.memory_info().rss for p in processes) / 2**20


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(
    *, server: str, mode: str, n: int, entries: int, gap: float, redis_url: str, slow: int = 0
) -> dict[str, float]:
    conn = redis.Redis.from_url(redis_url)
    conn.flushdb()
    conn.xadd(STREAM, {"v": "1", "type": "dashboard_update", "data": orjson.dumps(SUMMARY)})
    app, needs_relay = APPS[mode]
    # PORT: the served port is an allowed /ws origin; every client comes from 127.0.0.1, so the
    # per-address socket cap is lifted.
    env = dict(
        os.environ,
        REDIS_URL=redis_url,
        DJANGO_DEBUG="0",
        LOG_LEVEL="WARNING",
        PORT=str(PORT),
        WS_MAX_CONNECTIONS_PER_IP="100000",
    )
    relays: list[subprocess.Popen] = []
    web = None
    clients: list[Client] = []
    try:
        relay_count = (2 if mode == "project2" else 1) if needs_relay else 0
        for number in range(1, relay_count + 1):
            relays.append(start([sys.executable, str(ROOT / "manage.py"), "relay", "--name", f"bench-{number}"], env))
        if needs_relay:
            for _ in range(300):
                groups = [g["name"] for g in conn.xinfo_groups(STREAM)] if conn.exists(STREAM) else []
                if GROUP.encode() in groups or GROUP in groups:
                    break
                time.sleep(0.05)
        web = start([*server_command(server, app), app], env)
        port_wait(PORT, process=web, timeout=15, what=f"{server} serving {app}")
        await asyncio.sleep(1.0)
        web_procs = procs(web)
        rss_before = rss_mb(web_procs)
        tracker = Tracker()
        clients = await open_clients(tracker, n, slow=slow)
        await asyncio.sleep(1.5)  # snapshots sent, memory settled
        web_procs = procs(web)
        rss_after = rss_mb(web_procs)
        relay_procs = [p for relay in relays for p in procs(relay)]

        async def one_entry(expected: int) -> float | None:
            now = time.monotonic()
            entry_id = conn.xadd(STREAM, {"v": "1", "type": "dashboard_update", "data": orjson.dumps(SUMMARY)})
            pending = tracker.pending[entry_id] = Pending(expected=expected, sent_at=now)
            try:
                await asyncio.wait_for(pending.done.wait(), 10)
            except TimeoutError:
                return None
            return (pending.last - pending.sent_at) * 1000

        for _ in range(3):  # warm-up: lazy starts, first allocations
            await one_entry(n)
            await asyncio.sleep(gap)
        cpu_web, cpu_relay = cpu_seconds(web_procs), cpu_seconds(relay_procs)
        latencies, missed = [], 0
        for _ in range(entries):
            latency = await one_entry(n)
            if latency is None:
                missed += 1
            else:
                latencies.append(latency)
            await asyncio.sleep(gap)
        cpu_web = cpu_seconds(web_procs) - cpu_web
        cpu_relay = cpu_seconds(relay_procs) - cpu_relay
        frames_delivered = sum(p.count for p in list(tracker.pending.values())[3:])
        return {
            "p50": statistics.median(latencies) if latencies else float("nan"),
            "p99": pct(latencies, 0.99) if latencies else float("nan"),
            "max": max(latencies) if latencies else float("nan"),
            "missed": missed,
            "us_per_frame": cpu_web / max(1, frames_delivered) * 1e6,
            "relay_ms_per_entry": cpu_relay / max(1, entries) * 1000,
            "rss_before": rss_before,
            "rss_after": rss_after,
            "kb_per_client": (rss_after - rss_before) * 1024 / max(1, n + slow),
            "rss_end": rss_mb(web_procs),
        }
    finally:
        for client in clients:
            if client.transport is not None:
                client.transport.abort()
        process_stop(web)
        for relay in relays:
            process_stop(relay)
        conn.close()


def cpu_model() -> str:
    for line in subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout.splitlines():
        if line.startswith("Model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


async def main() -> None:
    global PORT  # noqa: PLW0603 - one setting for the whole run, read by the helpers above
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=["granian", "uvicorn"], default="granian")
    parser.add_argument("--clients", default="100,1000")
    parser.add_argument("--entries", type=int, default=30)
    parser.add_argument("--gap", type=float, default=0.15, help="seconds between entries")
    parser.add_argument("--modes", default="direct,groups,project")
    parser.add_argument("--slow-entries", type=int, default=200)
    parser.add_argument("--port", type=int, default=PORT, help="the web server's port")
    args = parser.parse_args()
    PORT = args.port
    counts = [int(c) for c in args.clients.split(",")]
    modes = args.modes.split(",")
    os.environ.pop("REDIS_URL", None)  # a private embedded Redis, not the application's
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs ({cpu_model()}), "
        f"server {args.server} (1 worker), {args.entries} entries per row, frame {len(orjson.dumps(SUMMARY))} B data"
    )
    with redis_for("bench-ws") as redis_url:
        print(
            f"{'design':8} {'clients':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'missed':>6} "
            f"{'web us/frame':>12} {'x floor':>7} {'relay ms/entry':>14} {'RSS MB idle':>11} {'KB/client':>9}"
        )
        for n in counts:
            floor = None
            for mode in modes:
                r = await measure(
                    server=args.server, mode=mode, n=n, entries=args.entries, gap=args.gap, redis_url=redis_url
                )
                if mode == "direct":
                    floor = r["us_per_frame"]
                ratio = r["us_per_frame"] / floor if floor else float("nan")
                print(
                    f"{mode:8} {n:>7} {r['p50']:>8.1f} {r['p99']:>8.1f} {r['max']:>8.1f} {r['missed']:>6} "
                    f"{r['us_per_frame']:>12.1f} {ratio:>7.2f} {r['relay_ms_per_entry']:>14.2f} "
                    f"{r['rss_after']:>11.1f} {r['kb_per_client']:>9.1f}",
                    flush=True,
                )
        if not args.slow_entries:
            return
        print(
            f"\n# one client never reads (receive buffer 4 KB, reading paused): others' latency, "
            f"{args.slow_entries} entries {1000 * args.gap / 10:.0f} ms apart, 100 clients"
        )
        print(f"{'design':8} {'slow':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'missed':>6} {'RSS MB end':>10}")
        for mode in [m for m in modes if m != "groups"]:
            for slow in (0, 1):
                r = await measure(
                    server=args.server,
                    mode=mode,
                    n=100,
                    entries=args.slow_entries,
                    gap=args.gap / 10,
                    redis_url=redis_url,
                    slow=slow,
                )
                print(
                    f"{mode:8} {slow:>5} {r['p50']:>8.1f} {r['p99']:>8.1f} {r['max']:>8.1f} {r['missed']:>6} "
                    f"{r['rss_end']:>10.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    asyncio.run(main())
