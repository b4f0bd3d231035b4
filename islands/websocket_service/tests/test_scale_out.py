"""Scale-out on one machine: 2 web processes, 2 relays, 2 Celery workers and 1 beat on one Redis.

Real processes as deployed (`make run`'s web server, `manage.py relay`, `celery worker`, `celery beat`)
against the test's Redis and the project's fake upstream. Beat ingests prices every second and the test
adds a burst of entries of its own; then every client, on either web process, must have received
every market-data entry after its snapshot exactly once and in stream order, and the upstream
calls logged by the fake upstream must fit inside each source's rate limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from pathlib import Path

import orjson
import pytest
import websockets
from django.conf import settings
from limits import parse_many

from cryptodash.celery import app
from cryptodash.stack.processes import process_stop
from islands.cache_system.services import summary_store
from islands.cache_system.stores import stream_store
from islands.external_apis.fake_upstream.server import FakeUpstream
from islands.external_apis.tests.conftest import FAKE_KEYS
from islands.websocket_service.tests.conftest import group_key, summary
from islands.websocket_service.tests.processes import BASE_DIR, BIN_DIR, child_env, relay_process, web_process

pytestmark = pytest.mark.processes

PORTS = range(18650, 18700)
STREAM = "crypto:market_data"
CLIENTS_PER_WEB = 2
BURST = 60
FETCHES = 20
# Tighter than the defaults so the limiter is actually at work during a short run.
LIMITS = {**settings.UPSTREAM_RATE_LIMITS, "binance": "4/5second"}
# The limiter counts a call when it is granted, the fake upstream when the request arrives a
# moment later; windows are checked this much shorter so that skew is not counted as a breach.
SKEW_S = 0.25


class Client:
    """One browser-like /ws client; keeps the stream id of every market-data frame, in order."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.snapshot_id: str | None = None
        self.ids: list[str] = []
        self.opened = asyncio.Event()
        self.task: asyncio.Task | None = None

    async def run(self) -> None:
        origin = self.url.replace("ws://", "http://").rsplit("/", 1)[0]
        async with websockets.connect(self.url, origin=origin) as socket:
            async for text in socket:
                frame = orjson.loads(text)
                if frame["type"] in ("dashboard_data", "no_data") or frame.get("code") == "no_data":
                    self.snapshot_id = frame.get("stream_id")
                    self.opened.set()
                elif frame["type"] == "dashboard_update":
                    self.ids.append(frame["stream_id"])


def celery(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN_DIR / "celery"), "-A", "cryptodash", *command, "--loglevel", "INFO"],
        cwd=BASE_DIR,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def succeeded(run_dir: Path) -> int:
    return sum((run_dir / f"w{n}.log").read_text().count("succeeded") for n in (1, 2))


def breaches(times: list[float], limit: str) -> list[str]:
    """Each rate-limit item of `limit` that `times` exceed in some moving window."""
    found = []
    for item in parse_many(limit):
        window = item.get_expiry() - SKEW_S
        for start, at in enumerate(times):
            inside = sum(1 for t in times[start:] if t - at < window)
            if inside > item.amount:
                found.append(f"{inside} calls within {window:.2f} s > {item}")
                break
    return found


async def wait_for(check, what: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not await asyncio.to_thread(check):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


async def test_clients_on_either_web_process_get_every_entry_once_in_order_and_upstreams_stay_in_limits(
    tmp_path, redis_conn
):
    fake = FakeUpstream(seed=7).start()
    env = {
        **fake.base_urls(),
        **FAKE_KEYS,
        "DATA_MODE": "simulated",
        "INGEST_INTERVAL_PRICES": "1",
        "RATE_LIMIT_BINANCE": LIMITS["binance"],
        "CONSUMER_BATCH": "3",  # small batches, so consecutive entries go out through both relays
    }
    children: list[subprocess.Popen] = []
    with contextlib.ExitStack() as stack:
        stack.callback(fake.stop)
        webs = [stack.enter_context(web_process(tmp_path, ports=PORTS, migrate=n == 0, **env))[0] for n in range(2)]
        for name in ("relay-1", "relay-2"):
            stack.enter_context(relay_process(tmp_path, name, **env))
        child = child_env(tmp_path, **env)
        for n in (1, 2):
            worker = ["worker", "--pool", "threads", "--concurrency", "2", "--hostname", f"w{n}@%h"]
            children.append(celery([*worker, "--without-gossip", "--without-mingle"], child, tmp_path / f"w{n}.log"))
        beat = ["beat", "--schedule", str(tmp_path / "beat-schedule"), "--pidfile", str(tmp_path / "beat.pid")]
        children.append(celery(beat, child, tmp_path / "beat.log"))
        for process in children:
            stack.callback(process_stop, process)

        clients = [Client(f"{web.replace('http://', 'ws://')}/ws") for web in webs for _ in range(CLIENTS_PER_WEB)]
        for client in clients:
            client.task = asyncio.create_task(client.run())
            stack.callback(client.task.cancel)
        await asyncio.wait_for(asyncio.gather(*(c.opened.wait() for c in clients)), timeout=20)
        await wait_for(lambda: redis_conn.zcard(group_key()) == 2, "both web processes' hubs to join", 10)

        # Beat and the workers ingest; the burst lands in between, faster than one relay batch.
        await wait_for(lambda: stream_store().length(STREAM) >= 3, "the first ingested entries", 30)
        for n in range(BURST):
            await asyncio.to_thread(summary_store, summary=summary(n))
        # A burst of fetches too, more than one worker's slots: both workers draw on coingecko's quota.
        for _ in range(FETCHES):
            app.send_task("islands.external_apis.tasks.feed_refresh", kwargs={"feed": "global"})
        await wait_for(lambda: succeeded(tmp_path) >= FETCHES, "the burst of fetches", 30)
        await wait_for(lambda: stream_store().length(STREAM) >= BURST + 8, "more ingested entries", 30)
        for process in children:
            process_stop(process)  # no more entries from here on

        last = stream_store().latest(STREAM).id
        await wait_for(lambda: all(c.ids and c.ids[-1] == last for c in clients), "every client to catch up", 15)
        await asyncio.sleep(0.3)  # a duplicate or a late frame would land here
        calls = fake.requests()

    written = [entry.id for entry in stream_store().range(STREAM)]
    for client in clients:
        expected = written[written.index(client.snapshot_id) + 1 :] if client.snapshot_id else written
        assert client.ids == expected, f"client of {client.url}"
    assert len(written) >= BURST + 8
    worker_logs = [(tmp_path / f"w{n}.log").read_text() for n in (1, 2)]
    assert all("succeeded" in log for log in worker_logs)  # both workers took part

    for source, limit in LIMITS.items():
        times = sorted(row["time"] for row in calls if row["upstream"] == source)
        assert breaches(times, limit) == [], source
    # The limits above were checked against real traffic of the sources they guard.
    assert {"binance", "coingecko"} <= {row["upstream"] for row in calls}
