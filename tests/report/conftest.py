"""Analyses to render: the real forum log, and synthetic runs with findings placed by hand.

Rendering is a pure function of an Analysis, so a hand-built Analysis (a real
Run from a DataFrame, Findings with known spans) tests every branch of the
report without depending on which detectors have landed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ganlog.analysis import Analysis, analyze
from ganlog.detectors.base import Finding, Severity, Span
from ganlog.frame import Run


def synthetic_run(n: int = 3000, name: str = "synthetic", seed: int = 0, spike: bool = True) -> Run:
    rng = np.random.default_rng(seed)
    step = np.arange(n, dtype=float) * 10
    ld = 1.38 + 0.1 * rng.standard_normal(n)
    lg = 0.70 + 0.1 * rng.standard_normal(n)
    half = n // 2
    ld[half:] = 0.05 + 0.01 * rng.standard_normal(n - half)
    lg[half:] = np.linspace(1.0, 6.0, n - half)
    if spike:
        lg[:10] = 90.0  # early spikes that squash the rest on a linear axis
    ld[int(n * 0.8)] = np.nan
    frame = pd.DataFrame({
        "step": step, "loss_d": ld, "loss_g": lg,
        "D(x)": np.clip(0.5 + 0.05 * rng.standard_normal(n), 0, 1),
        "D_G_z1": 0.4 + 0.01 * rng.standard_normal(n), "D_G_z2": 0.38 + 0.01 * rng.standard_normal(n),
    })
    return Run.from_frame(frame, name=name, source=f"{name}.log")


def synthetic_findings(run: Run) -> list[Finding]:
    n = len(run.frame)
    half = n // 2
    s = run.frame["step"].to_numpy()
    nan_at = int(n * 0.8)
    return [
        Finding("GAN101", "d-loss-collapse", Severity.ERROR, 0.9,
                "D loss median 0.050 over the second half < 0.10", Span(s[half], s[-1], half, n - 1),
                {"median_loss_d": 0.05, "limit": 0.1, "chance_level": 1.386}, ["ttur"]),
        Finding("GAN401", "non-finite", Severity.ERROR, 1.0, "D loss is NaN at one step",
                Span(s[nan_at], s[nan_at], nan_at, nan_at), {"nan_count": 1}, ["no-such-remedy"]),
        Finding("GAN102", "g-loss-runaway", Severity.WARNING, 0.7, "G loss climbs while D loss falls",
                Span(s[half], s[-1], half, n - 1), {"slope_g": 0.0017}, []),
        Finding("GAN302", "regime-change", Severity.INFO, 0.8, "the run changed behaviour",
                Span(s[half], s[half], half, half), {"before": 1.38, "after": 0.05}, []),
    ]


def synthetic_analysis(n: int = 3000, name: str = "synthetic", comparisons: int = 0) -> Analysis:
    run = synthetic_run(n, name)
    an = Analysis(run=run, findings=synthetic_findings(run), ran=["GAN101", "GAN102", "GAN302", "GAN401"])
    for k in range(comparisons):
        ref = synthetic_run(n, f"reference-{k + 1}", seed=k + 1, spike=False)
        an.comparisons.append(Analysis(run=ref))
    return an


@pytest.fixture
def broken() -> Analysis:
    return synthetic_analysis()


@pytest.fixture(scope="session")
def forum(samples) -> Analysis:
    return analyze(samples / "forum_bce.log")
