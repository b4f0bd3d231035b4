"""Losing the Redis primary under the running stack: Sentinel fails over and every process follows.

A real rig on loopback (cryptodash/stack/sentinel_rig.py: a primary, one replica, three sentinels,
passwords everywhere) and the stack's real processes pointed at it through REDIS_SENTINELS only:
granian (web), the relay, the backup and a Celery worker, with WebSocket clients connected. This
test writes entries through the project's stream store, then:

1. makes the replica fall behind (SIGSTOP, and the primary drops its link), writes a few more
   entries that only the primary acknowledges and the backup copies: the entries asynchronous
   replication loses;
2. `kill -9` of the primary (SIGCONT to the replica right after), while `/`, the summary API and
   `/health` are polled;
3. once a sentinel names the new primary and the web process uses it, a client resumes from the
   last lost id (an id the new primary never had), then new entries are written.

Checked: the failover and the first write to the new primary; `/` and the summary API answer 200
throughout and `/health` names Redis as the reason while it is away; every connected client gets
every new entry once, in order, and the resuming client a resync, so each ends on the newest
entry; the lost entries are in the backup (history without a hole) and no entry is there twice;
both consumer groups exist on the new primary with nothing pending; the worker takes a task sent
through the Sentinel broker after the failover. The timeline and the loss accounting are printed
(`-s` shows them). Marker `processes`; about 40 s on a quiet machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import orjson
import pytest
import redis
import websockets
from celery import Celery
from django.conf import settings

from cryptodash.stack.processes import process_stop
from cryptodash.stack.sentinel_rig import SentinelRig
from islands.cache_system.backup import GROUP as BACKUP_GROUP
from islands.cache_system.redis_client import redis_client, redis_clients_reset, redis_topology
from islands.cache_system.stores import stores_reset, stream_store
from islands.cache_system.topology import sentinel_nodes
from islands.websocket_service.tests.conftest import group_key, summary
from islands.websocket_service.tests.processes import BASE_DIR, BIN_DIR, child_env, relay_process, web_process

pytestmark = pytest.mark.processes

PORTS = range(18750, 18800)
STREAM = settings.STREAM_MARKET_DATA
CLIENTS = 3
BEFORE, LOST, AFTER = 10, 5, 10  # entries before the fault, lost by replication, after it
HEARTBEAT_TASK = "islands.cache_system.tasks.heartbeat"
WORKER_ARGS = ["--pool", "threads", "--concurrency", "1", "--without-gossip", "--without-mingle", "--loglevel", "INFO"]


class Client:
    """A browser-like /ws client: the id of its snapshot and of every update, with arrival times."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.snapshot_id: str | None = None
        self.resynced = False
        self.updates: list[tuple[float, str]] = []
        self.opened = asyncio.Event()

    @property
    def showing(self) -> str | None:
        """The entry the client shows: its newest update, else its snapshot."""
        return self.updates[-1][1] if self.updates else self.snapshot_id

    async def run(self) -> None:
        origin = self.url.replace("ws://", "http://").split("/ws", 1)[0]
        async with websockets.connect(self.url, origin=origin) as socket:
            async for text in socket:
                frame = orjson.loads(text)
                if frame["type"] == "dashboard_data":
                    self.snapshot_id = frame.get("stream_id")
                    self.resynced = self.resynced or bool(frame.get("resync"))
                    self.updates.clear()  # a snapshot replaces whatever was shown
                    self.opened.set()
                elif frame["type"] == "dashboard_update":
                    self.updates.append((time.monotonic(), frame["stream_id"]))


class Poller(threading.Thread):
    """GETs `/`, the summary API and `/health` in turn until stopped; keeps every answer."""

    PATHS = ("/", "/api/crypto/dashboard-summary", "/health")

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.answers: list[tuple[float, str, int, dict | None]] = []
        self.stop = threading.Event()

    def health(self) -> dict | None:
        """The newest /health answer."""
        return next((a[3] for a in reversed(self.answers) if a[1] == "/health"), None)

    def run(self) -> None:
        while not self.stop.is_set():
            for path in self.PATHS:
                self.answers.append((time.monotonic(), path, *self._get(path)))
            self.stop.wait(0.1)

    def _get(self, path: str) -> tuple[int, dict | None]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=5) as response:
                body = response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            body, status = exc.read(), exc.code
        except OSError:
            return 0, None
        return status, (json.loads(body) if path != "/" else None)


