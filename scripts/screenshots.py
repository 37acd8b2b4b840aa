"""Render reports for the runs a new user meets and screenshot them in headless Chromium.

    python scripts/screenshots.py OUT_DIR [--chromium /usr/bin/chromium] [--repo PATH] [--only NAME]

The runs: the forum sample, a healthy reference run, a seeded synthetic run
with many findings, a run compared with a healthy reference (--compare), and
a CycleGAN log. For each report it writes OUT_DIR/<name>.ganlog.html and
three screenshots: the top of the page at 1280 px, the full page at 1280 px
and the top at 390 px (a phone), and prints the page height at both widths
and the smallest text drawn in the plots, in CSS pixels at each width.
``--repo`` renders with another checkout's ganlog (to measure "before").
The images are for looking at, not for committing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

#: the smallest font size (CSS px) of any text in an inline SVG plot, as displayed
MIN_PLOT_FONT_JS = """() => {
  let m = Infinity;
  for (const t of document.querySelectorAll('svg.plot text')) {
    const r = t.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;      // hidden variant
    const svg = t.ownerSVGElement;
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const size = parseFloat(getComputedStyle(t).fontSize) * scale;
    if (size < m) m = size;
  }
  return m === Infinity ? null : m;
}"""


def runs(out: Path, repo: Path) -> list[tuple[str, Path, list[Path]]]:
    import synthlogs

    ref = repo / "sample_logs" / "reference"
    return [
        ("forum", repo / "sample_logs" / "forum_bce.log", []),
        ("healthy", ref / "healthy-bce" / "train.log", []),
        ("many", synthlogs.troubled(out / "troubled.jsonl"), []),
        ("compare", ref / "gated-d" / "train.log", [ref / "healthy-bce" / "train.log"]),
        ("cyclegan", repo / "sample_logs" / "cyclegan_loss_log.log", []),
    ]


def render_reports(out: Path, repo: Path, only: str | None) -> list[Path]:
    from ganlog.analysis import analyze
    from ganlog.report import html

    reports = []
    for name, log, compare in runs(out, repo):
        if only and name != only:
            continue
        analysis = analyze(log)
        if compare:
            from ganlog.compare import analyze_references, attach_comparisons
            from ganlog.config import Config

            attach_comparisons(analysis, analyze_references(tuple(map(str, compare)), Config()))
        target = out / f"{name}.ganlog.html"
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
                heights = []
                for label, viewport, full in (("top", (1280, 900), False), ("full", (1280, 900), True),
                                              ("phone", (390, 844), False)):
                    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
                    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                               else route.abort())
                    page.goto(report.as_uri())
                    png = out / f"{report.name.replace('.ganlog.html', '')}-{label}.png"
                    page.screenshot(path=str(png), full_page=full)
                    if label != "full":
                        h = page.evaluate("() => document.documentElement.scrollHeight")
                        font = page.evaluate(MIN_PLOT_FONT_JS)
                        heights.append(f"{viewport[0]}px: {h:,} px tall, smallest plot text "
                                       f"{'-' if font is None else f'{font:.1f}'} px")
                    page.close()
                print(f"{report.name}: " + "; ".join(heights))
        finally:
            browser.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path, help="folder for the logs, reports and screenshots")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--repo", type=Path, default=HERE.parent, help="checkout whose ganlog renders")
    ap.add_argument("--only", default=None, help="one of forum, healthy, many, compare, cyclegan")
    args = ap.parse_args()
    sys.path[:0] = [str(args.repo.resolve()), str(HERE)]
    args.out.mkdir(parents=True, exist_ok=True)
    reports = render_reports(args.out, args.repo.resolve(), args.only)
    screenshot(reports, args.out, args.chromium)


if __name__ == "__main__":
    main()
