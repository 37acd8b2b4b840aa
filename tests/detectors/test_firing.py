"""Every detector fires on its case, read back from a real-format log, and says where it started."""

from __future__ import annotations

import pytest

from ganlog.detectors.base import Severity

from . import simulate as sim

# scenario, family, log format, the code that must fire, its least severity
CASES = [
    ("d-collapse", "bce_sum", "dcgan", "GAN101", Severity.ERROR),
    ("d-collapse", "bce_mean", "dcgan", "GAN101", Severity.ERROR),
    ("d-collapse", "lsgan", "dcgan", "GAN101", Severity.ERROR),
    ("d-collapse", "hinge", "jsonl", "GAN101", Severity.ERROR),
    ("d-collapse", "bce_sum", "dcgan", "GAN201", Severity.WARNING),
    ("d-collapse", "bce_sum", "dcgan", "GAN302", Severity.INFO),
    ("g-runaway", "bce_sum", "dcgan", "GAN102", Severity.WARNING),
    ("g-runaway", "lsgan", "dcgan", "GAN102", Severity.WARNING),
    ("d-failing", "bce_sum", "dcgan", "GAN103", Severity.WARNING),
    ("d-failing", "bce_mean", "dcgan", "GAN103", Severity.WARNING),
    ("d-frozen", "bce_sum", "dcgan", "GAN202", Severity.ERROR),
    ("d-frozen", "lsgan", "dcgan", "GAN202", Severity.ERROR),
    ("flatline", "bce_sum", "dcgan", "GAN203", Severity.ERROR),
    ("clamp", "bce_sum", "dcgan", "GAN204", Severity.ERROR),
    ("saturation", "bce_sum", "dcgan", "GAN205", Severity.ERROR),
    ("oscillation", "bce_sum", "dcgan", "GAN301", Severity.WARNING),
    ("oscillation", "lsgan", "dcgan", "GAN301", Severity.WARNING),
    ("plateau", "bce_sum", "jsonl", "GAN303", Severity.WARNING),
    ("nan", "bce_sum", "jsonl", "GAN401", Severity.ERROR),
    ("nan", "bce_sum", "dcgan", "GAN401", Severity.ERROR),
    ("divergence", "lsgan", "jsonl", "GAN402", Severity.ERROR),
    ("vanishing", "bce_sum", "jsonl", "GAN403", Severity.WARNING),
    ("exploding", "bce_sum", "jsonl", "GAN404", Severity.WARNING),
    ("exploding-spikes", "bce_sum", "jsonl", "GAN404", Severity.WARNING),
    ("fid-degradation", "bce_sum", "jsonl", "GAN501", Severity.WARNING),
    ("diversity-collapse", "bce_sum", "jsonl", "GAN502", Severity.WARNING),
]


@pytest.mark.parametrize("scenario, family, fmt, code, severity", CASES,
                         ids=[f"{c[3]}-{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_detector_fires_on_its_case(analyze_sim, scenario, family, fmt, code, severity) -> None:
    run = sim.failing(scenario, family, n=600, seed=3, onset=0.5)
    analysis = analyze_sim(run, fmt)
    assert not analysis.crashed
    hits = [f for f in analysis.findings if f.code == code]
    assert hits, f"{code} did not fire on {scenario}: {[f.code for f in analysis.findings]}"
    f = hits[0]
    assert f.severity >= severity
    assert f.span is not None
    # the failure starts at record 300; the finding must not claim the healthy half
    first_row = f.span.start_index
    assert 240 <= first_row <= 460, (code, first_row, f.message)
    assert f.evidence and f.message and f.remedies
    assert 0 < f.confidence <= 1


def test_healthy_until_is_the_onset(analyze_sim) -> None:
    run = sim.failing("d-frozen", "bce_sum", n=600, seed=5, onset=0.6)
    analysis = analyze_sim(run)
    assert analysis.verdict == "broken"
    assert analysis.healthy_until is not None
    assert 340 <= analysis.healthy_until <= 380


def test_messages_state_observed_against_limit(analyze_sim) -> None:
    analysis = analyze_sim(sim.failing("d-collapse", "bce_sum", seed=2))
    f = next(f for f in analysis.findings if f.code == "GAN101")
    assert "D loss median" in f.message and "< 0.139 = 10% of chance level 1.386 (bce_sum)" in f.message
    assert f.evidence["limit"] == pytest.approx(0.1386, abs=1e-3)
    assert f.evidence["median"] < f.evidence["limit"]


def test_oscillation_reports_period(analyze_sim) -> None:
    analysis = analyze_sim(sim.failing("oscillation", "bce_sum", seed=4))
    f = next(f for f in analysis.findings if f.code == "GAN301")
    assert f.evidence["period_steps"] == pytest.approx(40, rel=0.15)
    assert f.evidence["decaying"] is False
    assert "period about" in f.message and "not decaying" in f.message


def test_config_parameters_change_the_limit(analyze_sim) -> None:
    from ganlog.config import Config

    run = sim.failing("d-collapse", "bce_sum", seed=2)
    strict = analyze_sim(run, config=Config(params={"GAN101": {"fraction": 0.0001}}))
    assert "GAN101" not in [f.code for f in strict.findings]


def test_decaying_oscillation_is_only_info(analyze_sim) -> None:
    analysis = analyze_sim(sim.failing("oscillation-decaying", "bce_sum", seed=1))
    f = next(f for f in analysis.findings if f.code == "GAN301")
    assert f.severity == Severity.INFO and f.evidence["decaying"] is True
    assert f.evidence["amplitude_last"] < 0.5 * f.evidence["amplitude_first"]
    assert not analysis.at_or_above(Severity.WARNING)


def test_mode_collapse_loss_signature_is_low_confidence_info(analyze_sim) -> None:
    analysis = analyze_sim(sim.failing("g-spread-collapse", "bce_sum", seed=2), "jsonl")
    f = next(f for f in analysis.findings if f.code == "GAN502")
    assert f.severity == Severity.INFO and f.confidence <= 0.35
    assert "log a diversity statistic" in f.message
    assert f.span.start_index >= 280
