"""HTTP throughput of `/` and the summary API beside two baselines, same server, same run.

Starts an embedded Redis and the project's fake upstream, stores one real summary through
external_apis' `summary_refresh()`, then serves bench/http_app.py with granian (one worker, as
`make run`) and drives each URL with wrk at 50 connections:

  /bench/asgi-constant    bare ASGI app sending the home page's bytes   (ceiling)
  /bench/django-constant  Django view returning the same bytes          (floor)
  /                       the home page (stored bytes, ASGI fast path)
  /api/crypto/dashboard-summary

    .venv/bin/python bench/http.py [--duration 10] [--connections 50] [--port 18500]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# This file is named like the standard library's `http` package: run as a script, its folder
# comes first on sys.path and would shadow it for urllib. Put the project root there instead.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

import urllib.request  # noqa: E402

from cryptodash.stack import redis_for  # noqa: E402

TARGETS = [
    ("bare ASGI (same bytes as /)", "/bench/asgi-constant"),
    ("bare Django view (same bytes)", "/bench/django-constant"),
    ("/", "/"),
    ("/api/crypto/dashboard-summary", "/api/crypto/dashboard-summary"),
]
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
        "s = summary_refresh(); print(sum(v is not None for k, v in s.items() if k.endswith('_price_usd')))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT, capture_output=True, text=True)
    print(f"stored a summary with {out.stdout.strip()} coin prices from the fake upstream")


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=18500)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2

    from islands.external_apis.fake_upstream.server import FakeUpstream

    metrics_dir = tempfile.mkdtemp(prefix="bench-prometheus-")
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
                    "bench.http_app:application",
                ],
                cwd=ROOT,
                env=env,
            )
            try:
                base = f"http://127.0.0.1:{args.port}"
                for _label, path in TARGETS:
                    wait_for(base + path)
                results = []
                for label, path in TARGETS:
                    wrk(base + path, duration=2, connections=args.connections, threads=args.threads)  # warm-up
                    results.append(
                        (
                            label,
                            wrk(
                                base + path, duration=args.duration, connections=args.connections, threads=args.threads
                            ),
                        )
                    )
            finally:
                server.terminate()
                server.wait(timeout=10)
        finally:
            fake.stop()
            shutil.rmtree(metrics_dir, ignore_errors=True)

    asgi = results[0][1]["rps"]
    django = results[1][1]["rps"]
    print(
        f"\n{platform.node()} · {os.cpu_count()} cores · {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} · "
        f"granian 1 worker · wrk -t{args.threads} -c{args.connections} -d{args.duration}s (same cores)\n"
    )
    print(f"| {'route':<34} | {'req/s':>9} | {'p50 ms':>7} | {'p99 ms':>7} | {'x bare ASGI':>11} | {'x Django':>8} |")
    print(f"|{'-' * 36}|{'-' * 11}:|{'-' * 8}:|{'-' * 8}:|{'-' * 12}:|{'-' * 9}:|")
    for label, r in results:
        flag = f" ({r['non2xx']} non-2xx!)" if r["non2xx"] else ""
        print(
            f"| {label:<34} | {r['rps']:>9,.0f} | {r['p50']:>7.2f} | {r['p99']:>7.2f} | "
            f"{r['rps'] / asgi:>11.2f} | {r['rps'] / django:>8.2f} |{flag}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
