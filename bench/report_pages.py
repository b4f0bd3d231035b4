"""CPU per request of the report pages, in-process, beside the cheapest Django view (robots.txt).

Runs Django's test client (sync handler, no server, no network) against the newest sample report
on an embedded Redis, so the figures are the views' own cost — what a page cache miss (or a
request the page cache leaves to Django) pays: the report page, its 304 to If-None-Match (Django's
conditional_page, after rendering), the list page, and the sandboxed report document. Stored
answers are replayed in front of Django (shared_components/page_cache.py; `bench.http`). Rounds
rotate through the cases; each figure is the median.

    .venv/bin/python -m bench.report_pages [--requests 200] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import django
from django.test import Client

from cryptodash.stack.redis_server import redis_for
from islands.cache_system.services import summary_store

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per case per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with redis_for("bench") as redis_url:
        os.environ.update(
            REDIS_URL=redis_url,
            DJANGO_SETTINGS_MODULE="cryptodash.settings",
            STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
            LOG_LEVEL="WARNING",
        )
        for command in (["migrate", "--noinput", "-v", "0"], ["seed_reports"]):
            subprocess.run([sys.executable, "manage.py", *command], check=True, cwd=ROOT, capture_output=True)
        return measure(args.requests, args.rounds)


def measure(requests: int, rounds: int) -> int:
    django.setup()
    # It imports the models, which need Django set up, which must wait for the Redis URL.
    from islands.crypto_reports.selectors import report_latest  # noqa: PLC0415 - needs django.setup()

    summary_store(summary={"btc_price_usd": 1.0})  # tiles render a value, as on a live site
    report = report_latest()
    client = Client(HTTP_HOST="127.0.0.1")
    page = f"/crypto_report/{report.id}"
    etag = client.get(page)["ETag"]

    cases = {
        "robots.txt (baseline)": lambda: client.get("/robots.txt"),
        "report page, rendered": lambda: client.get(page),
        "report page, 304": lambda: client.get(page, HTTP_IF_NONE_MATCH=etag),
        "list page 1, rendered": lambda: client.get("/crypto_reports_list"),
        # The document answers only a frame's request, as a browser marks it.
        "report document (sandboxed)": lambda: client.get(
            f"{page}/document?report_lang=vi", HTTP_SEC_FETCH_DEST="iframe"
        ),
    }
    for name, case in cases.items():
        response = case()
        if response is not None and response.status_code not in (200, 304):
            raise SystemExit(f"{name}: HTTP {response.status_code}")
    timings: dict[str, list[float]] = {name: [] for name in cases}
    for _round in range(rounds):
        for name, case in cases.items():
            started = time.process_time()
            for _ in range(requests):
                case()
            timings[name].append((time.process_time() - started) / requests * 1000)

    baseline = statistics.median(timings["robots.txt (baseline)"])
    print(
        f"\n{os.cpu_count()} cores · {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} · "
        f"{requests} requests x {rounds} rounds, medians · load average {os.getloadavg()[0]:.1f}\n"
    )
    print(f"| {'case':<30} | {'CPU ms/request':>14} | {'x robots.txt':>12} |")
    print(f"|{'-' * 32}|{'-' * 15}:|{'-' * 13}:|")
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"| {name:<30} | {median:>14.2f} | {median / baseline:>12.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
