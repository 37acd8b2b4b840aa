"""Reports and the paste page in a real headless Chromium (Playwright driving Debian's chromium)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ganlog.analysis import analyze
from ganlog.report import html

from .conftest import synthetic_analysis

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("GANLOG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium browser at {CHROMIUM} (install Debian's chromium, or set GANLOG_CHROMIUM)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def _page(browser, width: int = 1280, height: int = 900):
    page = browser.new_page(viewport={"width": width, "height": height})
    requests: list[str] = []

    def route(r) -> None:  # the report must not ask for anything beyond itself
        if r.request.url.startswith(("file:", "data:", "http://127.0.0.1")):
            r.continue_()
        else:
            requests.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.requests_blocked = requests  # type: ignore[attr-defined]
    return page


def test_report_renders_verdict_findings_and_screenshot(browser, tmp_path) -> None:
    an = synthetic_analysis()
    report = tmp_path / "broken.html"
    html.write(an, report)
    page = _page(browser)
    page.goto(report.as_uri())
    assert page.locator("h1").inner_text().strip() == "Broken"
    assert page.locator(".try-first .remedy-title").first.is_visible()
    items = page.locator(".finding-list li strong").all_inner_texts()
    assert items == [f.code for f in an.findings]
    # the CSS-only scale switch: log first (the D loss collapses), linear after a click on its label
    assert page.locator("figure.view-log").is_visible() and not page.locator("figure.view-linear").is_visible()
    page.click("label[for=scale-linear]")
    assert page.locator("figure.view-linear").is_visible() and not page.locator("figure.view-log").is_visible()
    # more remedies are one click away, folded
    assert page.locator("details.more-remedies").count() == 0 or not page.locator(
        "details.more-remedies ol").first.is_visible()
    shot = tmp_path / "broken.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    assert page.requests_blocked == []
    page.close()


def test_report_fits_a_phone_screen(browser, tmp_path, samples) -> None:
    report = tmp_path / "forum.html"
    html.write(analyze(samples / "forum_bce.log"), report)
    page = _page(browser, 390, 844)
    page.goto(report.as_uri())
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    assert page.locator("h1").is_visible()
    page.close()


#: the smallest text in any visible plot, in CSS px as displayed (scripts/screenshots.py prints the same)
MIN_PLOT_FONT_JS = """() => {
  let m = Infinity;
  for (const t of document.querySelectorAll('svg.plot text')) {
    const r = t.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const svg = t.ownerSVGElement;
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    m = Math.min(m, parseFloat(getComputedStyle(t).fontSize) * scale);
  }
  return m;
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_plot_text_is_readable_and_pages_are_short(browser, tmp_path, samples, width) -> None:
    report = tmp_path / "forum.html"
    html.write(analyze(samples / "forum_bce.log"), report)
    page = _page(browser, width, 844)
    page.goto(report.as_uri())
    assert page.evaluate(MIN_PLOT_FONT_JS) >= 10  # CSS px, as displayed (was 3.6 on a phone)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < (9000 if width == 1280 else 13000)  # was 11,316 and 15,438
    page.close()


@pytest.fixture
def server(repo_root):
    env = dict(os.environ, PYTHONPATH=str(repo_root), MPLBACKEND="Agg")
    proc = subprocess.Popen([sys.executable, "-m", "ganlog", "serve", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert match, line + proc.stderr.read() if proc.poll() is not None else line
        yield match.group(0)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_paste_page_in_the_browser(browser, server, samples) -> None:
    text = (samples / "forum_bce.log").read_text()
    expected = analyze(samples / "forum_bce.log")
    page = _page(browser)
    page.goto(server)
    page.fill("#log", text)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.locator("h1").inner_text().strip() == expected.verdict.capitalize()
    shown = page.locator(".finding-list li strong").all_inner_texts()
    assert shown == [f.code for f in expected.findings]
    page.close()


def test_paste_page_shows_the_error_line(browser, server) -> None:
    page = _page(browser)
    page.goto(server)
    page.fill("#log", "this is not a training log at all\nnothing here\n")
    with page.expect_navigation():
        page.click("button[type=submit]")
    error = page.locator("#error")
    if error.count():  # unreadable: the CLI's one line, on the page
        assert error.inner_text().startswith("ganlog: error: ")
        assert page.locator("#log").is_visible()
    else:  # a reader that accepts free text still gives a report
        assert page.locator("h1").inner_text().strip() in ("Healthy", "Needs attention", "Broken")
    page.close()


def test_dropped_file_is_analyzed(browser, server, samples) -> None:
    page = _page(browser)
    page.goto(server)
    page.set_input_files("#file", str(samples / "forum_bce.log"))
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "forum_bce" in page.locator(".run-name").inner_text()
    page.close()


def test_a_large_paste_shows_it_is_being_analyzed_and_a_failed_one_keeps_its_text(browser, server, samples) -> None:
    text = (samples / "forum_bce.log").read_text() * 300  # ~1.4 MB: seconds of work
    page = _page(browser)
    page.goto(server)
    assert not page.locator("#busy").is_visible()
    page.fill("#log", text)
    # what the page does on submit, without leaving it (a synthetic submit event does not send)
    page.evaluate("document.getElementById('paste-form').dispatchEvent(new Event('submit'))")
    busy = page.locator("#busy")
    assert busy.is_visible() and "Analyzing 1.4 MB" in busy.inner_text()
    with page.expect_navigation(timeout=120000):
        page.click("button[type=submit]")
    assert page.locator("a[href='/']").count() >= 1  # the report links back to the form
    page.goto(server)
    page.fill("#log", "not a log, but mine\n")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.locator("#error").is_visible()
    assert page.input_value("#log") == "not a log, but mine\n"
    page.close()
