"""One event, one finding: merged columns and stretches, and remedies that fit the run."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ganlog.consolidate import tidy
from ganlog.detectors.base import Finding, Severity, Span
from ganlog.frame import Run


def _run(**extra: np.ndarray) -> Run:
    n = 50
    frame = pd.DataFrame({"step": np.arange(n, dtype=float), "loss_d": np.linspace(1.4, 0.1, n),
                          "loss_g": np.linspace(0.7, 3.0, n), **extra})
    return Run.from_frame(frame, name="t", source="t.log")


def _nan(col: str, start: int) -> Finding:
    return Finding("GAN401", "non-finite", Severity.ERROR, 0.95, f"{col} is nan from step {start}",
                   Span(start, 49, start, 49), {"column": col, "first_step": start},
                   ["bce-with-logits", "grad-clipping", "lr-reduction", "check-nan-sources"])


def test_nan_in_five_columns_is_one_finding() -> None:
    cols = ["loss_d", "loss_g", "d_x", "d_g_z1", "d_g_z2"]
    out = tidy([_nan(c, 30) for c in cols])
    assert len(out) == 1
    f = out[0]
    assert f.evidence["columns"] == cols and "column" not in f.evidence
    assert "4 more columns" in f.message and "d_g_z2" in f.message
    json.dumps(f.to_dict())  # still plain JSON


def test_frozen_d_in_three_stretches_is_one_finding_with_its_spans() -> None:
    stretches = [(5, 9), (20, 24), (40, 44)]
    findings = [Finding("GAN202", "d-frozen", Severity.ERROR, 0.8 + i / 100, "D(G(z)) identical",
                        Span(a, b, a, b), {"records": b - a + 1}, ["remove-d-gate"])
                for i, (a, b) in enumerate(stretches)]
    out = tidy(findings)
    assert len(out) == 1
    f = out[0]
    assert (f.span.start, f.span.end) == (5, 44)
    assert f.evidence["spans"] == [[5, 9], [20, 24], [40, 44]] and f.evidence["stretches"] == 3
    assert "3 stretches" in f.message and abs(f.confidence - 0.82) < 1e-9
    assert f.evidence["records"] == 15  # counts add up over the stretches


def test_regime_changes_stay_separate() -> None:
    rc = [Finding("GAN302", "regime-change", Severity.INFO, 0.7, "changed", Span(s, s, s, s), {"column": "loss_d"})
          for s in (10, 30)]
    assert len(tidy(rc)) == 2


def test_no_clipping_for_small_gradient_norms_and_no_bce_advice_for_wgan() -> None:
    small = _run(grad_norm_d=np.full(50, 3.6))
    f = tidy([_nan("loss_d", 30)], small)[0]
    assert "grad-clipping" not in f.remedies and f.remedies[0] == "bce-with-logits"
    big = _run(grad_norm_d=np.r_[np.full(45, 3.6), np.full(5, 400.0)])
    assert "grad-clipping" in tidy([_nan("loss_d", 30)], big)[0].remedies
    wgan = _run(loss_d_gp=np.full(50, 0.3))
    fw = tidy([_nan("loss_d", 30)], wgan)[0]
    assert "bce-with-logits" not in fw.remedies
    div = Finding("GAN402", "divergence", Severity.ERROR, 0.9, "x", Span(30, 49, 30, 49), {"column": "loss_d"},
                  ["lr-reduction", "wgan-gp", "spectral-norm"])
    assert "wgan-gp" not in tidy([div], wgan)[0].remedies
