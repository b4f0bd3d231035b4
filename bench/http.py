"""HTTP throughput of every cacheable page beside two baselines, same server, same run.

Starts an embedded Redis and the project's fake upstream, stores one real summary and market
table through external_apis' `summary_refresh()` and `markets_refresh()`, migrates and seeds
the sample reports, then serves
bench/http_app.py with granian (one worker, as `make run`) and drives each URL with wrk at 50
connections:

  /bench/asgi/<route>     bare ASGI app sending the bytes the site answers for <route> (its ceiling)
  /bench/django-page      Django view returning the bytes of / (the Django floor)
  /admin/login/           Django admin's login form: a page Django renders on every request
                          (a template, a CSRF cookie), never cached
  each cacheable route    /, the summary API, /crypto_report, /crypto_report/<id>, the list and
                          its page 2, /rss.xml, /sitemap.xml, /robots.txt, /markets,
                          /coin/bitcoin: the page cache
                          (shared_components/page_cache.py) replaying what Django rendered

and the two Django-rendered targets again through Django's stock ASGIHandler (`/bench/stock/...`,
the handler the site used before cryptodash/django_http.py), so "before" and "after" share the
run. Goal for every Django-rendered response: >= 1,500 req/s per worker (DJANGO_FLOOR_GOAL).

    .venv/bin/python -m bench.http [--duration 5] [--rounds 3] [--connections 50] [--port 18500]
        [--only TEXT] [--granian-arg=--runtime-threads=2]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cryptodash.stack.processes import http_wait, process_stop
from cryptodash.stack.redis_server import redis_for
from islands.external_apis.fake_upstream.server import FakeUpstream

ROOT = Path(__file__).resolve().parent.parent

DJANGO_FLOOR = "bare Django view, bytes of /"
# Rendered by Django on every request (the page cache's misses and uncached pages depend on it),
# each also measured through Django's stock ASGI handler (label suffix STOCK).
DJANGO_ROUTES = {DJANGO_FLOOR: "/bench/django-page", "/admin/login/": "/admin/login/"}
STOCK = ", stock handler"
STOCK_PREFIX = "/bench/stock"
DJANGO_FLOOR_GOAL = 1500


def routes(report_id: int) -> list[tuple[str, str]]:
    """(label, path) of every cacheable route measured; each has its bare ASGI baseline."""
    return [
        ("/", "/"),
        ("/api/crypto/dashboard-summary", "/api/crypto/dashboard-summary"),
        ("/crypto_report", "/crypto_report"),
        ("/crypto_report/<id>", f"/crypto_report/{report_id}"),
        ("/crypto_reports_list", "/crypto_reports_list"),
        ("/crypto_reports_list?page=2", "/crypto_reports_list?page=2"),
        ("/rss.xml", "/rss.xml"),
        ("/sitemap.xml", "/sitemap.xml"),
        ("/robots.txt", "/robots.txt"),
        ("/markets", "/markets"),
        ("/coin/bitcoin", "/coin/bitcoin"),
    ]


def bare_label(label: str) -> str:
    return f"bare ASGI, bytes of {label}"


KEYS = {"CMC_API_KEY": "bench-cmc", "TAAPI_SECRET": "bench-taapi", "FINNHUB_API_KEY": "bench-finnhub"}


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, *, duration: int, connections: int, threads: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    percentiles = {p: _ms(v, u) for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": percentiles["50"],
        "p99": percentiles["99"],
        "non2xx": int(errors.group(1)) if errors else 0,
    }


def store_summary(env: dict[str, str]) -> None:
    code = (
        "import django; django.setup();"
        "from islands.external_apis.services import summary_refresh;"
        "from islands.external_apis.market_ingest import markets_refresh;"
        "s = summary_refresh(); print(sum(v is not None for k, v in s.items() if k.endswith('_price_usd')));"
        "print(markets_refresh())"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT, capture_output=True, text=True)
    prices, table = out.stdout.split()
    print(f"stored a summary with {prices} coin prices and market table {table} from the fake upstream")


def reports_prepare(env: dict[str, str]) -> int:
    """Migrate, seed the sample reports (a no-op when reports exist); the newest report's id."""
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], check=True, env=env, cwd=ROOT)
    subprocess.run([sys.executable, "manage.py", "seed_reports"], check=True, env=env, cwd=ROOT, capture_output=True)
    code = (
        "import django; django.setup();"
        "from islands.crypto_reports.selectors import report_latest; print(report_latest().id)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT, capture_output=True, text=True)
    return int(out.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per target per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=18500)
    parser.add_argument(
        "--only", action="append", default=[], help="only the routes whose label contains this text (repeatable)"
    )
    parser.add_argument(
        "--granian-arg",
        action="append",
        default=[],
        help="extra granian argument, e.g. --granian-arg=--runtime-threads=2 (repeatable)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2

    # granian listens with SO_REUSEPORT: a server left on this port (an interrupted run) would
    # silently take half of the requests, and its worker would double the figures. (A test bind
    # would also fail on the TIME_WAIT sockets of the previous run: ask whether anyone answers.)
    try:
        socket.create_connection(("127.0.0.1", args.port), timeout=0.5).close()
    except OSError:
        pass
    else:
        print(
            f"port {args.port} is in use (a server from an interrupted run?); pick another with --port", file=sys.stderr
        )
        return 2

    metrics_dir = tempfile.mkdtemp(prefix="bench-prometheus-")
    load_before = " ".join(f"{value:.1f}" for value in os.getloadavg())
    with redis_for("bench") as redis_url:
        fake = FakeUpstream(seed=11).start()
        try:
            env = {
                **os.environ,
                **fake.base_urls(),
                **KEYS,
                "REDIS_URL": redis_url,
                "DATA_MODE": "simulated",
                "DJANGO_SETTINGS_MODULE": "cryptodash.settings",
                "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
                "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
                # The bench measures serving: no fetch may start while wrk runs.
                "LOG_LEVEL": "WARNING",
            }
            store_summary(env)
            report_id = reports_prepare(env)
            measured = routes(report_id)
            env["BENCH_PATHS"] = ",".join(path for _label, path in measured)
            targets = list(DJANGO_ROUTES.items())
            targets += [(label + STOCK, STOCK_PREFIX + path) for label, path in DJANGO_ROUTES.items()]
            for label, path in measured:
                targets += [(bare_label(label), "/bench/asgi" + path.replace("?", "/")), (label, path)]
            if args.only:
                targets = [(label, path) for label, path in targets if any(text in label for text in args.only)]
            server = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "granian"),
                    "--interface",
                    "asgi",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(args.port),
                    "--workers",
                    "1",
                    "--no-access-log",
                    *args.granian_arg,
                    "bench.http_app:application",
                ],
                cwd=ROOT,
                env=env,
            )
            try:
                base = f"http://127.0.0.1:{args.port}"
                for _label, path in targets:
                    http_wait(base + path, process=server, status_ok=True)
                for _label, path in targets:  # warm-up: first renders, connections, caches
                    wrk(base + path, duration=2, connections=args.connections, threads=args.threads)
                # Rounds rotate through the targets, so load from anything else on the machine falls
                # on all of them alike; each figure is the median of its rounds.
                runs: dict[str, list[dict[str, float]]] = {label: [] for label, _path in targets}
                for _round in range(args.rounds):
                    for label, path in targets:
                        runs[label].append(
                            wrk(base + path, duration=args.duration, connections=args.connections, threads=args.threads)
                        )
                results = [
                    (label, {key: statistics.median(run[key] for run in runs[label]) for key in runs[label][0]})
                    for label, _path in targets
                ]
            finally:
                # Under load granian can take longer to drain; the numbers are already taken.
                process_stop(server, timeout=10)
        finally:
            fake.stop()
            shutil.rmtree(metrics_dir, ignore_errors=True)

    by_label = dict(results)
    django = by_label.get(DJANGO_FLOOR, {}).get("rps")
    print(
        f"\n{platform.node()} · {os.cpu_count()} cores · {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} · "
        f"granian 1 worker {' '.join(args.granian_arg)} · "
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s x {args.rounds} rounds, "
        f"medians (same cores) · load average before: {load_before}\n"
    )
    print(
        f"| {'route':<52} | {'req/s':>9} | {'p50 ms':>7} | {'p99 ms':>7} | {'x its bare ASGI':>15} | {'x Django':>8} "
        f"| {'x stock handler':>15} |"
    )
    print(f"|{'-' * 54}|{'-' * 10}:|{'-' * 8}:|{'-' * 8}:|{'-' * 16}:|{'-' * 9}:|{'-' * 16}:|")
    below = []
    for label, r in results:
        bare = bare_label(label)
        ratio = f"{r['rps'] / by_label[bare]['rps']:.2f}" if bare in by_label else ""
        versus_django = f"{r['rps'] / django:.2f}" if django else ""
        stock = by_label.get(label + STOCK)
        versus_stock = f"{r['rps'] / stock['rps']:.2f}" if stock else ""
        flag = f" ({r['non2xx']:.0f} non-2xx!)" if r["non2xx"] else ""
        print(
            f"| {label:<52} | {r['rps']:>9,.0f} | {r['p50']:>7.2f} | {r['p99']:>7.2f} | {ratio:>15} | "
            f"{versus_django:>8} | {versus_stock:>15} |{flag}"
        )
        if label in DJANGO_ROUTES and r["rps"] < DJANGO_FLOOR_GOAL:
            below.append(label)
    print(
        f"\nDjango floor goal >= {DJANGO_FLOOR_GOAL:,} req/s per worker: "
        + (f"below it: {', '.join(below)}" if below else "met by every Django-rendered target")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
