"""WebSocket amplification: other clients' push latency and /health/live while sockets spam `resume`.

One real server process (granian, one worker, as `make run`) and one relay on an embedded Redis,
a stream pre-filled with `--backlog` summaries. `--clients` ordinary clients (bench/ws_fanout.py's
reading client) stay connected throughout; three phases run one after the other in the same run:

  quiet   nothing else happens
  abuse   `--abusers` sockets each send `resume` from an id near the stream's start (a gap far
          beyond WS_RESUME_MAX: every answer is a resync snapshot) at `--rate` per second, the
          general per-socket frame rate /ws allows; a socket the server closes reconnects at once
  after   the abusers are gone: any work they queued would show here

In each phase `--entries` summaries are XADDed one at a time; push latency is the time from XADD
until every ordinary client has the entry (p50 / p99 / max). Meanwhile a probe GETs /health/live
every 50 ms on a fresh connection (p50 / p99 / max). Web CPU is the server's user+system time
over the phase divided by its wall time; closed counts ordinary clients the server closed in the
phase (they should never be; the entries after are awaited from the others only). The abusers'
line says what the server answered them.
The goal: abuse p99 (push and /health/live) at most 1.2x the quiet run's.

The ordinary clients connect from 127.0.0.1 and the abusers from `--abuser-address` (127.0.0.2:
every 127.x address is loopback on Linux), as different people would; the per-address
snapshot/resume budget and abuse cool-down apply to them as to any client (the ordinary clients'
opening snapshots beyond WS_RESUME_PER_IP_BURST are refused, which changes nothing measured).
The per-address socket cap is lifted for the phases (`--cap`); it is measured on its own at the
end: `--cap-probe` sockets from one address against the default WS_MAX_CONNECTIONS_PER_IP.

    .venv/bin/python -m bench.ws_abuse [--clients 100] [--abusers 20] [--rate 10] [--entries 120]
        [--gap 0.25] [--backlog 2000] [--abuser-address 127.0.0.2] [--cap-probe 300] [--port 18392]
        [--server-log FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import secrets
import socket
import statistics
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field

import orjson
import psutil
import redis
from django.conf import settings

from bench import ws_fanout
from bench.ws_fanout import (
    GROUP,
    ROOT,
    STREAM,
    SUMMARY,
    Client,
    cpu_model,
    cpu_seconds,
    open_clients,
    pct,
    procs,
    rss_mb,
    server_command,
    start,
)
from cryptodash.stack.processes import process_stop
from cryptodash.stack.redis_server import redis_for

PORT = 18392  # inside bench.ws_fanout's range (18300-18399), next to its default
APP = "cryptodash.asgi:application"


# bench.ws_fanout's clients report to a tracker; its own reports to a parent process, while this
# bench's 100 clients share one process with the measurement, so it gives them an in-process one.


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
        self.closed = 0  # sockets the server closed after the upgrade (bench.ws_fanout's Client counts them)

    def record(self, entry_id: bytes, now: float) -> None:
        entry = self.pending.get(entry_id)
        if entry is None:
            return
        entry.count += 1
        entry.last = now
        if entry.count == entry.expected:
            entry.done.set()


def masked_text(text: str) -> bytes:
    """One client-to-server text frame (clients must mask, RFC 6455 §5.3)."""
    payload = text.encode()
    mask = secrets.token_bytes(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    if len(payload) < 126:
        header = struct.pack("!BB", 0x81, 0x80 | len(payload))
    else:
        header = struct.pack("!BBH", 0x81, 0x80 | 126, len(payload))
    return header + mask + body


@dataclass
class AbuseStats:
    sent: int = 0
    connects: int = 0
    refused: int = 0
    limited: int = 0
    resyncs: int = 0
    closed_1008: int = 0


class Abuser(asyncio.Protocol):
    """The upgrade, then counts of what came back (error codes, resync snapshots, close frames)."""

    def __init__(self, stats: AbuseStats) -> None:
        self.stats = stats
        self.upgraded = asyncio.get_running_loop().create_future()
        self.lost = asyncio.get_running_loop().create_future()
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        key = base64.b64encode(secrets.token_bytes(16)).decode()
        transport.write(  # type: ignore[attr-defined]
            (
                f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{PORT}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:{PORT}\r\n\r\n"
            ).encode()
        )

    def data_received(self, data: bytes) -> None:
        if not self.upgraded.done():
            self.buffer += data
            head, sep, rest = self.buffer.partition(b"\r\n\r\n")
            if not sep:
                return
            self.upgraded.set_result(b" 101 " in head.split(b"\r\n", 1)[0])
            data = rest
        self.stats.limited += data.count(b'"resume_limited"')
        self.stats.resyncs += data.count(b'"resync":true')
        if b"\x88\x02\x03\xf0" in data:  # a close frame with code 1008
            self.stats.closed_1008 += 1

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.upgraded.done():
            self.upgraded.set_result(False)
        if not self.lost.done():
            self.lost.set_result(None)


async def abuse(stats: AbuseStats, last_id: str, rate: float, address: str, stopping: asyncio.Event) -> None:
    """One abusive client: resume spam at `rate`, reconnecting whenever the server closes it."""
    loop = asyncio.get_running_loop()
    frame = masked_text(orjson.dumps({"type": "resume", "last_id": last_id}).decode())
    while not stopping.is_set():
        try:
            _, client = await loop.create_connection(lambda: Abuser(stats), "127.0.0.1", PORT, local_addr=(address, 0))
        except OSError:
            await asyncio.sleep(0.1)
            continue
        stats.connects += 1
        if not await client.upgraded:
            stats.refused += 1
            client.transport.abort()
            await asyncio.sleep(0.1)
            continue
        while not stopping.is_set() and not client.lost.done():
            client.transport.write(frame)
            stats.sent += 1
            await asyncio.sleep(1 / rate)
        client.transport.abort()


async def health_probe(samples: list[float], stopping: asyncio.Event) -> None:
    request = f"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1:{PORT}\r\nConnection: close\r\n\r\n".encode()
    while not stopping.is_set():
        began = time.monotonic()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
            writer.write(request)
            await reader.read()  # until the server closes: the whole answer
            writer.close()
            samples.append((time.monotonic() - began) * 1000)
        except OSError:
            samples.append(float("inf"))
        await asyncio.sleep(0.05)


async def phase(
    *,
    conn: redis.Redis,
    tracker: Tracker,
    n: int,
    entries: int,
    gap: float,
    web: list[psutil.Process],
    abusers: int = 0,
    rate: float = 10.0,
    last_id: str = "",
    abuser_address: str = "127.0.0.2",
) -> dict[str, object]:
    stopping = asyncio.Event()
    health: list[float] = []
    stats = AbuseStats()
    tasks = [asyncio.create_task(health_probe(health, stopping))]
    tasks += [asyncio.create_task(abuse(stats, last_id, rate, abuser_address, stopping)) for _ in range(abusers)]
    if abusers:
        await asyncio.sleep(2.0)  # past the abusers' bursts: the steady state is measured
    cpu, began = cpu_seconds(web), time.monotonic()
    latencies, missed = [], 0
    closed_before = tracker.closed
    for _ in range(entries):
        sent_at = time.monotonic()
        entry_id = conn.xadd(STREAM, {"v": "1", "type": "dashboard_update", "data": orjson.dumps(SUMMARY)})
        # A client the server closed gets nothing more: waiting for it would only add timeouts.
        pending = tracker.pending[entry_id] = Pending(expected=n - tracker.closed, sent_at=sent_at)
        try:
            await asyncio.wait_for(pending.done.wait(), 10)
            latencies.append((pending.last - pending.sent_at) * 1000)
        except TimeoutError:
            missed += 1
        await asyncio.sleep(gap)
    cpu_pct = (cpu_seconds(web) - cpu) / (time.monotonic() - began) * 100
    stopping.set()
    await asyncio.gather(*tasks)
    finite = [h for h in health if h != float("inf")]
    return {
        "push_p50": statistics.median(latencies) if latencies else float("nan"),
        "push_p99": pct(latencies, 0.99) if latencies else float("nan"),
        "push_max": max(latencies) if latencies else float("nan"),
        "missed": missed,
        "health_p50": statistics.median(finite) if finite else float("nan"),
        "health_p99": pct(finite, 0.99) if finite else float("nan"),
        "health_max": max(finite) if finite else float("nan"),
        "health_failed": len(health) - len(finite),
        "cpu_pct": cpu_pct,
        "rss": rss_mb(web),
        "stats": stats,
        "closed": tracker.closed - closed_before,
    }


async def cap_probe(count: int) -> tuple[int, int]:
    """Open `count` sockets from 127.0.0.1 at once: (accepted, refused)."""
    loop = asyncio.get_running_loop()
    stats = AbuseStats()
    gate = asyncio.Semaphore(50)

    async def one() -> Abuser | None:
        async with gate:
            try:
                _, client = await loop.create_connection(lambda: Abuser(stats), "127.0.0.1", PORT)
            except OSError:
                return None
            return client if await client.upgraded else None

    clients = await asyncio.gather(*[one() for _ in range(count)])
    accepted = [c for c in clients if c is not None]
    for client in accepted:
        client.transport.abort()
    return len(accepted), count - len(accepted)


async def run(args: argparse.Namespace, redis_url: str, *, cap: int | None) -> dict[str, dict[str, object]] | None:
    conn = redis.Redis.from_url(redis_url)
    conn.flushdb()
    pipe = conn.pipeline()
    for _ in range(args.backlog):
        pipe.xadd(STREAM, {"v": "1", "type": "dashboard_update", "data": orjson.dumps(SUMMARY)})
    pipe.execute()
    # Near the start, WS_RESUME_MAX and more behind the newest: the dearest resume there is.
    old_id = conn.xrange(STREAM, "-", "+", count=2)[-1][0].decode()
    env = dict(os.environ, REDIS_URL=redis_url, DJANGO_DEBUG="0", LOG_LEVEL="WARNING", PORT=str(PORT))
    if cap is not None:
        env["WS_MAX_CONNECTIONS_PER_IP"] = str(cap)
    relay = web = None
    clients: list[Client] = []
    try:
        relay = start([sys.executable, str(ROOT / "manage.py"), "relay", "--name", "bench-abuse"], env)
        if args.server_log:
            env["LOG_LEVEL"] = "INFO"
        for _ in range(300):
            if GROUP.encode() in [g["name"] for g in conn.xinfo_groups(STREAM)]:
                break
            time.sleep(0.05)
        web = (
            subprocess.Popen(server_command("granian", APP), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            if (log := args.server_log)
            else start(server_command("granian", APP), env)
        )
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        await asyncio.sleep(1.0)
        web_procs = procs(web)
        if cap is None:
            accepted, refused = await cap_probe(args.cap_probe)
            print(
                f"\n# {args.cap_probe} sockets from one address, default WS_MAX_CONNECTIONS_PER_IP="
                f"{settings.WS_MAX_CONNECTIONS_PER_IP} (per process): {accepted} accepted, {refused} refused "
                f"at the handshake; web RSS {rss_mb(web_procs):.0f} MB"
            )
            return None
        tracker = Tracker()
        clients = await open_clients(tracker, args.clients)
        await asyncio.sleep(1.5)
        results = {}
        for name, abusers in (("quiet", 0), ("abuse", args.abusers), ("after", 0)):
            results[name] = await phase(
                conn=conn,
                tracker=tracker,
                n=args.clients,
                entries=args.entries,
                gap=args.gap,
                web=web_procs,
                abusers=abusers,
                rate=args.rate,
                last_id=old_id,
                abuser_address=args.abuser_address,
            )
        return results
    finally:
        for client in clients:
            if client.transport is not None:
                client.transport.abort()
        process_stop(web)
        process_stop(relay)
        conn.close()


async def main() -> None:
    global PORT  # noqa: PLW0603 - one setting for the whole run, read by the helpers above
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--abusers", type=int, default=20)
    parser.add_argument("--rate", type=float, default=10.0, help="resumes per second per abusive socket")
    parser.add_argument("--entries", type=int, default=120, help="entries XADDed per phase")
    parser.add_argument("--gap", type=float, default=0.25, help="seconds between entries")
    parser.add_argument("--backlog", type=int, default=2000, help="entries in the stream before the run")
    parser.add_argument("--abuser-address", default="127.0.0.2", help="the abusers' source address (loopback)")
    parser.add_argument("--cap", type=int, default=100_000, help="WS_MAX_CONNECTIONS_PER_IP for the phases")
    parser.add_argument("--cap-probe", type=int, default=300, help="sockets opened against the default cap (0: skip)")
    parser.add_argument("--port", type=int, default=PORT, help="the web server's port")
    parser.add_argument(
        "--server-log", type=argparse.FileType("a"), help="append the web server's output (at INFO) to this file"
    )
    args = parser.parse_args()
    PORT = ws_fanout.PORT = args.port
    os.environ.pop("REDIS_URL", None)  # a private embedded Redis, not the application's
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs ({cpu_model()}), "
        f"granian (1 worker) + 1 relay; {args.clients} clients, {args.abusers} abusers (from {args.abuser_address}) "
        f"x {args.rate:g} resume/s "
        f"from an id {args.backlog - 1} entries back (WS_RESUME_MAX {settings.WS_RESUME_MAX}), "
        f"{args.entries} entries per phase, {1000 * args.gap:.0f} ms apart"
    )
    with redis_for("bench-ws-abuse") as redis_url:
        results = await run(args, redis_url, cap=args.cap)
        print(
            f"{'phase':6} {'push p50':>8} {'p99':>7} {'max':>7} {'missed':>6} {'health p50':>10} {'p99':>7} "
            f"{'max':>7} {'fail':>4} {'web CPU':>7} {'RSS MB':>6} {'closed':>6}"
        )
        for name, r in results.items():
            print(
                f"{name:6} {r['push_p50']:>8.1f} {r['push_p99']:>7.1f} {r['push_max']:>7.1f} {r['missed']:>6} "
                f"{r['health_p50']:>10.1f} {r['health_p99']:>7.1f} {r['health_max']:>7.1f} {r['health_failed']:>4} "
                f"{r['cpu_pct']:>6.0f}% {r['rss']:>6.0f} {r['closed']:>6}"
            )
        quiet, loud = results["quiet"], results["abuse"]
        s: AbuseStats = loud["stats"]
        print(
            f"abusers: {s.sent} resumes sent, {s.connects} connects ({s.refused} refused), "
            f"{s.resyncs} resync snapshots, {s.limited} resume_limited errors, {s.closed_1008} closed with 1008"
        )
        print(
            f"abuse / quiet: push p99 {loud['push_p99'] / quiet['push_p99']:.2f}x, "
            f"/health/live p99 {loud['health_p99'] / quiet['health_p99']:.2f}x (goal <= 1.2x)"
        )
        if args.cap_probe:
            await run(args, redis_url, cap=None)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cryptodash.settings")
    asyncio.run(main())