def snapshots(db: Path) -> list[tuple[str, str]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT stream, stream_id FROM cache_system_marketsnapshot").fetchall()


def backed_up(db: Path) -> set[str]:
    return {stream_id for stream, stream_id in snapshots(db) if stream == STREAM}


async def wait_for(check, what: str, seconds: float) -> float:
    """Poll `check` (run in a thread) until true; returns the monotonic time it became true."""
    deadline = time.monotonic() + seconds
    while not await asyncio.to_thread(check):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)
    return time.monotonic()


def worker_succeeded(log: Path) -> int:
    return log.read_text().count("succeeded") if log.exists() else 0


def health_cache_system(answer: dict | None) -> dict:
    return (answer or {}).get("islands", {}).get("cache_system", {})


@pytest.fixture
def rig(tmp_path: Path):
    rig = SentinelRig(tmp_path / "rig", replicas=1, sentinels=3, down_after_ms=1000, failover_timeout_ms=5000)
    rig.start()
    yield rig
    rig.stop()


async def test_the_stack_follows_a_sentinel_failover_without_losing_history(tmp_path, rig, settings):
    rig_env = rig.env()
    # This process writes through the project's stream store, on the rig like the children.
    settings.REDIS_URL = rig_env["REDIS_URL"]
    settings.REDIS_SENTINELS = sentinel_nodes(rig_env["REDIS_SENTINELS"])
    settings.REDIS_SENTINEL_MASTER = rig_env["REDIS_SENTINEL_MASTER"]
    settings.REDIS_SENTINEL_PASSWORD = rig_env["REDIS_SENTINEL_PASSWORD"]
    redis_clients_reset()
    stores_reset()
    run_dir = tmp_path / "run"
    env = {**rig_env, "DATABASE_URL": "", "CONSUMER_HEARTBEAT_INTERVAL": "0.2", "LOG_LEVEL": "INFO"}
    db = run_dir / "db.sqlite3"
    worker_log = tmp_path / "worker.log"
    broker_url, transport_options = redis_topology().celery_broker()
    probe = Celery("failover-probe", broker=broker_url)
    probe.conf.broker_transport_options = transport_options
    probe.conf.broker_connection_retry_on_startup = True

    with contextlib.ExitStack() as stack:
        web, _ = stack.enter_context(web_process(run_dir, ports=PORTS, **env))
        stack.enter_context(relay_process(run_dir, "relay-failover", **env))
        backup = subprocess.Popen(
            [sys.executable, str(BASE_DIR / "manage.py"), "backup_streams", "--consumer", "backup-failover"],
            cwd=BASE_DIR,
            env=child_env(run_dir, **env),
        )
        stack.callback(process_stop, backup)
        worker = subprocess.Popen(
            [str(BIN_DIR / "celery"), "-A", "cryptodash", "worker", *WORKER_ARGS],
            cwd=BASE_DIR,
            env=child_env(run_dir, **env),
            stdout=worker_log.open("w"),
            stderr=subprocess.STDOUT,
        )
        stack.callback(process_stop, worker)
        stack.callback(probe.close)

        store = stream_store()
        primary = redis_client()

        def groups_ready() -> bool:
            try:
                names = {info["name"] for info in primary.xinfo_groups(STREAM)}
            except redis.ResponseError:  # no stream yet
                return False
            return {settings.RELAY_GROUP.encode(), BACKUP_GROUP.encode()} <= names

        await wait_for(groups_ready, "the relay's and the backup's groups", 60)
        store.add(STREAM, "dashboard_update", summary(0))  # something for the snapshots
        ws = web.replace("http://", "ws://") + "/ws"
        clients = [Client(ws) for _ in range(CLIENTS)]
        tasks = [asyncio.create_task(client.run()) for client in clients]
        for task in tasks:
            stack.callback(task.cancel)
        await asyncio.wait_for(asyncio.gather(*(c.opened.wait() for c in clients)), timeout=30)
        await wait_for(lambda: primary.zcard(group_key()) >= 1, "the web process's hub in the layer group", 15)

        # --- before: entries everybody has (replicated, relayed, backed up) ---------------------
        acked = [store.add(STREAM, "dashboard_update", summary(n)) for n in range(1, BEFORE + 1)]
        await wait_for(lambda: set(acked) <= backed_up(db), "the backup of the first entries", 30)
        await wait_for(lambda: all(c.showing == acked[-1] for c in clients), "clients on the first entries", 15)
        probe.send_task(HEARTBEAT_TASK)
        await wait_for(lambda: worker_succeeded(worker_log) >= 1, "the worker's first task", 60)

        # --- the replica falls behind: what only the old primary acknowledges -------------------
        old_port = rig.primary_port()
        replica = next(node for node in rig.nodes if node.port != old_port)
        os.kill(replica.process.pid, signal.SIGSTOP)
        try:
            rig.client(old_port).client_kill_filter(_type="replica")
            # Backed up before the primary dies: replication loses them, the backup does not.
            lost = [store.add(STREAM, "dashboard_update", summary(100 + n)) for n in range(LOST)]
            await wait_for(lambda: set(lost) <= backed_up(db), "the backup of the entries about to be lost", 10)
            # Not even backed up (the backup paused, its blocked read dropped, so nothing waits in
            # its socket): relayed to the clients, then gone for good.
            os.kill(backup.pid, signal.SIGSTOP)
            try:
                rig.client(old_port).client_kill_filter(_type="normal", skipme=True)
                gone = store.add(STREAM, "dashboard_update", summary(199))
                acked += [*lost, gone]
                await wait_for(lambda: all(c.showing == gone for c in clients), "clients on the last entry", 10)
                poller = Poller(web)
                poller.start()
                stack.callback(poller.stop.set)
                await asyncio.sleep(0.3)  # a few answers from before the fault
                # --- the fault --------------------------------------------------------------
                rig.kill_primary()
                t_kill = time.monotonic()
            finally:
                os.kill(backup.pid, signal.SIGCONT)
        finally:
            os.kill(replica.process.pid, signal.SIGCONT)
        # The replica, about to be promoted, never got the last entries (the old primary is dead).
        on_replica = {entry_id for entry_id in acked if rig.client(replica.port).xrange(STREAM, entry_id, entry_id)}

        new_port = await asyncio.to_thread(rig.wait_new_primary, old_port, 30)
        t_elected = time.monotonic()
        new_primary = rig.client(new_port)

        # --- a client resumes from an id the new primary never had ----------------------------
        t_web_back = await wait_for(
            lambda: health_cache_system(poller.health()).get("store_mode") == "redis", "the web back on Redis", 30
        )
        resumer = Client(f"{ws}?last_id={gone}")
        tasks.append(asyncio.create_task(resumer.run()))
        stack.callback(tasks[-1].cancel)
        await asyncio.wait_for(resumer.opened.wait(), timeout=15)
        clients.append(resumer)

        # --- after: new entries reach everybody -------------------------------------------------
        after = [store.add(STREAM, "dashboard_update", summary(200))]
        t_written = time.monotonic()
        after += [store.add(STREAM, "dashboard_update", summary(200 + n)) for n in range(1, AFTER)]
        t_client = await wait_for(
            lambda: any(any(sid == after[0] for _, sid in c.updates) for c in clients[:CLIENTS]),
            "the first new entry at a client",
            15,
        )
        t_client = min(t for c in clients[:CLIENTS] for t, sid in c.updates if sid == after[0])
        await wait_for(lambda: all(c.showing == after[-1] for c in clients), "every client on the newest entry", 20)
        sent_at = worker_succeeded(worker_log)
        probe.send_task(HEARTBEAT_TASK)
        await wait_for(lambda: worker_succeeded(worker_log) > sent_at, "a task through the new primary", 60)
        await wait_for(lambda: set(acked + after) - {gone} <= backed_up(db), "the backup of the new entries", 30)
        await asyncio.sleep(0.5)  # a duplicate or late frame would land here
        poller.stop.set()
        groups = {stream: new_primary.xinfo_groups(stream) for stream in (STREAM, settings.STREAM_BTC_PRICE)}

    # --- timeline and loss accounting ---------------------------------------------------------
    stored = snapshots(db)
    in_new_stream = {entry_id.decode() for entry_id, _ in new_primary.xrange(STREAM)}
    print(
        f"\nfailover timeline (s after kill -9): new primary elected {t_elected - t_kill:.2f}, "
        f"web back on Redis {t_web_back - t_kill:.2f}, first new entry written {t_written - t_kill:.2f}, "
        f"first new entry at a client {t_client - t_kill:.2f}"
    )
    in_backup = backed_up(db)
    print(
        f"loss accounting: acknowledged by the old primary {len(acked)}, on the replica at its promotion "
        f"{len(on_replica)}, found in the backup {len(set(acked) & in_backup)}, found in the new primary's stream "
        f"{len(set(acked) & in_new_stream)} (put back from the backup: {len(set(lost) & in_new_stream)}; "
        f"lost for good, neither replicated nor backed up: {len(set(acked) - in_backup - in_new_stream)}); "
        f"the resuming client resynced: {resumer.resynced}"
    )
    gap = [a for a in poller.answers if t_kill <= a[0] <= t_web_back]
    health_reasons = sorted({str(health_cache_system(a[3]).get("reason")) for a in gap if a[1] == "/health"})
    stale = Counter(str((a[3] or {}).get("stale")) for a in gap if a[1] == "/api/crypto/dashboard-summary")
    print(
        f"during the gap: {len(gap)} answers, /health cache_system said {health_reasons}; "
        f"summary API `stale`: {dict(stale)} (stale means older than SUMMARY_STALE_AFTER)"
    )

    assert t_written - t_kill < 15  # the bound, far above what a quiet machine needs
    # / and the summary API answered 200 throughout; /health said why while Redis was away.
    assert {a[2] for a in poller.answers if a[1] != "/health"} == {200}
    assert any(a[3] and a[3].get("status") != "healthy" and "Redis" in str(health_cache_system(a[3])) for a in gap)
    # Replication lost the last entries; the backup kept those it had copied: history has no hole
    # (the backup also puts them back into the stream when it reconnects before anything newer is
    # written there; otherwise the history API reads them from the table), and nothing is stored twice.
    assert set(acked) - on_replica == {*lost, gone}
    assert set(acked) - {gone} <= in_backup
    assert len(stored) == len(set(stored))
    # Every client ends on the newest entry; those connected throughout got each new one once, in order.
    for client in clients[:CLIENTS]:
        new_ids = [sid for _, sid in client.updates if sid in set(after)]
        assert new_ids == after
    assert resumer.resynced and resumer.showing == after[-1]
    # Both groups on both streams exist on the new primary, with nothing left pending.
    for stream, infos in groups.items():
        assert {settings.RELAY_GROUP.encode(), BACKUP_GROUP.encode()} <= {info["name"] for info in infos}, stream
        assert all(info["pending"] == 0 for info in infos), stream


