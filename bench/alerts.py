"""Alerts: evaluation cost per stream entry with 100,000 active alerts, and fire-to-delivery latency.

1. Evaluation: 100,000 active alerts (above and below, spread over +-50 % of each price) on 100
   coins of the market table, in the database. Each crypto:markets entry moves every coin's price
   by a small random step. Per entry, the evaluator's decision (`Evaluator.decide`: the entry's
   predecessor from Redis, both entries' values, the sorted index) beside a brute-force loop over
   all 100,000 alerts deciding the same crossings, timed alternately in the same run; p50/p99 (ms)
   and the number of crossings per entry. The two must agree entry by entry.
2. XADD -> alert frame: the web server of `make run`, `manage.py evaluate_alerts` and a WebSocket
   client signed in as the alert's owner; the time from the XADD of a crossing entry to the alert
   frame on the socket (the 100,000 alerts stay in the index; only the measured coin moves).
3. XADD -> mail: the same with a Celery worker and Django's file e-mail backend; the time from the
   XADD to the mail file appearing.

Runs against REDIS_URL, or an embedded redis-server when it is unset; its own SQLite database.

    .venv/bin/python -m bench.alerts [--alerts 100000] [--entries 300] [--latency-rounds 20]
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import django
import orjson

from cryptodash.stack.commands import DEFAULT_WEB_SERVER, web_command
from cryptodash.stack.processes import free_port, http_wait, process_stop
from cryptodash.stack.redis_server import redis_for

BASE_DIR = Path(__file__).resolve().parent.parent
COINS = 100


def pct(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.01)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=300)
    parser.add_argument("--latency-rounds", type=int, default=20)
    args = parser.parse_args()

    run_dir = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    mail_dir = run_dir / "mail"
    with redis_for("bench") as url:
        env = {
            **os.environ,
            "REDIS_URL": url,
            "CRYPTODASH_RUN_DIR": str(run_dir),
            "DJANGO_SETTINGS_MODULE": "cryptodash.settings",
            "ALERTS_COOLDOWN_S": "0",
            "ALERTS_MAX_PER_USER": str(args.alerts + 10),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
            "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "CONSUMER_BLOCK_MS": "100",
            "CONSUMER_HEARTBEAT_INTERVAL": "0.2",
        }
        os.environ.update(env)
        django.setup()
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True
        )
        evaluation(args)
        latency(args, env, mail_dir)


def evaluation(args: argparse.Namespace) -> None:
    from django.conf import settings  # noqa: PLC0415
    from django.contrib.auth import get_user_model  # noqa: PLC0415

    from islands.alerts.evaluator import Evaluator, alerts_consumer, index_rows  # noqa: PLC0415
    from islands.alerts.index import brute_force_crossings  # noqa: PLC0415
    from islands.alerts.models import Alert  # noqa: PLC0415
    from islands.cache_system.redis_client import redis_client  # noqa: PLC0415
    from islands.cache_system.services import markets_store  # noqa: PLC0415
    from islands.cache_system.stores import stream_store  # noqa: PLC0415

    redis_client().flushdb()
    rng = random.Random(42)
    get_user_model().objects.bulk_create(
        [get_user_model()(username=f"u{n}@bench.test", email=f"u{n}@bench.test") for n in range(1_000)]
    )
    users = list(get_user_model().objects.filter(username__endswith="@bench.test"))
    base = {f"coin-{n}": 10 ** rng.uniform(-2, 4) for n in range(COINS)}
    alerts = []
    for n in range(args.alerts):
        coin = f"coin-{n % COINS}"
        alerts.append(
            Alert(
                user=users[n % len(users)],
                kind=rng.choice(("price_above", "price_below")),
                coin=coin,
                currency="usd",
                threshold=round(base[coin] * rng.uniform(0.5, 1.5), 6),
            )
        )
    Alert.objects.bulk_create(alerts, batch_size=5_000)

    evaluator = Evaluator()
    started = time.perf_counter()
    index = evaluator.index_refresh()
    build_ms = (time.perf_counter() - started) * 1000
    rows = index_rows()
    alerts_consumer(consumer="bench", block_ms=10).prepare()

    prices = dict(base)
    for _ in range(args.entries + 1):
        for coin in prices:
            prices[coin] *= 1 + rng.gauss(0, 0.002)
        table = {"coins": [{"id": coin, "price_usd": price} for coin, price in prices.items()]}
        markets_store(table=table)
    stream_entries = stream_store().range(settings.STREAM_MARKETS)[1:]

    decide_ms, brute_ms, index_ms, loop_ms, fired = [], [], [], [], []
    clock = time.perf_counter
    for entry in stream_entries:
        # Both sides read and parse the entry's predecessor (and the summary's rates), as after a
        # restart: the difference is the sorted index against a look at every alert.
        evaluator._values.clear()
        start = clock()
        decisions = evaluator.decide(index, settings.STREAM_MARKETS, entry)
        middle = clock()
        evaluator._values.clear()
        before = stream_store().revrange(settings.STREAM_MARKETS, end=f"({entry.id}", count=1)[0]
        prev_values = evaluator.values(index, settings.STREAM_MARKETS, before)
        cur_values = evaluator.values(index, settings.STREAM_MARKETS, entry)
        brute = brute_force_crossings(rows, prev_values, cur_values)
        end = clock()
        indexed = index.crossings(prev_values, cur_values)
        after_index = clock()
        brute_force_crossings(rows, prev_values, cur_values)
        after_loop = clock()
        decide_ms.append((middle - start) * 1000)
        brute_ms.append((end - middle) * 1000)
        index_ms.append((after_index - end) * 1000)
        loop_ms.append((after_loop - after_index) * 1000)
        fired.append(len(decisions))
        if sorted(d.alert_id for d in decisions) != sorted(brute) or len(indexed) != len(brute):
            raise SystemExit(f"index and brute force disagree on {entry.id}")
    print(f"alerts: {index.size:,} active on {len(index.keys)} keys; index built in {build_ms:.0f} ms")
    crossings = f"crossings per entry p50 {pct(fired, 50):.0f}, max {max(fired)}"
    print(f"entries: {len(stream_entries)} of {COINS} coins; {crossings}")
    print(f"{'per entry (ms)':<44}{'p50':>9}{'p99':>9}")
    print(f"{'evaluator decide (Redis read + index)':<44}{pct(decide_ms, 50):>9.3f}{pct(decide_ms, 99):>9.3f}")
    print(f"{'same reads + brute force loop (baseline)':<44}{pct(brute_ms, 50):>9.3f}{pct(brute_ms, 99):>9.3f}")
    print(f"{'  the index alone':<44}{pct(index_ms, 50):>9.3f}{pct(index_ms, 99):>9.3f}")
    print(f"{'  the loop over every alert alone':<44}{pct(loop_ms, 50):>9.3f}{pct(loop_ms, 99):>9.3f}")


def mails_count(mail_dir: Path) -> int:
    """Messages in the file backend's outbox. Not files: the backend names a file by the second and
    its instance's id, so two mails in one second may share one file."""
    if not mail_dir.exists():
        return 0
    return sum(path.read_text(errors="replace").count("\nSubject: ") for path in mail_dir.iterdir())


