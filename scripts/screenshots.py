"""Render reports for three runs and screenshot them in headless Chromium.

    python scripts/screenshots.py OUT_DIR [--chromium /usr/bin/chromium]

Writes into OUT_DIR: the logs (a healthy DCGAN-format run and a JSONL run with
many findings, generated and seeded), the three reports (the forum sample, the
healthy run, the troubled run) and, for each report, a desktop screenshot of
the top of the page, a full-page one and a phone-width one. Prints each file
with its size. The images are for looking at, not for committing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(HERE)]

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def render_reports(out: Path) -> list[Path]:
    import synthlogs

    from ganlog.analysis import analyze
    from ganlog.report import html

    logs = [
        REPO / "sample_logs" / "forum_bce.log",
        synthlogs.healthy(out / "healthy.log"),
        synthlogs.troubled(out / "troubled.jsonl"),
    ]
    reports = []
    for log in logs:
        analysis = analyze(log)
        target = out / f"{log.stem}.ganlog.html"
        html.write(analysis, target)
        print(f"{target}  {target.stat().st_size:,} bytes  {analysis.verdict}, "
              f"{len(analysis.findings)} findings: {' '.join(f.code for f in analysis.findings)}")
        reports.append(target)
    return reports


def screenshot(reports: list[Path], out: Path, chromium: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            for report in reports:
                for label, viewport, full in (("top", (1280, 900), False), ("full", (1280, 900), True),
                                              ("phone", (390, 844), False)):
                    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
                    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                               else route.abort())
                    page.goto(report.as_uri())
                    png = out / f"{report.name.replace('.ganlog.html', '')}-{label}.png"
                    page.screenshot(path=str(png), full_page=full)
                    page.close()
                    print(f"{png}  {png.stat().st_size:,} bytes")
        finally:
            browser.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("out", type=Path, help="folder for the logs, reports and screenshots")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    reports = render_reports(args.out)
    screenshot(reports, args.out, args.chromium)


if __name__ == "__main__":
    main()
