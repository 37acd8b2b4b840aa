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


def test_analyze_writes_nothing_by_default(run_ganlog, samples, tmp_path) -> None:
    log = tmp_path / "run.log"
    shutil.copy(samples / "forum_bce.log", log)
    proc = run_ganlog("analyze", str(log), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.log"]
    assert "HTML report" not in proc.stderr
    assert "Verdict" in proc.stdout and "<html" not in proc.stdout


def test_analyze_html_path_and_bare_html(run_ganlog, samples, tmp_path) -> None:
    log = tmp_path / "data" / "run.log"
    log.parent.mkdir()
    shutil.copy(samples / "forum_bce.log", log)
    elsewhere = tmp_path / "out" / "x.html"
    elsewhere.parent.mkdir()
    proc = run_ganlog("analyze", str(log), "--html", str(elsewhere))
    assert proc.returncode == 0 and elsewhere.is_file() and f"HTML report: {elsewhere}" in proc.stderr
    # bare --html: <stem>.ganlog.html in the current directory, never beside the data
    proc = run_ganlog("analyze", str(log), "--html", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "run.ganlog.html").is_file() and not (log.parent / "run.ganlog.html").exists()
    # the old flag still parses
    assert run_ganlog("analyze", str(log), "--no-html").returncode == 0


def test_analyze_html_never_overwrites_the_log(run_ganlog, samples, tmp_path) -> None:
    log = tmp_path / "run.log"
    shutil.copy(samples / "forum_bce.log", log)
    before = log.read_bytes()
    other = tmp_path / "other.log"
    shutil.copy(samples / "forum_bce.log", other)
    proc = run_ganlog("analyze", "--html", str(log), str(other))  # --html took run.log as its PATH
    assert proc.returncode == 2 and "not overwriting" in proc.stderr
    assert log.read_bytes() == before


def test_analyze_quiet_prints_the_verdict_only(run_ganlog, samples) -> None:
    proc = run_ganlog("analyze", str(samples / "forum_bce.log"), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("\n") == 1 and proc.stdout.startswith("forum_bce: Verdict: BROKEN")


def test_analyze_select_and_ignore(run_ganlog, samples) -> None:
    log = str(samples / "forum_bce.log")
    out = run_ganlog("analyze", log, "--select", "GAN2").stdout
    assert "GAN202" in out and "GAN101" not in out
    out = run_ganlog("analyze", log, "--ignore", "GAN202,GAN302").stdout
    assert "GAN202" not in out and "GAN302" not in out and "GAN101" in out
    proc = run_ganlog("analyze", log, "--select", "GAN999")
    assert proc.returncode == 2 and "--select" in proc.stderr and "Traceback" not in proc.stderr


def test_colour_follows_force_color_and_no_color(run_ganlog, samples) -> None:
    log = str(samples / "forum_bce.log")
    plain = run_ganlog("analyze", log).stdout
    assert "\x1b[" not in plain  # a pipe: no colour by default
    forced = run_ganlog("analyze", log, env={"FORCE_COLOR": "1", "NO_COLOR": ""}).stdout
    assert "\x1b[" in forced
    off = run_ganlog("analyze", log, env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout
    assert "\x1b[" not in off


def test_analyze_into_missing_directory_fails_cleanly(run_ganlog, samples, tmp_path) -> None:
    proc = run_ganlog("analyze", str(samples / "forum_bce.log"), "--html", str(tmp_path / "nope" / "r.html"))
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") <= 1 and "Traceback" not in proc.stderr
