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
time until all N clients have each one: p50 / p99 / max over the entries. The clients live in
client processes of this script (`--client-procs`, default one per 2,500 clients, at most 4), each
reporting when all of its own have an entry (CLOCK_MONOTONIC is one clock for every process); every
process raises its open-files limit to the hard limit, and the server inherits it. CPU is the web
server's user+system time over the measured window divided by frames delivered (entries x N); the
relay's is shown beside it. RSS: the web process before and after N idle clients connected, per
client. A last scenario runs the project with one client that never reads (tiny receive buffer,
reading paused) and reports the others' latency beside the same run without it.

The server runs with the launcher's command line (cryptodash/stack/commands.py: web_command), so
the numbers are those of `make run`; `--server-args` appends options to try.

    .venv/bin/python -m bench.ws_fanout [--server uvicorn|granian] [--clients 1000,10000] [--entries 30]
        [--modes direct,groups,project,project2] [--port 18391] [--server-args "..."]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import platform
import re
import resource
import secrets
import shlex
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

from cryptodash.stack.commands import DEFAULT_WEB_SERVER, web_command
from cryptodash.stack.processes import open_files_raised, port_wait, process_stop
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
    """A client process's view: when the last of its `expected` clients had each entry."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.pending: dict[bytes, Pending] = {}
        self.closed = 0  # sockets the server closed after the upgrade

    def record(self, entry_id: bytes, now: float) -> None:
        entry = self.pending.get(entry_id)
        if entry is None:
            entry = self.pending[entry_id] = Pending(expected=self.expected, sent_at=0.0)
        entry.count += 1
        entry.last = now
        if entry.count == entry.expected:
            # To the parent: this process's clients all have it, the last at `now`.
            sys.stdout.write(f"{entry_id.decode()} {now:.6f}\n")
            sys.stdout.flush()


class Client(asyncio.Protocol):
    """Just enough WebSocket: the upgrade, stream ids in the (unmasked) server frames, pongs.

    Pings are answered as a browser does: uvicorn closes a socket whose pong is 20 s late, which
    would otherwise take down the first clients while the last of 10,000 are still connecting.
    """

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
        buffer = self.buffer + data if self.buffer else data
        at = 0
        while len(buffer) - at >= 2:
            opcode, length, head = buffer[at] & 0x0F, buffer[at + 1] & 0x7F, 2
            if length >= 126:
                head = 4 if length == 126 else 10
                if len(buffer) - at < head:
                    break
                length = int.from_bytes(buffer[at + 2 : at + head], "big")
            end = at + head + length
            if end > len(buffer):
                break
            if opcode == 0x9:
                payload = buffer[at + head : end]  # a zero mask leaves the payload as it is
                self.transport.write(bytes((0x8A, 0x80 | len(payload))) + b"\0\0\0\0" + payload)
            elif opcode in (0x0, 0x1):
                self.text_frame(buffer, at + head, end, now)
            at = end
        self.buffer = buffer[at:]

    def text_frame(self, buffer: bytes, start: int, end: int, now: float) -> None:
        """A text frame in buffer[start:end]: its stream id, once per client (bench/ticks.py reads ticks)."""
        match = ID_RE.search(buffer, start, end)
        if match is not None and match.group(1) not in self.seen:
            self.seen.add(match.group(1))
            self.tracker.record(match.group(1), now)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.upgraded.done():
            self.upgraded.set_exception(ConnectionError("closed before the upgrade"))
        else:
            self.tracker.closed += 1


async def open_clients(tracker: Tracker, n: int, *, slow: int = 0, client: type[Client] = Client) -> list[Client]:
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
            _, opened = await loop.create_connection(lambda: client(tracker, host, reads=reads), sock=sock)
            await asyncio.wait_for(opened.upgraded, 30)
            return opened

    return await asyncio.gather(*[one(True) for _ in range(n)], *[one(False) for _ in range(slow)])


SERVER_ARGS: list[str] = []


def server_command(server: str, app: str) -> list[str]:
    launcher = shlex.split(web_command(server, host="127.0.0.1", port=str(PORT), workers="1", app=app))
    # The application stays last; options to try go before it.
    return [*launcher[:-1], *SERVER_ARGS, launcher[-1]]


async def client_process(n: int, slow: int) -> None:
    """`--child`: open n clients (and `slow` that never read), say "ready", report entries until stdin closes."""
    open_files_raised()
    tracker = Tracker(n)
    clients = await open_clients(tracker, n, slow=slow)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # the parent closes it when done
    if tracker.closed:
        print(f"client process: the server closed {tracker.closed} of {n} sockets", file=sys.stderr)
    for client in clients:
        if client.transport is not None:
            client.transport.abort()


@dataclass
class Sent:
    sent_at: float
    reports: list[float] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)


class ClientProcesses:
    """The clients, split over `count` processes of this script; collects their per-entry reports."""

    def __init__(self, n: int, count: int, slow: int, module: str = "bench.ws_fanout") -> None:
        self.n, self.count, self.slow = n, count, slow
        self.module = module  # whose `--child` runs the clients
        self.processes: list[asyncio.subprocess.Process] = []
        self.sent: dict[str, Sent] = {}
        self.readers: list[asyncio.Task] = []

    async def start(self) -> None:
        shares = [self.n // self.count + (1 if i < self.n % self.count else 0) for i in range(self.count)]
        for i, share in enumerate(shares):
            slow = self.slow if i == 0 else 0
            self.processes.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    self.module,
                    "--child",
                    str(share),
                    "--child-slow",
                    str(slow),
                    "--port",
                    str(PORT),
                    cwd=ROOT,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                )
            )
        for process in self.processes:
            line = await asyncio.wait_for(process.stdout.readline(), 300)
            if line.strip() != b"ready":
                raise RuntimeError(f"client process failed to connect its clients: {line!r}")
        self.readers = [asyncio.create_task(self._read(process)) for process in self.processes]

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        while line := await process.stdout.readline():
            entry_id, at = line.decode().split()
            sent = self.sent.get(entry_id)
            if sent is not None:
                sent.reports.append(float(at))
                if len(sent.reports) == self.count:
                    sent.done.set()

    def expect(self, entry_id: str, sent_at: float) -> Sent:
        sent = self.sent[entry_id] = Sent(sent_at=sent_at)
        return sent

    async def stop(self) -> None:
        for process in self.processes:
            if process.stdin is not None:
                process.stdin.close()
        for process in self.processes:
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()
        for reader in self.readers:
            reader.cancel()


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


def client_processes_for(n: int) -> int:
    return max(1, min(4, round(n / 2500)))


async def measure(
    *, server: str, mode: str, n: int, entries: int, gap: float, redis_url: str, slow: int = 0, procs_n: int = 0
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
        # Every client connects from 127.0.0.1: lift the per-address socket cap and snapshot budget.
        WS_MAX_CONNECTIONS_PER_IP="100000",
        WS_RESUME_PER_IP_BURST="100000",
    )
    relays: list[subprocess.Popen] = []
    web = None
    clients = ClientProcesses(n, procs_n or client_processes_for(n), slow)
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
        web = start(server_command(server, app), env)
        port_wait(PORT, process=web, timeout=15, what=f"{server} serving {app}")
        await asyncio.sleep(1.0)
        web_procs = procs(web)
        rss_before = rss_mb(web_procs)
        await clients.start()
        await asyncio.sleep(max(1.5, n / 2000))  # snapshots sent, memory settled
        web_procs = procs(web)
        rss_after = rss_mb(web_procs)
        relay_procs = [p for relay in relays for p in procs(relay)]

        async def one_entry() -> float | None:
            now = time.monotonic()
            entry_id = conn.xadd(STREAM, {"v": "1", "type": "dashboard_update", "data": orjson.dumps(SUMMARY)})
            sent = clients.expect(entry_id.decode(), now)
            try:
                await asyncio.wait_for(sent.done.wait(), 10)
            except TimeoutError:
                return None
            return (max(sent.reports) - sent.sent_at) * 1000

        for _ in range(3):  # warm-up: lazy starts, first allocations
            await one_entry()
            await asyncio.sleep(gap)
        cpu_web, cpu_relay = cpu_seconds(web_procs), cpu_seconds(relay_procs)
        latencies, missed = [], 0
        for _ in range(entries):
            latency = await one_entry()
            if latency is None:
                missed += 1
            else:
                latencies.append(latency)
            await asyncio.sleep(gap)
        cpu_web = cpu_seconds(web_procs) - cpu_web
        cpu_relay = cpu_seconds(relay_procs) - cpu_relay
        frames_delivered = n * (entries - missed)  # a missed entry's partial deliveries are not counted
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
        await clients.stop()
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
    global PORT, SERVER_ARGS  # noqa: PLW0603 - one setting for the whole run, read by the helpers above
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server", choices=["granian", "uvicorn"], default=os.environ.get("WEB_SERVER", DEFAULT_WEB_SERVER)
    )
    parser.add_argument("--clients", default="1000,10000")
    parser.add_argument("--entries", type=int, default=30)
    parser.add_argument("--gap", type=float, default=0.15, help="seconds between entries")
    # groups (a layer channel per socket) took 320-390 ms for 1,000 clients: name it to run it.
    parser.add_argument("--modes", default="direct,project")
    parser.add_argument("--slow-entries", type=int, default=200)
    parser.add_argument("--port", type=int, default=PORT, help="the web server's port")
    parser.add_argument("--server-args", default="", help="extra server options")
    parser.add_argument("--client-procs", type=int, default=0, help="client processes (0: one per 2,500 clients)")
    parser.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--child-slow", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    PORT = args.port
    SERVER_ARGS = shlex.split(args.server_args)
    if args.child:
        await client_process(args.child, args.child_slow)
        return
    open_files_raised()  # the server inherits it
    counts = [int(c) for c in args.clients.split(",")]
    modes = args.modes.split(",")
    os.environ.pop("REDIS_URL", None)  # a private embedded Redis, not the application's
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs ({cpu_model()}), "
        f"server {args.server} (1 worker), {args.entries} entries per row, frame {len(orjson.dumps(SUMMARY))} B data, "
        f"open files {resource.getrlimit(resource.RLIMIT_NOFILE)[0]}"
    )
    print(f"# {' '.join(server_command(args.server, '<app>'))}")
    with redis_for("bench-ws") as redis_url:
        print(
            f"{'design':8} {'clients':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'missed':>6} "
            f"{'web us/frame':>12} {'x floor':>7} {'relay ms/entry':>14} {'RSS MB idle':>11} {'KB/client':>9}"
        )
        for n in counts:
            floor = None
            for mode in modes:
                r = await measure(
                    server=args.server,
                    mode=mode,
                    n=n,
                    entries=args.entries,
                    gap=args.gap,
                    redis_url=redis_url,
                    procs_n=args.client_procs,
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
