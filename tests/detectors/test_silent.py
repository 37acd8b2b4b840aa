"""Healthy runs of every loss family give no warning or error, and a blip never fires."""

from __future__ import annotations

import numpy as np
import pytest

from ganlog.detectors import registry
from ganlog.detectors.base import Severity

from . import simulate as sim


@pytest.mark.parametrize("family", sim.FAMILIES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_healthy_run_is_silent(analyze_sim, family, seed) -> None:
    fmt = "dcgan" if family in ("bce_sum", "bce_mean", "lsgan") else "jsonl"
    analysis = analyze_sim(sim.healthy(family, n=600, seed=seed), fmt)
    assert analysis.run.loss_family.name == family
    loud = [f"{f.code}: {f.message}" for f in analysis.at_or_above(Severity.WARNING)]
    assert not loud
    assert analysis.verdict == "healthy"
    assert not analysis.crashed


@pytest.mark.parametrize("family", sim.FAMILIES)
def test_every_detector_runs_and_stays_silent_with_all_columns(analyze_sim, family) -> None:
    """With grad norms, FID and a diversity stat logged, every detector runs (none skipped)."""
    analysis = analyze_sim(sim.healthy(family, n=600, seed=7, extras=True), "jsonl")
    assert not [f.code for f in analysis.at_or_above(Severity.WARNING)]
    ran = set(analysis.ran)
    skipped = {s.code for s in analysis.skipped}
    # the modern trainers' signals (issue 17) need columns this simulated log does not hold:
    # D logits, timing, a penalty term, singular values, precision/recall, ADA's augment p
    expected_skips: set[str] = {"GAN104", "GAN304", "GAN405", "GAN406", "GAN503", "GAN601", "GAN602"}
    if family in ("hinge", "wgan"):
        expected_skips |= {"GAN201", "GAN202", "GAN205"}  # no D outputs (sigmoid probabilities)
    if family == "wgan":
        # a critic has no chance level; GAN101 still runs, on family-free evidence only
        expected_skips |= {"GAN102", "GAN103"}
    assert skipped == expected_skips
    assert ran == set(registry()) - expected_skips


def test_wgan_gp_generator_loss_of_180_is_not_divergence(analyze_sim) -> None:
    run = sim.healthy("wgan", n=600, seed=3)
    assert np.nanmax(run.columns["loss_g"]) > 170
    analysis = analyze_sim(run, "jsonl")
    assert analysis.run.loss_family.name == "wgan"
    assert not [f for f in analysis.findings if f.code in ("GAN402", "GAN101", "GAN103")]


@pytest.mark.parametrize("column, value", [("loss_d", 0.01), ("d_x", 0.9999)])
def test_a_blip_never_fires(analyze_sim, column, value) -> None:
    run = sim.healthy("bce_sum", n=600, seed=4)
    run.columns[column][200:204] = value  # four records: a blip
    run.columns["d_g_z2"][300:304] = run.columns["d_g_z1"][300:304]
    analysis = analyze_sim(run)
    assert not analysis.at_or_above(Severity.WARNING)


def test_a_single_nan_in_a_sparse_metric_is_not_non_finite(analyze_sim) -> None:
    """FID logged every 20 records leaves gaps; gaps are not NaN losses."""
    analysis = analyze_sim(sim.healthy("bce_sum", n=600, seed=1, extras=True), "jsonl")
    assert "GAN401" not in [f.code for f in analysis.findings]


def test_reference_shape_log_is_healthy(tmp_path) -> None:
    """Issue 2's reference: D loss around chance, D(x) and D(G(z)) between 0.3 and 0.8 -> no warning."""
    import ganlog

    rng = np.random.default_rng(12)
    n, per = 500, 100
    lines = []
    for i in range(n):
        dx = rng.uniform(0.3, 0.8)
        g1 = rng.uniform(0.3, 0.8)
        g2 = max(0.3, g1 - rng.uniform(0.01, 0.1))
        loss_d = -np.log(dx) - np.log(1 - g1) + rng.normal(0.05, 0.05)
        loss_g = -np.log(g2) + rng.normal(0.05, 0.05)
        lines.append(f"[{i // per}/5][{i % per}/{per}]\tLoss_D: {loss_d:.4f}\tLoss_G: {loss_g:.4f}\t"
                     f"D(x): {dx:.4f}\tD(G(z)): {g1:.4f} / {g2:.4f}")
    path = tmp_path / "reference.log"
    path.write_text("\n".join(lines) + "\n")
    analysis = ganlog.analyze(path)
    assert analysis.run.loss_family.name == "bce_sum"
    assert {"GAN101", "GAN201", "GAN202", "GAN301"} <= set(analysis.ran)
    assert not analysis.at_or_above(Severity.WARNING)
    assert analysis.verdict == "healthy" and analysis.healthy_until is None
