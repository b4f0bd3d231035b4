"""Exchange tick -> the last of N WebSocket clients: latency and CPU per tick, beside the floor.

Two pipelines in the same run, each against its own processes on one embedded Redis:

  floor     this script XADDs tick entries into crypto:ticks itself (all coins every 1/rate s):
            relay -> the web process's hub (coalescing, WS_TICK_HZ) -> N sockets. Latency from
            the XADD.
  exchange  the fake exchange (the fake upstream's WebSocket, all coins every 1/rate s) ->
            `manage.py ticks_ingest` -> crypto:ticks -> the same relay, hub and sockets. Latency
            from the fake's send time (the ticks' `E`).

A tick counts as delivered to a client when the client has a "ticks" frame whose price of that
coin is at least as new (a frame is a snapshot; the hub may merge two ticks into one frame). The
latency of a tick is the time until the LAST of the N clients has it: p50 / p99 / max over every
coin's ticks in the window. CPU: user+system time of the web server, the relay and the ingest
over the window, divided by the ticks sent (one tick = one coin's price). The clients are
bench/ws_fanout.py's (a minimal asyncio WebSocket client in child processes, the same monotonic
clock as this process); the web server runs with `make run`'s command line.

    .venv/bin/python -m bench.ticks [--clients 1000] [--seconds 60] [--rate 4] [--modes floor,exchange]
        [--client-procs 2]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict

import orjson
import psutil
import redis

from bench import ws_fanout
from bench.ws_fanout import (
    ROOT,
    SUMMARY,
    ClientProcesses,
    Tracker,
    cpu_model,
    cpu_seconds,
    open_clients,
    pct,
    procs,
    server_command,
    start,
)
from cryptodash.stack.commands import DEFAULT_WEB_SERVER
from cryptodash.stack.processes import free_port, open_files_raised, port_wait, process_stop
from cryptodash.stack.redis_server import redis_for
from islands.external_apis.fake_upstream.server import FakeUpstream

# A port the kernel picks unless --port names one: other benches share this machine and its
# fixed ranges, and a client connected to another bench's server measures nothing.
PORT = 0
TICKS = "crypto:ticks"
COINS = ("btc", "eth", "sol", "xrp", "ada", "link", "bnb")
SYMBOLS = {f"{coin.upper()}USDT": coin for coin in COINS}
# A coin's tick inside a "ticks" frame, as orjson writes it (websocket_service/ticks.py).
TICK_RE = re.compile(rb'"([a-z0-9]+)":\{"price_usd":[^,]*,"change_24h":[^,]*,"t":(\d+)')


class TickClient(ws_fanout.Client):
    """bench.ws_fanout's client, reading ticks: reports `<coin>:<t>` once per newer tick of a coin."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.newest: dict[bytes, int] = {}

    def text_frame(self, buffer: bytes, start: int, end: int, now: float) -> None:
        for match in TICK_RE.finditer(buffer, start, end):
            coin, t = match.group(1), int(match.group(2))
            if t > self.newest.get(coin, 0):
                self.newest[coin] = t
                self.tracker.record(coin + b":" + match.group(2), now)


async def client_process(n: int) -> None:
    """`--child`: n tick clients; "ready", then `<coin>:<t> <monotonic>` lines until stdin closes."""
    open_files_raised()
    clients = await open_clients(Tracker(n), n, client=TickClient)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for client in clients:
        if client.transport is not None:
            client.transport.abort()


