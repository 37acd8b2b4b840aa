"""HTML report on a 1,000,000-record run: file size, render time, and browser open time.

    python benchmarks/report_bench.py [--records 1000000] [--out DIR] [--chromium /usr/bin/chromium]

Targets (issue 4): the report is under 3 MB and opens in a browser in under 2 s.
The baseline in the same run is the report of the 31-record forum sample.
The run is a seeded synthetic BCE run (healthy, then D wins and the losses go
NaN), built as a DataFrame: this measures the report, not a reader.
Browser time is navigation start to the load event, median of 5 loads, in
headless Chromium (Playwright).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "scripts")]

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def big_run(n: int):  # -> Run
    import numpy as np
    import pandas as pd

    import synthlogs
    from ganlog.frame import Run

    rng = np.random.default_rng(7)
    cols = synthlogs.healthy_columns(n, seed=7)
    k = int(n * 0.6)
    cols["d_x"][k:] = 1 - np.exp(rng.normal(-9, 1, n - k))
    cols["d_g_z1"][k:] = 1 / (1 + np.exp(-rng.normal(-3.5, 0.3, n - k)))
    cols["d_g_z2"][k:] = cols["d_g_z1"][k:] * 0.8
    cols.update(synthlogs.bce_losses(cols["d_x"], cols["d_g_z1"], cols["d_g_z2"], rng))
    cols["loss_g"][:50] *= 40  # early spikes: the log1p view is offered
    cols["loss_d"][int(n * 0.95):] = np.nan
    frame = pd.DataFrame({"step": np.arange(n, dtype=float), **cols})
    return Run.from_frame(frame, name=f"synthetic-{n}", source=f"synthetic-{n}")


def open_time(path: Path, chromium: str, repeat: int = 5) -> float:
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            for _ in range(repeat):
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(path.as_uri(), wait_until="load")
                ms = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
                times.append(ms / 1000.0)
                page.close()
        finally:
            browser.close()
    return statistics.median(times)


def measure(label: str, analysis_fn, out: Path, chromium: str) -> None:
    from ganlog.report import html

    t0 = time.perf_counter()
    analysis = analysis_fn()
    t1 = time.perf_counter()
    page = html.render(analysis)
    t2 = time.perf_counter()
    target = out / f"{label}.html"
    target.write_text(page, encoding="utf-8")
    size = target.stat().st_size
    load = open_time(target, chromium)
    print(f"{label:>14}: {len(analysis.run.frame):>9,} records, {len(analysis.findings)} findings | "
          f"analyze {t1 - t0:6.2f} s | render {t2 - t1:6.2f} s | {size / 1e6:5.2f} MB | browser load {load:5.2f} s"
          f"  ({target})")


def main() -> None:
    ap = argparse.ArgumentParser(description="HTML report size and open time on a large run")
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="ganlog-report-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    from ganlog.analysis import analyze

    measure("forum-baseline", lambda: analyze(REPO / "sample_logs" / "forum_bce.log"), out, args.chromium)
    measure(f"run-{args.records}", lambda: analyze(big_run(args.records)), out, args.chromium)


if __name__ == "__main__":
    main()
