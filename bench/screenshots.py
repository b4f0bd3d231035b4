"""Screenshots of the site for docs/screenshots/: every page at 1366 px and 390 px, vi/light and en/dark.

Starts the demo stack (`python -m cryptodash.stack demo`: the fake upstream, simulated data, the
sample reports) on a free port, waits for its first data, lets the history fill for --settle
seconds, shoots, and stops the stack; or shoots an already running site with --url. Pages: `/`,
`/markets` and `/coin/bitcoin` (skipped while they answer 404), the latest report, its print view
and the list. Files: docs/screenshots/<page>-<lang>-<theme>-<width>.png. Not a benchmark: it
prints what it saved.

    .venv/bin/python -m bench.screenshots [--url http://127.0.0.1:8050] [--settle 60] [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PAGES = {
    "home": "/",
    "markets": "/markets",
    "coin-bitcoin": "/coin/bitcoin",
    "report": "/crypto_report",
    "list": "/crypto_reports_list",
}
VARIANTS = (("vi", "light"), ("en", "dark"))
WIDTHS = {1366: 900, 390: 844}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_of(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except OSError:
        return 0, ""


def stack_start(port: int) -> subprocess.Popen:
    env = dict(os.environ, PORT=str(port), HOST="127.0.0.1")
    return subprocess.Popen(
        [sys.executable, "-m", "cryptodash.stack", "demo"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: one signal stops every process of it
    )


def stack_stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def data_wait(base: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, body = status_of(f"{base}/?lang=en")
        if status == 200 and 'id="dashboard"' in body:
            return
        time.sleep(1)
    raise SystemExit(f"no market data on {base}/ within {timeout:.0f} s")


def shoot(base: str, out: Path) -> list[Path]:
    saved = []
    pages = {name: path for name, path in PAGES.items() if status_of(base + path)[0] == 200}
    skipped = sorted(set(PAGES) - set(pages))
    if skipped:
        print(f"skipped (not 200 on this site): {', '.join(skipped)}")
    if "report" in pages:
        # The print view of the report the latest-report page shows.
        body = status_of(base + "/crypto_report")[1]
        marker = 'id="report-print-link" class="button button--ghost" href="'
        if marker in body:
            pages["print"] = body.split(marker, 1)[1].split('"', 1)[0].replace("&amp;", "&")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for lang, theme in VARIANTS:
            for width, height in WIDTHS.items():
                context = browser.new_context(
                    viewport={"width": width, "height": height},
                    color_scheme=theme,
                    device_scale_factor=1,
                    is_mobile=width < 500,
                    has_touch=width < 500,
                    # The browser's zone becomes the site's display zone (a cookie set by the page).
                    timezone_id="Asia/Ho_Chi_Minh",
                    locale="vi-VN" if lang == "vi" else "en-GB",
                )
                page = context.new_page()
                for name, path in pages.items():
                    # The choices ride on every address: each page shows them whatever it caches.
                    sep = "&" if "?" in path else "?"
                    page.goto(f"{base}{path}{sep}lang={lang}&theme={theme}", wait_until="networkidle")
                    page.wait_for_timeout(1500)  # charts draw after their data arrives
                    target = out / f"{name}-{lang}-{theme}-{width}.png"
                    # A full-page shot paints only the visible part of a sandboxed (out-of-process)
                    # frame: the window is made as tall as the page instead.
                    full = page.evaluate("document.documentElement.scrollHeight")
                    page.set_viewport_size({"width": width, "height": max(height, full)})
                    page.wait_for_timeout(500)
                    page.screenshot(path=str(target))
                    page.set_viewport_size({"width": width, "height": height})
                    saved.append(target)
                context.close()
        browser.close()
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running site to shoot (default: start the demo stack)")
    parser.add_argument("--settle", type=float, default=60, help="seconds of data to collect before shooting")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    process = None
    base = (args.url or "").rstrip("/")
    try:
        if not base:
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            print(f"starting the demo stack on {base}")
            process = stack_start(port)
            data_wait(base, timeout=240)
            time.sleep(args.settle)
        for path in shoot(base, args.out):
            print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    finally:
        if process is not None:
            stack_stop(process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
