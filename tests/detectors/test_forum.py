"""The forum question's logs (sample_logs/): D frozen and D dominant from epoch 3, saturation in the MSE run."""

from __future__ import annotations

import ganlog
from ganlog.detectors.base import Severity


def _by_code(analysis):
    out = {}
    for f in analysis.findings:
        out.setdefault(f.code, f)
    return out


def test_forum_bce_frozen_and_dominant_from_epoch_3_step_1100(samples) -> None:
    analysis = ganlog.analyze(samples / "forum_bce.log")
    found = _by_code(analysis)
    for code in ("GAN101", "GAN201", "GAN202"):
        assert code in found, [f.code for f in analysis.findings]
        f = found[code]
        assert f.severity >= Severity.WARNING
        assert analysis.run.describe_step(f.span.start) == "step 19,776 (epoch 3, iter 1,100)"
        assert analysis.run.describe_step(f.span.end) == "step 21,276 (epoch 3, iter 2,600)"
    assert found["GAN202"].evidence["equal_records"] == 16
    assert "< 0.139 = 10% of chance level 1.386 (bce_sum)" in found["GAN101"].message
    assert "epoch 3, iter 1,100" in found["GAN101"].message


def test_forum_bce_was_healthy_through_epoch_1(samples) -> None:
    analysis = ganlog.analyze(samples / "forum_bce.log")
    epoch1_end = float(analysis.run.frame.loc[analysis.run.frame["epoch"] == 1, "step"].max())
    loud = analysis.at_or_above(Severity.WARNING)
    assert loud and all(f.span.start > epoch1_end for f in loud)
    assert analysis.healthy_until == 19776


def test_forum_mse_saturation_at_zero(samples) -> None:
    analysis = ganlog.analyze(samples / "forum_mse.log")
    found = _by_code(analysis)
    assert "GAN205" in found
    f = found["GAN205"]
    assert f.evidence["side"] == 0 and f.severity == Severity.ERROR
    assert f.span.start == 400  # first record printing D(G(z)): 0.000000 / 0.000000
    assert "GAN202" not in found  # equal at 0 is saturation, not a frozen D
    assert "GAN101" in found


def test_cli_analyze_reports_the_forum_findings(run_ganlog, samples) -> None:
    proc = run_ganlog("analyze", str(samples / "forum_bce.log"))
    assert proc.returncode in (0, 1), proc.stderr
    out = proc.stdout
    for code in ("GAN101", "GAN201", "GAN202"):
        assert code in out
    assert "healthy until step 19,776 (epoch 3, iter 1,100)" in out
