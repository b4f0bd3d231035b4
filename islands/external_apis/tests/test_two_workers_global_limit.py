"""Two worker processes driving the same source at once stay inside its global quota, counted
where it matters: at the (fake) upstream."""

import subprocess
import sys
import time
from pathlib import Path

from cryptodash.celery import app
from islands.external_apis.selectors import rate_limit_status
from islands.external_apis.tests.conftest import calls, process_env

CELERY = str(Path(sys.executable).parent / "celery")
TASKS = 40


def test_two_workers_never_exceed_coingeckos_quota(fake_upstream, settings, redis_conn, tmp_path):
    env = process_env(fake_upstream, settings.REDIS_URL, RATE_LIMIT_COINGECKO="10/minute")
    logs = [tmp_path / "w1.log", tmp_path / "w2.log"]
    command = [CELERY, "-A", "cryptodash", "worker", "--pool", "threads", "--concurrency", "4", "--loglevel", "INFO"]
    workers = [
        subprocess.Popen(
            [*command, "--hostname", f"w{n}@%h", "--without-gossip", "--without-mingle"],
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        for n, log in enumerate(logs, 1)
    ]
    try:
        deadline = time.monotonic() + 30
        while len(app.control.ping(timeout=0.5) or []) < 2:
            assert time.monotonic() < deadline, "workers did not start"
        for _ in range(TASKS):
            app.send_task("islands.external_apis.tasks.feed_refresh", kwargs={"feed": "global"})
        deadline = time.monotonic() + 30
        while sum(log.read_text().count("succeeded") for log in logs) < TASKS:
            assert time.monotonic() < deadline, "tasks did not finish"
            time.sleep(0.2)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=15)

    made = len([row for row in calls(fake_upstream, "coingecko") if row["path"].endswith("/global")])
    assert 1 <= made <= 10
    assert rate_limit_status()["coingecko"]["remaining"] == 10 - made
    assert all("succeeded" in log.read_text() for log in logs)  # both workers took part
