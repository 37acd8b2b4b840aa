"""The reference runs the trainer wrote into sample_logs/reference/: labelled ground truth.

These need no torch: the runs are committed. Each failure must trigger the
codes its manifest expects, no run may trigger its must-not codes, and a
healthy run must raise no warning or error -- read from train.log (what users
have) and from metrics.jsonl (every logged column).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ganlog
from ganlog.detectors.base import Severity

REFERENCE = Path(__file__).resolve().parents[2] / "sample_logs" / "reference"
RUNS = sorted(p.name for p in REFERENCE.iterdir() if (p / "scenario.json").is_file()) if REFERENCE.is_dir() else []


def _manifest(name: str) -> dict:
    return json.loads((REFERENCE / name / "scenario.json").read_text())


def test_reference_runs_exist():
    healthy = {"healthy-bce", "healthy-lsgan", "healthy-hinge", "healthy-wgan-gp"}  # one per loss family
    assert healthy | {"gated-d", "dead-d", "oscillation", "nan-divergence"} <= set(RUNS)


@pytest.mark.parametrize("name", [n for n in RUNS if _manifest(n)["loss_family"]])
def test_loss_family_is_inferred_from_the_log(name):
    """As a user runs it: no family given, only the printed DCGAN-format lines."""
    m = _manifest(name)
    run = ganlog.load(REFERENCE / name / m["files"]["log"])
    assert run.loss_family.name == m["loss_family"]


@pytest.mark.parametrize("name", [n for n in RUNS if _manifest(n)["kind"] == "healthy"])
def test_healthy_reference_log_is_healthy_with_an_inferred_family(name):
    analysis = ganlog.analyze(REFERENCE / name / _manifest(name)["files"]["log"])
    assert analysis.verdict == "healthy", [f.message for f in analysis.findings]
    assert not [f for f in analysis.findings if f.severity >= Severity.WARNING]


@pytest.mark.parametrize("name", RUNS)
def test_reference_run_meets_its_manifest(name):
    m = _manifest(name)
    analysis = ganlog.analyze(REFERENCE / name / m["files"]["jsonl"], loss_family=m["loss_family"])
    codes = {f.code for f in analysis.findings}
    assert set(m["expected_codes"]) <= codes, (name, sorted(codes))
    bad = {f.code for f in analysis.findings
           if f.code in m["must_not_codes"] and (m["kind"] != "healthy" or f.severity >= Severity.WARNING)}
    assert not bad, (name, [f.message for f in analysis.findings if f.code in bad])
    if m["kind"] == "healthy":
        assert analysis.verdict == "healthy", [f.message for f in analysis.findings]


@pytest.mark.parametrize("name", RUNS)
def test_reference_log_and_jsonl_agree(name):
    m = _manifest(name)
    log = ganlog.load(REFERENCE / name / m["files"]["log"])
    jl = ganlog.load(REFERENCE / name / m["files"]["jsonl"])
    assert log.frame["step"].tolist() == jl.frame["step"].tolist()
    a, b = log.frame["loss_d"].to_numpy(), jl.frame["loss_d"].to_numpy()
    finite = b == b
    assert (abs(a[finite] - b[finite]) <= 5e-5 + 1e-4 * abs(b[finite])).all()


def test_compare_against_the_healthy_reference(run_ganlog, tmp_path):
    html = tmp_path / "r.html"
    proc = run_ganlog("analyze", str(REFERENCE / "gated-d" / "train.log"), "--html", str(html),
                      "--compare", str(REFERENCE / "healthy-bce"))
    assert proc.returncode in (0, 1), proc.stderr
    out = " ".join(proc.stdout.split())  # the summary wraps long lines
    assert "Compared with healthy-bce (" in out
    assert "D(G(z)) is identical before and after D's step in" in out
    page = html.read_text()
    assert "Compared with" in page and "is identical before and after D" in page