class TickReports(ClientProcesses):
    """Every report of every client process: per process and coin, (t, monotonic time)."""

    def __init__(self, n: int, count: int = 0) -> None:
        super().__init__(n, count or ws_fanout.client_processes_for(n), 0, module="bench.ticks")
        self.reports: list[dict[str, list[tuple[int, float]]]] = []

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        mine: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self.reports.append(mine)
        while line := await process.stdout.readline():
            key, at = line.decode().split()
            coin, t = key.split(":")
            mine[coin].append((int(t), float(at)))

    def delivered_at(self, coin: str, sent_ms: int) -> float | None:
        """Monotonic time at which the last client had a tick of `coin` at least as new as sent_ms."""
        last = 0.0
        for mine in self.reports:
            rows = sorted(mine.get(coin, []))
            index = bisect.bisect_left(rows, (sent_ms, -1.0))
            if index == len(rows):
                return None
            last = max(last, min(at for _, at in rows[index:]))
        return last


def wait_group(conn: redis.Redis, stream: str) -> None:
    for _ in range(300):
        if conn.exists(stream) and any(
            g["name"] in (b"websocket_broadcast", "websocket_broadcast") for g in conn.xinfo_groups(stream)
        ):
            return
        time.sleep(0.05)
    raise RuntimeError(f"the relay never created its group on {stream}")


async def xadd_ticks(conn: redis.Redis, *, rate: float, until: float, sent: list[tuple[str, int]]) -> None:
    """The floor's feed: every coin's tick every 1/rate s, one entry per round, as the ingest writes."""
    n = 0
    while time.monotonic() < until:
        n += 1
        now_ms = int(time.time() * 1000)
        ticks = {coin: {"price_usd": 100.0 + n, "change_24h": 1.0, "t": now_ms} for coin in COINS}
        conn.xadd(TICKS, {"v": "1", "type": "ticks", "data": orjson.dumps({"source": "bench", "ticks": ticks})})
        sent.extend((coin, now_ms) for coin in COINS)
        await asyncio.sleep(1 / rate)


async def measure(
    *, mode: str, n: int, seconds: float, rate: float, server: str, redis_url: str, client_procs: int = 0
) -> dict[str, float]:
    conn = redis.Redis.from_url(redis_url)
    conn.flushdb()
    conn.xadd("crypto:market_data", {"v": "1", "type": "dashboard_update", "data": orjson.dumps(SUMMARY)})
    fake = None
    env = dict(
        os.environ,
        REDIS_URL=redis_url,
        DJANGO_DEBUG="0",
        LOG_LEVEL="WARNING",
        PORT=str(PORT),
        WS_MAX_CONNECTIONS_PER_IP="100000",
    )
    children: list[subprocess.Popen] = []
    clients = TickReports(n, client_procs)
    sent: list[tuple[str, int]] = []
    measuring = False
    try:
        relay = start([sys.executable, str(ROOT / "manage.py"), "relay", "--name", "bench-ticks"], env)
        children.append(relay)
        wait_group(conn, TICKS)
        web = start(server_command(server, "cryptodash.asgi:application"), env)
        children.append(web)
        port_wait(PORT, process=web, timeout=15, what=f"{server} serving cryptodash")
        ingest = None
        if mode == "exchange":
            fake = FakeUpstream(seed=1)
            fake.ticks.rate_hz = rate

            def on_send(symbol: str, sent_ms: int) -> None:
                if measuring and symbol in SYMBOLS:
                    sent.append((SYMBOLS[symbol], sent_ms))

            fake.ticks.on_send = on_send
            fake.start()
            env_ingest = dict(env, BINANCE_WS_URL=fake.ticks.url, TICK_STALE_S="60")
            ingest = start([sys.executable, str(ROOT / "manage.py"), "ticks_ingest", "--name", "bench"], env_ingest)
            children.append(ingest)
        await asyncio.sleep(1.0)
        await clients.start()
        warm_until = time.monotonic() + 3.0
        if mode == "floor":
            await xadd_ticks(conn, rate=rate, until=warm_until, sent=[])
        else:
            await asyncio.sleep(3.0)
        measured = [p for child in children for p in procs(child)]
        cpu = {p.pid: cpu_seconds([p]) for p in measured}
        measuring = True
        if mode == "floor":
            await xadd_ticks(conn, rate=rate, until=time.monotonic() + seconds, sent=sent)
        else:
            await asyncio.sleep(seconds)
        measuring = False
        await asyncio.sleep(1.0)  # the last ticks reach the clients
        used = {p.pid: cpu_seconds([p]) - cpu[p.pid] for p in measured}

        def cpu_of(child: subprocess.Popen | None) -> float:
            return sum(used.get(p.pid, 0.0) for p in procs(child)) if child is not None else 0.0

        offset = time.time() - time.monotonic()
        latencies, missed = [], 0
        for coin, sent_ms in sent:
            at = clients.delivered_at(coin, sent_ms)
            if at is None:
                missed += 1
            else:
                latencies.append((at + offset) * 1000 - sent_ms)
        ticks = max(1, len(sent))
        return {
            "ticks": len(sent),
            "p50": statistics.median(latencies) if latencies else float("nan"),
            "p99": pct(latencies, 0.99) if latencies else float("nan"),
            "max": max(latencies) if latencies else float("nan"),
            "missed": missed,
            "web_us": cpu_of(web) / ticks * 1e6,
            "relay_us": cpu_of(relay) / ticks * 1e6,
            "ingest_us": cpu_of(ingest) / ticks * 1e6,
        }
    finally:
        await clients.stop()
        for child in reversed(children):
            process_stop(child)
        if fake is not None:
            fake.stop()
        conn.close()


