"""`ganlog report` and the HTML options of `ganlog analyze`, run as a user runs them."""

from __future__ import annotations

import shutil


def test_report_writes_only_the_report(run_ganlog, samples, tmp_path) -> None:
    out = tmp_path / "report.html"
    proc = run_ganlog("report", str(samples / "forum_bce.log"), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert str(out) in proc.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "forum_bce" in page
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # atomic: no temp file left


def test_report_to_stdout(run_ganlog, samples) -> None:
    proc = run_ganlog("report", str(samples / "forum_bce.log"), "-o", "-")
    assert proc.returncode == 0 and proc.stdout.startswith("<!DOCTYPE html>")


def test_report_of_unreadable_input_is_one_line_exit_2(run_ganlog, tmp_path) -> None:
    bad = tmp_path / "weights.bin"
    bad.write_bytes(b"\x00\x01\x02" * 100)
    proc = run_ganlog("report", str(bad), "-o", str(tmp_path / "r.html"))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("ganlog: error: ") and "weights.bin" in proc.stderr
    assert not (tmp_path / "r.html").exists()


def test_analyze_writes_report_next_to_input_by_default(run_ganlog, samples, tmp_path) -> None:
    log = tmp_path / "run.log"
    shutil.copy(samples / "forum_bce.log", log)
    proc = run_ganlog("analyze", str(log), cwd=tmp_path.parent)
    assert proc.returncode == 0, proc.stderr
    target = tmp_path / "run.ganlog.html"
    assert target.is_file() and f"HTML report: {target}" in proc.stderr
    assert "Verdict" in proc.stdout and "<html" not in proc.stdout


def test_analyze_html_path_and_no_html(run_ganlog, samples, tmp_path) -> None:
    log = tmp_path / "run.log"
    shutil.copy(samples / "forum_bce.log", log)
    proc = run_ganlog("analyze", str(log), "--no-html")
    assert proc.returncode == 0 and not (tmp_path / "run.ganlog.html").exists()
    assert "HTML report" not in proc.stderr
    elsewhere = tmp_path / "out" / "x.html"
    elsewhere.parent.mkdir()
    proc = run_ganlog("analyze", str(log), "--html", str(elsewhere))
    assert proc.returncode == 0 and elsewhere.is_file() and not (tmp_path / "run.ganlog.html").exists()


def test_analyze_stdin_writes_report_in_cwd(run_ganlog, samples, tmp_path) -> None:
    proc = run_ganlog("analyze", "-", input=(samples / "forum_bce.log").read_bytes(), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "stdin.ganlog.html").is_file()


def test_analyze_into_missing_directory_fails_cleanly(run_ganlog, samples, tmp_path) -> None:
    proc = run_ganlog("analyze", str(samples / "forum_bce.log"), "--html", str(tmp_path / "nope" / "r.html"))
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") <= 1 and "Traceback" not in proc.stderr
