"""The shared robust statistics: known answers on synthetic series."""

from __future__ import annotations

import numpy as np
import pytest

from ganlog.detectors import stats as S


def test_block_reduce_keeps_every_record_and_positions() -> None:
    idx = np.arange(0, 2_000_003, 1)
    v = np.arange(idx.size, dtype=float)
    b = S.block_reduce(idx, v, max_blocks=1000)
    assert b.n <= 1001 and b.first[0] == 0 and b.last[-1] == idx[-1]
    assert np.all(np.diff(b.median) > 0)
    small = S.block_reduce(np.arange(10), np.ones(10))
    assert small.size == 1 and small.n == 10


def test_sustained_ignores_blips_and_keeps_long_runs() -> None:
    mask = np.zeros(100, bool)
    mask[10:14] = True  # blip of 4
    mask[50:80] = True
    mask[65] = False  # one odd record inside a run
    assert S.sustained(mask, 8) == [(50, 79)]


def test_majority_and_runs() -> None:
    assert S.runs(np.array([0, 1, 1, 0, 1], bool)) == [(1, 2), (4, 4)]
    assert S.majority(np.array([1, 0, 1, 1, 0, 0, 0], bool), 3).tolist() == [1, 1, 1, 1, 0, 0, 0]


def test_theil_sen_and_mann_kendall_are_robust_and_bounded() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(100_000, dtype=float)
    x = 0.5 * t + rng.normal(0, 10, t.size)
    x[::97] = 1e6  # outliers
    assert S.theil_sen(x, t) == pytest.approx(0.5, rel=0.02)
    assert S.mann_kendall_tau(x) > 0.9
    assert abs(S.mann_kendall_tau(rng.normal(size=5000))) < 0.15


def test_binary_segmentation_finds_level_shifts() -> None:
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(0, 1, 500), rng.normal(3, 1, 300), rng.normal(-1, 1, 400)])
    cps = S.binary_segmentation(x, penalty=6 * np.log(x.size), min_size=5)
    assert len(cps) == 2 and abs(cps[0] - 500) <= 5 and abs(cps[1] - 800) <= 5
    assert S.binary_segmentation(rng.normal(size=5000), 6 * np.log(5000), 5) == []


def test_dominant_period_finds_a_sinusoid_not_noise() -> None:
    rng = np.random.default_rng(2)
    t = np.arange(4000)
    spec = S.dominant_period(np.sin(2 * np.pi * t / 50) + rng.normal(0, 1, t.size))
    assert spec is not None and spec.period == pytest.approx(50, rel=0.05) and spec.peak_ratio > 10
    noise = S.dominant_period(rng.normal(0, 1, 4000))
    assert noise is None or noise.peak_ratio < 4


def test_fmt() -> None:
    assert S.fmt(2 * np.log(2)) == "1.386"
    assert S.fmt(0.0655) == "0.066" or S.fmt(0.0655) == "0.065"
    assert S.fmt(180.4) == "180"
    assert S.fmt(3e-6) == "3.00e-06"