async def main() -> None:
    global PORT  # noqa: PLW0603 - one setting for the whole run
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server", choices=["granian", "uvicorn"], default=os.environ.get("WEB_SERVER", DEFAULT_WEB_SERVER)
    )
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0, help="measured window per pipeline")
    parser.add_argument("--rate", type=float, default=4.0, help="ticks per coin per second")
    parser.add_argument("--modes", default="floor,exchange")
    # Two: with one Python process reading 4 frames a second on each of 1,000 sockets, p50 was
    # 160-240 ms; with two, 47-57 ms (at a lower load as well, bench/RESULTS.md).
    parser.add_argument("--client-procs", type=int, default=2, help="client processes (0: as bench.ws_fanout)")
    parser.add_argument("--port", type=int, default=0, help="the web server's port (default: a free one)")
    parser.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--child-slow", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    PORT = ws_fanout.PORT = args.port or free_port()
    if args.child:
        await client_process(args.child)
        return
    open_files_raised()
    os.environ.pop("REDIS_URL", None)  # a private embedded Redis, not the application's
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs ({cpu_model()}), "
        f"server {args.server} (1 worker), {args.clients} clients, {len(COINS)} coins x {args.rate:g} Hz, "
        f"{args.seconds:g} s per pipeline, WS_TICK_HZ/TICK_MIN_INTERVAL_MS at their defaults, "
        f"open files {resource.getrlimit(resource.RLIMIT_NOFILE)[0]}, load {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'pipeline':9} {'ticks':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'missed':>6} "
        f"{'web us/tick':>11} {'relay us/tick':>13} {'ingest us/tick':>14}"
    )
    with redis_for("bench-ticks") as redis_url:
        for mode in args.modes.split(","):
            r = await measure(
                mode=mode,
                n=args.clients,
                seconds=args.seconds,
                rate=args.rate,
                server=args.server,
                redis_url=redis_url,
                client_procs=args.client_procs,
            )
            ingest = r["ingest_us"] if mode == "exchange" else float("nan")
            print(
                f"{mode:9} {r['ticks']:>6} {r['p50']:>8.1f} {r['p99']:>8.1f} {r['max']:>8.1f} {r['missed']:>6} "
                f"{r['web_us']:>11.1f} {r['relay_us']:>13.1f} {ingest:>14.1f}",
                flush=True,
            )
    print(f"# machine load after the run: {os.getloadavg()[0]:.1f}; cpu count {psutil.cpu_count()}")


if __name__ == "__main__":
    asyncio.run(main())