def test_a_paused_primary_that_answers_again_gets_no_more_writes(rig, settings):
    """A pause (or a partition) rather than a crash: the old primary answers again, still a primary
    until the sentinels demote it, seconds later. Writes on a connection pooled before the failover
    must go to the new primary, not to the old one whose demotion would discard them."""
    rig_env = rig.env()
    settings.REDIS_URL = rig_env["REDIS_URL"]
    settings.REDIS_SENTINELS = sentinel_nodes(rig_env["REDIS_SENTINELS"])
    settings.REDIS_SENTINEL_MASTER = rig_env["REDIS_SENTINEL_MASTER"]
    settings.REDIS_SENTINEL_PASSWORD = rig_env["REDIS_SENTINEL_PASSWORD"]
    settings.REDIS_SENTINEL_CHECK_INTERVAL = 0.2
    redis_clients_reset()
    client = redis_client()
    client.set("where", "before")  # a connection to the first primary, back in the pool
    old_port = rig.primary_port()
    old = rig.node(old_port).process
    os.kill(old.pid, signal.SIGSTOP)
    try:
        new_port = rig.wait_new_primary(old_port, 30)
    finally:
        os.kill(old.pid, signal.SIGCONT)
    assert rig.client(old_port).info("replication")["role"] == "master"  # not demoted yet
    deadline = time.monotonic() + 10
    while client.connection_pool.master_address != ("127.0.0.1", new_port):
        assert time.monotonic() < deadline, "the client never looked at the sentinels again"
        time.sleep(0.05)

    client.set("where", "after")

    assert rig.client(new_port).get("where") == b"after"
    redis_clients_reset()
