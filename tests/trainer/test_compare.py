"""`ganlog analyze --compare`: the run against reference runs, in plain sentences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ganlog.compare import comparison_lines, differences, nice_level
from ganlog.frame import Run


def _run(loss_d, loss_g, name, d_x=None):
    n = len(loss_d)
    data = {"step": np.arange(n) * 10, "loss_d": loss_d, "loss_g": loss_g}
    if d_x is not None:
        data["d_x"] = d_x
    run = Run.from_frame(pd.DataFrame(data), name=name, source=f"{name}.log")
    return run


def test_d_loss_collapse_against_healthy_reference():
    rng = np.random.default_rng(0)
    n = 300
    healthy = _run(1.2 + 0.1 * rng.standard_normal(n), 0.9 + 0.1 * rng.standard_normal(n), "healthy-bce")
    d = np.concatenate([1.2 + 0.1 * rng.standard_normal(110), np.full(190, 0.03)])
    g = np.concatenate([0.9 + 0.1 * rng.standard_normal(110), np.linspace(1, 6, 190)])
    bad = _run(d, g, "mine")
    diffs = differences(bad, healthy)
    texts = [x.text for x in diffs]
    low = next(x for x in diffs if x.column == "loss_d" and x.side == "low")
    assert low.text.startswith("D loss fell below ")
    assert "the healthy-bce reference never goes below " in low.text
    # The level sits between the run's and the reference's extremes, and the step is where it first held.
    assert 0.03 < low.level < low.reference_extreme
    assert 1090 <= low.step <= 1200
    assert any(t.startswith("G loss rose above ") for t in texts)
    lines = comparison_lines(bad, [healthy])
    assert lines[0] == "Compared with healthy-bce (healthy-bce.log):"


def test_no_difference_says_so():
    rng = np.random.default_rng(1)
    a = _run(1.2 + 0.1 * rng.standard_normal(200), 0.9 + 0.1 * rng.standard_normal(200), "a")
    b = _run(1.2 + 0.1 * rng.standard_normal(200), 0.9 + 0.1 * rng.standard_normal(200), "b")
    assert differences(a, b) == []
    assert "within the reference's range" in comparison_lines(a, [b])[0]


def test_non_finite_is_reported_first():
    ref = _run(np.full(50, 1.3), np.full(50, 0.8), "ref")
    d = np.concatenate([np.full(30, 1.3), np.full(20, np.nan)])
    bad = _run(d, np.full(50, 0.8), "bad")
    first = differences(bad, ref)[0]
    assert first.side == "non-finite" and first.step == 300
    assert "D loss became NaN/inf at step 300" in first.text


@pytest.mark.parametrize("lo,hi", [(0.03, 0.62), (0.6, 0.61), (1.0, 250.0), (-3.0, -1.0)])
def test_nice_level_is_strictly_between(lo, hi):
    v = nice_level(lo, hi)
    assert lo < v < hi
