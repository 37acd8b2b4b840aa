"""--baseline: a detector that fires now and not then, fires earlier, or more severely."""

from __future__ import annotations

import json

import pytest

from ganlog.analysis import Analysis
from ganlog.baseline import compare
from ganlog.detectors.base import Finding, Severity, Span
from ganlog.judge import judge
from ganlog.readers import load


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from .conftest import dcgan_lines, write_log

    return load(write_log(tmp_path_factory.mktemp("bl") / "r.log", dcgan_lines(1000, seed=7)))


def _f(code: str, start: float, sev: Severity = Severity.ERROR) -> Finding:
    return Finding(code, code.lower(), sev, 0.8, f"{code} observed", Span(start, 999, int(start), 999))


def test_new_earlier_more_severe_and_unchanged(run) -> None:
    base = Analysis(run, findings=[_f("GAN202", 500), _f("GAN303", 600, Severity.WARNING),
                                   _f("GAN301", 400)])
    now = Analysis(run, findings=[_f("GAN101", 300), _f("GAN202", 200), _f("GAN303", 610),
                                  _f("GAN301", 350)])
    cmp = compare(now, base)
    kinds = {r.code: r.kind for r in cmp.regressions}
    # GAN303 became an error; GAN301 starts 50 steps earlier, within 10% of 999 steps: not a regression
    assert kinds == {"GAN101": "new", "GAN202": "earlier", "GAN303": "more-severe"}
    earlier = next(r for r in cmp.regressions if r.code == "GAN202")
    assert (earlier.now_start, earlier.baseline_start) == (200, 500)
    assert "step 200" in earlier.message and "step 500" in earlier.message
    judged = judge([now], Severity.ERROR, baselines=[cmp])
    assert sorted(f.code for f in judged.runs[0].failing) == ["GAN101", "GAN202", "GAN303"]
    assert judged.exit_code == 1


def test_nothing_worse_passes_even_with_errors(run) -> None:
    base = Analysis(run, findings=[_f("GAN101", 300)])
    now = Analysis(run, findings=[_f("GAN101", 320)])
    cmp = compare(now, base)
    assert cmp.regressions == []
    res = judge([now], Severity.ERROR, baselines=[cmp])
    assert res.passed and res.exit_code == 0
    assert res.runs[0].in_baseline(now.findings[0])


def test_tolerance_is_a_fraction_of_the_baseline_steps(run) -> None:
    base = Analysis(run, findings=[_f("GAN101", 300)])
    now = Analysis(run, findings=[_f("GAN101", 250)])
    assert compare(now, base, tolerance=0.10).regressions == []
    assert [r.kind for r in compare(now, base, tolerance=0.01).regressions] == ["earlier"]


# -- the command, on real logs (needs a registered detector that fires on the collapse) --

def test_check_against_a_healthy_baseline_fails_on_the_new_symptom(cli_run, logs, firing) -> None:
    res = cli_run("check", logs.collapse, "--baseline", logs.healthy, "--set", f"select={firing}",
                  "--format", "json")
    assert res.exit_code == 1, res.output
    regs = json.loads(res.stdout)["runs"][0]["check"]["baseline"]["regressions"]
    assert [(r["code"], r["kind"]) for r in regs] == [(firing, "new")]


def test_check_against_itself_passes(cli_run, logs, firing) -> None:
    res = cli_run("check", logs.collapse, "--baseline", logs.collapse, "--set", f"select={firing}")
    assert res.exit_code == 0, res.output
    assert "nothing got worse" in res.stdout


def test_collapsing_earlier_than_the_baseline_fails(cli_run, logs, firing) -> None:
    worse = cli_run("check", logs.collapse, "--baseline", logs.late_collapse, "--set", f"select={firing}")
    assert worse.exit_code == 1, worse.output
    assert "earlier" in worse.stdout
    better = cli_run("check", logs.late_collapse, "--baseline", logs.collapse, "--set", f"select={firing}")
    assert better.exit_code == 0, better.output


def test_baseline_must_be_readable(cli_run, logs, tmp_path) -> None:
    res = cli_run("check", logs.healthy, "--baseline", tmp_path / "missing.log")
    assert res.exit_code == 2 and "missing.log" in res.stderr