def latency(args: argparse.Namespace, env: dict[str, str], mail_dir: Path) -> None:
    from allauth.account.models import EmailAddress  # noqa: PLC0415
    from django.conf import settings  # noqa: PLC0415
    from django.contrib.auth import get_user_model  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from websockets.sync.client import connect  # noqa: PLC0415

    from islands.alerts.models import Alert  # noqa: PLC0415
    from islands.cache_system.redis_client import redis_client  # noqa: PLC0415
    from islands.cache_system.selectors import heartbeat_age  # noqa: PLC0415
    from islands.cache_system.services import markets_store  # noqa: PLC0415

    owner = get_user_model().objects.create_user(
        username="owner@bench.test", email="owner@bench.test", password="x" * 16
    )
    EmailAddress.objects.create(user=owner, email=owner.email, primary=True, verified=True)
    Alert.objects.create(user=owner, kind="price_above", coin="bench-coin", currency="usd", threshold=1.0)
    Alert.objects.create(user=owner, kind="price_below", coin="bench-coin", currency="usd", threshold=1.0)
    client = Client()
    client.force_login(owner)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    # The evaluation's entries are gone: the evaluator starts on an empty stream and a new group.
    redis_client().flushdb()
    port = free_port()
    child = {**env, "PORT": str(port)}
    web = subprocess.Popen(
        shlex.split(
            web_command(os.environ.get("WEB_SERVER", DEFAULT_WEB_SERVER), host="127.0.0.1", port=str(port), workers="1")
        ),
        cwd=BASE_DIR,
        env=child,
    )
    evaluator = subprocess.Popen(
        [sys.executable, "manage.py", "evaluate_alerts", "--consumer", "bench-e2e"], cwd=BASE_DIR, env=child
    )
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "--quiet", "-A", "cryptodash", "worker", "--concurrency", "1",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"],
        cwd=BASE_DIR,
        env=child,
    )  # fmt: skip
    try:
        http_wait(f"http://127.0.0.1:{port}/robots.txt", process=web, timeout=180)
        wait_until(lambda: heartbeat_age(name="alerts") is not None, 180, "the evaluator's heartbeat")
        others = [{"id": f"coin-{n}", "price_usd": 1.0} for n in range(COINS)]  # constant: no fires

        def xadd(price: float) -> float:
            started = time.perf_counter()
            markets_store(table={"coins": [{"id": "bench-coin", "price_usd": price}, *others]})
            return started

        xadd(0.9)
        frame_ms, mail_ms = [], []
        with connect(
            f"ws://127.0.0.1:{port}/ws",
            origin=f"http://127.0.0.1:{port}",
            additional_headers={"Cookie": cookie},
        ) as socket:
            time.sleep(1.0)  # the evaluator's index has the two alerts; the socket's hub joined
            price = 0.9
            # Round 0 is a warm-up, not measured: the Celery worker may still be starting.
            for round_no in range(args.latency_rounds + 1):
                price = 1.1 if price < 1 else 0.9
                mails_before = mails_count(mail_dir)
                started = xadd(price)
                while True:
                    frame = orjson.loads(socket.recv(timeout=60))
                    if frame.get("type") == "alert":
                        frame_at = time.perf_counter()
                        break
                wait_until(
                    lambda n=mails_before: mails_count(mail_dir) > n,
                    120 if round_no == 0 else 30,
                    "the mail",
                )
                if round_no:
                    frame_ms.append((frame_at - started) * 1000)
                    mail_ms.append((time.perf_counter() - started) * 1000)
        for label, samples in (("alert frame on the owner socket", frame_ms), ("mail in the file outbox", mail_ms)):
            print(f"{label:<44}{pct(samples, 50):>9.1f}{pct(samples, 99):>9.1f}{max(samples):>9.1f}")
        print(f"rounds: {len(frame_ms)}")
    finally:
        for process in (worker, evaluator, web):
            process_stop(process)


if __name__ == "__main__":
    main()
