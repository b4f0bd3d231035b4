"""Time-series chart libraries in Chromium: bytes shipped and time to draw a 1 h and a 1 y series.

Compares the hand-written SVG line chart (static/js/charts.js createLineChart, the baseline),
uPlot through static/js/timechart.js (what the site uses) and TradingView lightweight-charts (the
other candidate, read from an `npm pack` directory given with --lwc, optional). Each draw is
timed from the call to the second animation frame after it (lightweight-charts paints in
requestAnimationFrame, uPlot in a microtask), median of --repeat runs, in a fresh
page per library. Series: 1 h at 10 s (360 points) and 1 y at 1 h (8,760 points).

    .venv/bin/python -m bench.charts [--lwc /tmp/x/package/dist/lightweight-charts.standalone.production.js]
"""

from __future__ import annotations

import argparse
import gzip
import statistics
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SERIES = {"1h@10s": (360, 10_000), "1y@1h": (8_760, 3_600_000)}

FRAMES = "window.frames2 = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));"

DRAW = {
    "svg (baseline)": """async ([n, step]) => {
      const el = document.getElementById('c'); el.textContent = '';
      const now = Date.now(), labels = [], values = [];
      for (let i = 0; i < n; i++) { labels.push(String(i)); values.push(100 + Math.sin(i / 30) * 10); }
      const t0 = performance.now();
      createLineChart(el, {labels, values}, {width: 960, height: 300, area: true});
      await frames2();
      return performance.now() - t0;
    }""",
    "uPlot": """async ([n, step]) => {
      const el = document.getElementById('c'); el.textContent = '';
      const now = Date.now(), pts = [];
      for (let i = 0; i < n; i++) pts.push([now - (n - i) * step, 100 + Math.sin(i / 30) * 10]);
      const t0 = performance.now();
      const c = CryptodashCharts.timeSeries(el, pts, {label: 'x'});
      await frames2();
      const ms = performance.now() - t0; c.destroy(); return ms;
    }""",
    "lightweight-charts": """async ([n, step]) => {
      const el = document.getElementById('c'); el.textContent = '';
      const now = Math.floor(Date.now() / 1000), pts = [];
      for (let i = 0; i < n; i++) pts.push({time: now - (n - i) * step / 1000, value: 100 + Math.sin(i / 30) * 10});
      const t0 = performance.now();
      const chart = LightweightCharts.createChart(el, {width: 960, height: 300});
      chart.addSeries(LightweightCharts.AreaSeries).setData(pts);
      await frames2();
      const ms = performance.now() - t0; chart.remove(); return ms;
    }""",
}


def sizes(paths: list[Path]) -> tuple[int, int]:
    raw = b"".join(p.read_bytes() for p in paths)
    return len(raw), len(gzip.compress(raw, 9))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lwc", type=Path, help="lightweight-charts standalone production build")
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    libs = {
        "svg (baseline)": [ROOT / "static/js/charts.js"],
        "uPlot": [
            ROOT / "static/vendor/uplot/uPlot.iife.min.js",
            ROOT / "static/js/timechart.js",
        ],
    }
    if args.lwc:
        libs["lightweight-charts"] = [args.lwc]
    print(f"{'library':<20} {'bytes':>8} {'gzip':>7}  " + "  ".join(f"{k + ' ms p50':>14}" for k in SERIES))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, paths in libs.items():
            page = browser.new_page(viewport={"width": 1000, "height": 800})
            page.set_content("<div id='c' style='width:960px'></div>")
            page.add_script_tag(content=FRAMES)
            for path in paths:
                page.add_script_tag(path=str(path))
            page.add_style_tag(path=str(ROOT / "static/vendor/uplot/uPlot.min.css"))
            times = []
            for n, step in SERIES.values():
                page.evaluate(DRAW[name], [n, step])  # warm-up (JIT, fonts)
                runs = [page.evaluate(DRAW[name], [n, step]) for _ in range(args.repeat)]
                times.append(statistics.median(runs))
            raw, gz = sizes(paths)
            print(f"{name:<20} {raw:>8,} {gz:>7,}  " + "  ".join(f"{t:>14.1f}" for t in times))
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
