"""Machine outputs of `ganlog check`: JSON shape, JUnit (parsed by junitparser), GitHub
workflow commands (escaped), Markdown step summary, and -o written atomically.

The renderers are pure functions of an Analysis, so most tests render a real run read
from a real DCGAN log together with findings chosen to be awkward (%, commas, colons,
newlines, pipes, control bytes, a crashed and a skipped detector).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped

from ganlog.analysis import Analysis
from ganlog.detectors import CrashedDetector, SkippedDetector
from ganlog.detectors.base import Finding, Severity, Span
from ganlog.judge import judge
from ganlog.readers import load
from ganlog.report import machine

AWKWARD = "D loss 0.01 < 0.10: 50% of chance, a,b | c\nsecond line <b>&amp; \x1b[31mred\x1b[0m"


@pytest.fixture(scope="module")
def crafted(tmp_path_factory) -> Analysis:
    from .conftest import dcgan_lines, write_log

    path = write_log(tmp_path_factory.mktemp("crafted") / "run.log", dcgan_lines(400, seed=5))
    run = load(path)
    return Analysis(
        run=run,
        findings=[
            Finding("GAN101", "d-loss-collapse", Severity.ERROR, 0.9, AWKWARD, Span(100, 399, 100, 399),
                    {"median": 0.01, "limit": 0.1, "odd": float("nan")}, ["ttur"]),
            Finding("GAN303", "plateau", Severity.WARNING, 0.6, "no progress over 200 steps",
                    Span(200, 399, 200, 399), {}, []),
            Finding("GAN501", "metric-degradation", Severity.INFO, 0.5, "FID 40 against best 30", None, {}, []),
        ],
        ran=["GAN101", "GAN303", "GAN501"],
        skipped=[SkippedDetector("GAN403", "vanishing-gradients", "needs grad_norm_d, not in this log")],
        crashed=[CrashedDetector("GAN302", "regime-change", "ValueError: boom\x00", "Traceback\x07 ...")],
    )


# -- JSON ---------------------------------------------------------------------------

def test_json_document_shape(crafted) -> None:
    doc = json.loads(machine.to_json(judge([crafted], Severity.WARNING)))
    assert doc["schema_version"] == machine.SCHEMA_VERSION == 2
    assert set(doc) == {"schema_version", "tool", "command", "fail_on", "fail_on_inconclusive", "passed",
                        "exit_code", "summary", "runs"}
    assert doc["tool"]["name"] == "ganlog" and doc["command"] == "check"
    assert (doc["fail_on"], doc["passed"], doc["exit_code"]) == ("warning", False, 1)
    assert doc["summary"] == {"runs": 1, "failed_runs": 1, "findings": {"error": 1, "warning": 1, "info": 1}}
    (run,) = doc["runs"]
    assert set(run) >= {"run", "verdict", "verdict_reason", "missing", "to_log", "healthy_until", "findings",
                        "detectors", "check"}
    assert run["run"]["records"] == 400 and run["run"]["format"] == "dcgan"
    assert [f["code"] for f in run["findings"]] == ["GAN101", "GAN303", "GAN501"]
    f0 = run["findings"][0]
    assert set(f0) == {"code", "name", "severity", "confidence", "message", "span", "evidence", "remedies"}
    assert f0["evidence"]["odd"] == "nan" and f0["span"]["start"] == 100
    assert run["check"] == {"passed": False, "failing": [0, 1], "failed_inconclusive": False, "baseline": None,
                            "input_errors": []}
    assert run["detectors"]["skipped"][0]["code"] == "GAN403"
    assert run["detectors"]["crashed"][0]["code"] == "GAN302"


def test_json_survives_array_and_object_evidence(crafted) -> None:
    import numpy as np

    odd = Finding("GAN301", "oscillation", Severity.WARNING, 0.5, "cycles", None,
                  {"periods": np.array([10.0, np.inf]), "where": Path("x"), "peak": np.float32(2.5)}, [])
    a = Analysis(run=crafted.run, findings=[odd], ran=["GAN301"])
    ev = json.loads(machine.to_json(judge([a], Severity.ERROR)))["runs"][0]["findings"][0]["evidence"]
    assert ev == {"periods": [10, "inf"], "where": "x", "peak": 2.5}


def test_json_exit_zero_keeps_the_verdict(crafted) -> None:
    doc = machine.check_to_dict(judge([crafted], Severity.ERROR, exit_zero=True))
    assert doc["passed"] is False and doc["exit_code"] == 0


# -- JUnit ---------------------------------------------------------------------------

def _junit(tmp_path: Path, result) -> JUnitXml:
    out = tmp_path / "ganlog.xml"
    out.write_text(machine.to_junit(result), encoding="utf-8")
    return JUnitXml.fromfile(str(out))


def test_junit_loads_in_junitparser_one_case_per_detector(crafted, tmp_path) -> None:
    xml = _junit(tmp_path, judge([crafted, crafted], Severity.ERROR))
    suites = list(xml)
    assert len(suites) == 2
    suite = suites[0]
    cases = {c.name: c for c in suite}
    assert sorted(cases) == ["GAN101 d-loss-collapse", "GAN302 regime-change", "GAN303 plateau",
                             "GAN403 vanishing-gradients", "GAN501 metric-degradation"]
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (5, 1, 1, 1)
    (fail,) = cases["GAN101 d-loss-collapse"].result
    assert isinstance(fail, Failure) and fail.type == "error"
    assert fail.message.startswith("D loss 0.01 < 0.10: 50% of chance, a,b | c")
    assert "try: Two time-scale update rule" in fail.text and "median=0.01" in fail.text
    assert "\x1b" not in fail.text
    assert cases["GAN303 plateau"].is_passed
    assert "no progress over 200 steps" in cases["GAN303 plateau"].system_out
    assert isinstance(cases["GAN403 vanishing-gradients"].result[0], Skipped)
    err = cases["GAN302 regime-change"].result[0]
    assert isinstance(err, Error) and "boom" in err.message
    assert cases["GAN101 d-loss-collapse"].classname == "ganlog.run"
    assert xml.tests == 10 and xml.failures == 2


def test_junit_failures_follow_fail_on(crafted, tmp_path) -> None:
    assert list(_junit(tmp_path, judge([crafted], Severity.INFO)))[0].failures == 3
    assert list(_junit(tmp_path, judge([crafted], Severity.WARNING)))[0].failures == 2


# -- GitHub annotations --------------------------------------------------------------

_GH = re.compile(r"^::(error|warning|notice) file=([^,:]*),title=([^,:]*)::(.*)$")


def _unescape(s: str) -> str:
    return s.replace("%0A", "\n").replace("%0D", "\r").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def test_github_one_command_per_finding_escaped(crafted) -> None:
    text = machine.to_github(judge([crafted], Severity.ERROR))
    lines = text.splitlines()
    assert len(lines) == 4  # three findings and the crashed detector
    parsed = [_GH.match(line) for line in lines]
    assert all(parsed), lines
    levels = [m.group(1) for m in parsed]
    assert levels == ["error", "warning", "notice", "warning"]
    m = parsed[0]
    assert _unescape(m.group(2)) == crafted.run.source
    assert _unescape(m.group(3)) == "GAN101 d-loss-collapse"
    msg = _unescape(m.group(4))
    assert msg.startswith("run: " + AWKWARD)
    assert "Try: Two time-scale update rule" in msg


@pytest.mark.parametrize("raw, data, prop", [
    ("50%", "50%25", "50%25"),
    ("a\nb\r", "a%0Ab%0D", "a%0Ab%0D"),
    ("x: y, z", "x: y, z", "x%3A y%2C z"),
    ("%0A", "%250A", "%250A"),
])
def test_github_escaping_rules(raw, data, prop) -> None:
    assert machine.gh_escape_data(raw) == data
    assert machine.gh_escape_property(raw) == prop


# -- Markdown ------------------------------------------------------------------------

def test_markdown_step_summary(crafted) -> None:
    md = machine.to_markdown(judge([crafted], Severity.WARNING))
    assert md.startswith("## ganlog check: ❌ failed")
    assert "| run | broken | 1 | 1 | 1 | **FAIL** |" in md
    rows = [line for line in md.splitlines() if line.startswith("| **error** | GAN101")]
    assert len(rows) == 1
    row = rows[0]
    assert "a,b \\| c second line &lt;b&gt;&amp;amp;" in row
    assert row.count(" | ") == 4  # five cells, the pipe in the message escaped
    assert "| **warning** | GAN303 plateau" in md and "| info | GAN501" in md
    assert "Not checked (columns not logged): GAN403" in md
    assert "**Detector crashed:** GAN302" in md


def test_markdown_passed(crafted) -> None:
    healthy = Analysis(run=crafted.run, ran=["GAN101"])
    md = machine.to_markdown(judge([healthy], Severity.ERROR))
    assert md.startswith("## ganlog check: ✅ passed") and "No findings from 1 detector." in md


# -- the command: formats to stdout and -o, atomically --------------------------------

@pytest.mark.parametrize("fmt, probe", [
    ("json", lambda t: json.loads(t)["schema_version"] == 2),
    ("junit", lambda t: t.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')),
    ("markdown", lambda t: t.startswith("## ganlog check: ")),
    ("github", lambda t: all(line.startswith("::") for line in t.splitlines())),
    ("text", lambda t: "ganlog check " in t and "Verdict:" in t),
])
def test_every_format_to_stdout_and_to_a_file(cli_run, samples, tmp_path, fmt, probe) -> None:
    res = cli_run("check", samples / "forum_bce.log", "--format", fmt, "--fail-on", "error", "--exit-zero")
    assert res.exit_code == 0, res.output
    assert probe(res.stdout)
    out = tmp_path / f"out.{fmt}"
    out.write_text("old contents")
    res2 = cli_run("check", samples / "forum_bce.log", "--format", fmt, "--exit-zero", "-o", out)
    assert res2.exit_code == 0 and res2.stdout == ""
    assert probe(out.read_text(encoding="utf-8"))
    assert "ganlog check" in res2.stderr  # diagnostics go to stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []  # no temp file left


def test_json_from_the_command_on_the_forum_samples(cli_run, samples) -> None:
    res = cli_run("check", samples / "forum_bce.log", samples / "forum_mse.log", "--format", "json",
                  "--exit-zero")
    doc = json.loads(res.stdout)
    assert [r["run"]["name"] for r in doc["runs"]] == ["forum_bce", "forum_mse"]
    assert [r["run"]["records"] for r in doc["runs"]] == [31, 12]
    for r in doc["runs"]:
        bad = [i for i, f in enumerate(r["findings"]) if f["severity"] == "error"]
        assert r["check"]["failing"] == bad
        assert r["check"]["passed"] is (not bad)


def test_junit_from_the_command_for_a_directory_of_runs(cli_run, tmp_path) -> None:
    from .conftest import dcgan_lines, write_log

    runs = tmp_path / "runs"
    for name, seed in (("a", 1), ("b", 2)):
        (runs / name).mkdir(parents=True)
        write_log(runs / name / "train.log", dcgan_lines(300, seed=seed))
    (runs / "notes.bin").write_bytes(b"\x00\x01\x02 not a log")
    res = cli_run("check", runs, "--format", "junit", "--exit-zero")
    assert res.exit_code == 0, res.output
    xml = JUnitXml.fromstring(res.stdout)
    names = [s.name for s in xml]
    # the directory reader names each run by its path inside the folder
    assert names == ["ganlog: a/train", "ganlog: b/train"]
    from ganlog.detectors import registry

    for suite in xml:
        assert suite.tests == len(registry())


def test_forum_bce_sample_fails_in_junit_with_its_known_symptoms(cli_run, samples, tmp_path) -> None:
    """The forum log where D won and stopped updating: GAN101 and GAN202 are its diagnosis."""
    from ganlog.detectors import registry

    expected = [c for c in ("GAN101", "GAN202") if c in registry()]
    if not expected:
        pytest.skip("GAN101/GAN202 not registered yet")
    out = tmp_path / "ganlog.xml"
    res = cli_run("check", samples / "forum_bce.log", "--fail-on", "error", "--format", "junit", "-o", out)
    assert res.exit_code == 1, res.output
    (suite,) = list(JUnitXml.fromfile(str(out)))
    failed = {c.name.split()[0] for c in suite if c.is_failure}
    assert set(expected) <= failed
    assert suite.failures == len(failed) and suite.tests == len(registry())
    gh = cli_run("check", samples / "forum_bce.log", "--format", "github").stdout.splitlines()
    for code in expected:
        assert any(line.startswith("::error file=") and f"title={code} " in line for line in gh)
