"""HTTP throughput of every cacheable page beside two baselines, same server, same run.

Starts an embedded Redis and the project's fake upstream, stores one real summary and market
table through external_apis' `summary_refresh()` and `markets_refresh()`, migrates and seeds the sample reports, then
serves bench/http_app.py with the web server of `make run` (one worker, the launcher's command line;
`--servers granian,uvicorn` starts both, on two ports, and rotates every target through both in
each round, so the servers are compared in the same run) and drives each URL with wrk at 50
connections:

  /bench/asgi/<route>     bare ASGI app sending the bytes the site answers for <route>, its status
                          line and every header included (its ceiling on this server;
                          `--bare-headers minimal`: the body with a type and length only)
  /bench/django-page      Django view returning the bytes of / (the Django floor)
  /admin/login/           Django admin's login form: a page Django renders on every request
                          (a template, a CSRF cookie), never cached
  each cacheable route    /, the summary API, /crypto_report, /crypto_report/<id>, the list and
                          its page 2, /rss.xml, /sitemap.xml, /robots.txt, /markets,
                          /coin/bitcoin: the page cache
                          (shared_components/page_cache.py) replaying what Django rendered

and the two Django-rendered targets again through Django's stock ASGIHandler (`/bench/stock/...`,
the handler the site used before cryptodash/django_http.py), so "before" and "after" share the
run. `/admin/login/` is also measured on a stock Django project (bench/stock_django.py: what
startproject generates, served by granian's WSGI interface, one worker): what Django itself does
with that page on this machine. Goal for every Django-rendered response: >= 1,500 req/s per worker (DJANGO_FLOOR_GOAL).

    .venv/bin/python -m bench.http [--duration 5] [--rounds 3] [--connections 50] [--port 18500]
        [--only TEXT] [--servers uvicorn,granian] [--server-arg=--runtime-threads=2]
        [--bare-headers same|minimal]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cryptodash.stack.commands import DEFAULT_WEB_SERVER, web_command
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
STOCK_PROJECT = "a stock Django project (granian WSGI)"


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
        "--servers", default=DEFAULT_WEB_SERVER, help="comma-separated: granian, uvicorn (ports --port, --port+1...)"
    )
    parser.add_argument(
        "--server-arg",
        action="append",
        default=[],
        help="extra argument for every server, e.g. --server-arg=--runtime-threads=2 (repeatable)",
    )
    parser.add_argument(
        "--bare-headers",
        choices=("same", "minimal"),
        default="same",
        help="the bare apps send the site's very answer (same: every header) or its body with a type and length only",
    )
    args = parser.parse_args()
    servers = args.servers.split(",")
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2

    # granian listens with SO_REUSEPORT: a server left on this port (an interrupted run) would
    # silently take half of the requests, and its worker would double the figures. (A test bind
    # would also fail on the TIME_WAIT sockets of the previous run: ask whether anyone answers.)
    for port in range(args.port, args.port + len(servers)):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        except OSError:
            continue
        print(f"port {port} is in use (a server from an interrupted run?); pick another with --port", file=sys.stderr)
        return 2

    metrics_dir = tempfile.mkdtemp(prefix="bench-prometheus-")
    stock_dir = tempfile.mkdtemp(prefix="bench-stock-django-")
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
            env["BENCH_BARE_HEADERS"] = args.bare_headers
            targets = list(DJANGO_ROUTES.items())
            targets += [(label + STOCK, STOCK_PREFIX + path) for label, path in DJANGO_ROUTES.items()]
            for label, path in measured:
                targets += [(bare_label(label), "/bench/asgi" + path.replace("?", "/")), (label, path)]
            if args.only:
                targets = [(label, path) for label, path in targets if any(text in label for text in args.only)]
            processes = {
                server: subprocess.Popen(
                    [
                        *shlex.split(
                            web_command(
                                server, host="127.0.0.1", port=str(port), workers="1", app="bench.http_app:application"
                            )
                        ),
                        *args.server_arg,
                    ],
                    cwd=ROOT,
                    env=env,
                )
                for port, server in enumerate(servers, start=args.port)
            }
            bases = {server: f"http://127.0.0.1:{port}" for port, server in enumerate(servers, start=args.port)}
            stock_port = args.port + len(servers)
            stock_base = f"http://127.0.0.1:{stock_port}"
            stock_targets = [(label, path) for label, path in targets if path == "/admin/login/"]
            if stock_targets:
                stock_env = {
                    **os.environ,
                    "DJANGO_SETTINGS_MODULE": "bench.stock_django",
                    "STOCK_DJANGO_DIR": stock_dir,
                }
                subprocess.run(
                    [sys.executable, "-m", "bench.stock_django", "migrate", "-v", "0"],
                    check=True,
                    env=stock_env,
                    cwd=ROOT,
                )
                processes[STOCK_PROJECT] = subprocess.Popen(
                    shlex.split(
                        f"{Path(sys.executable).parent}/granian --interface wsgi --host 127.0.0.1 --port {stock_port} "
                        "--workers 1 --no-access-log bench.stock_django:application"
                    ),
                    cwd=ROOT,
                    env=stock_env,
                )
            try:
                for server, base in [*bases.items(), *([(STOCK_PROJECT, stock_base)] if stock_targets else [])]:
                    for _label, path in targets if server != STOCK_PROJECT else stock_targets:
                        http_wait(base + path, process=processes[server], status_ok=True)
                        # warm-up: first renders, connections, caches
                        wrk(base + path, duration=2, connections=args.connections, threads=args.threads)
                # Rounds rotate through the targets (and servers), so load from anything else on the
                # machine falls on all of them alike; each figure is the median of its rounds.
                runs: dict[tuple[str, str], list[dict[str, float]]] = {
                    (server, label): [] for server in servers for label, _path in targets
                }
                runs.update({(STOCK_PROJECT, label): [] for label, _path in stock_targets})
                bases[STOCK_PROJECT] = stock_base
                for _round in range(args.rounds):
                    for label, path in targets:
                        for server, base in bases.items():
                            if (server, label) not in runs:
                                continue
                            runs[server, label].append(
                                wrk(
                                    base + path,
                                    duration=args.duration,
                                    connections=args.connections,
                                    threads=args.threads,
                                )
                            )
                results = {
                    server: [
                        (
                            label,
                            {
                                key: statistics.median(run[key] for run in runs[server, label])
                                for key in runs[server, label][0]
                            },
                        )
                        for label, _path in targets
                        if (server, label) in runs
                    ]
                    for server in [*servers, STOCK_PROJECT]
                }
            finally:
                # Under load a server can take longer to drain; the numbers are already taken.
                for process in processes.values():
                    process_stop(process, timeout=10)
        finally:
            fake.stop()
            shutil.rmtree(metrics_dir, ignore_errors=True)
            shutil.rmtree(stock_dir, ignore_errors=True)

    below = []
    for server in servers:
        below += table(server, results[server], args, load_before)
    if len(servers) > 1:
        first = dict(results[servers[0]])
        for server in servers[1:]:
            print(f"\n{server} / {servers[0]} req/s, same run:")
            for label, r in results[server]:
                print(f"  {label:<52} {r['rps'] / first[label]['rps']:.2f}")
    for label, stock in results[STOCK_PROJECT]:
        print(
            f"\n{label} on {STOCK_PROJECT}: {stock['rps']:,.0f} req/s (p50 {stock['p50']:.2f} ms); the site, same run:"
        )
        for server in servers:
            site = dict(results[server])[label]
            print(f"  {server}: {site['rps']:,.0f} req/s = {site['rps'] / stock['rps']:.2f}x the stock project")
    print(
        f"\nDjango floor goal >= {DJANGO_FLOOR_GOAL:,} req/s per worker: "
        + (f"below it: {', '.join(below)}" if below else "met by every Django-rendered target")
    )
    return 0


def table(server: str, results: list[tuple[str, dict[str, float]]], args: argparse.Namespace, load: str) -> list[str]:
    """Print one server's table; the Django-rendered targets below the goal."""
    by_label = dict(results)
    django = by_label.get(DJANGO_FLOOR, {}).get("rps")
    print(
        f"\n{platform.node()} · {os.cpu_count()} cores · {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} · "
        f"{server} 1 worker {' '.join(args.server_arg)} · "
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s x {args.rounds} rounds, "
        f"medians (same cores) · load average before: {load} · bare apps send "
        + ("the site's answer, every header" if args.bare_headers == "same" else "the body, type and length only")
        + "\n"
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
            below.append(f"{label} ({server})")
    return below


if __name__ == "__main__":
    sys.exit(main())
