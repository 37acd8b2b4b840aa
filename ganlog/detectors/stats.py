"""Robust statistics shared by the detectors, all O(n) or O(n log n) in time and O(n) in memory.

Why these and not the obvious ones:

* GAN losses are noisy and spiky, so levels are **medians** and spreads are
  **MAD** (median absolute deviation), never means and standard deviations.
* A finding must hold for a while: :func:`sustained` turns a per-record
  condition into runs that last at least ``min_records`` records, so a blip
  never fires.
* A million-record run is first reduced to at most :data:`MAX_BLOCKS` block
  medians (:func:`block_reduce`); every windowed statistic then works on the
  blocks. Rolling medians over a million raw points cost seconds in pandas;
  block medians cost milliseconds and keep the same shape.
* Trend statistics (Theil–Sen slope, Mann–Kendall tau) are quadratic, so they
  only ever run on at most :data:`MAX_TREND_POINTS` block medians.
* Change points come from binary segmentation with a cumulative-sum cost in
  numpy on block medians (:func:`binary_segmentation`, O(n log n)); PELT's
  pruning does not pay off on series with few changes, which GAN runs are.
* Periods come from an averaged periodogram (numpy FFT), never scipy.signal,
  whose import alone costs 1.6 s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: the most blocks a series is reduced to before windowed statistics
MAX_BLOCKS = 20_000
#: the most points a quadratic trend statistic (Theil–Sen, Mann–Kendall) sees
MAX_TREND_POINTS = 400
#: MAD of a normal distribution is this fraction of its standard deviation
MAD_TO_SIGMA = 1.4826


def finite(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row indices, values) of the finite entries of ``x``."""
    ok = np.isfinite(x)
    idx = np.flatnonzero(ok)
    return idx, x[idx]


def mad(x: np.ndarray) -> float:
    """Median absolute deviation (unscaled); 0.0 for an empty array."""
    if x.size == 0:
        return 0.0
    m = np.median(x)
    return float(np.median(np.abs(x - m)))


def robust_sigma(x: np.ndarray) -> float:
    """Noise scale from first differences (MAD of diffs / sqrt 2): insensitive to trends and level shifts."""
    if x.size < 3:
        return 0.0
    return float(MAD_TO_SIGMA * mad(np.diff(x)) / math.sqrt(2.0))


@dataclass(frozen=True)
class Blocks:
    """A series reduced to consecutive blocks of ``size`` records.

    ``median[k]`` is the median of block k; ``first[k]``/``last[k]`` are the
    row positions (in the run's frame) of its first and last record.
    """

    median: np.ndarray
    first: np.ndarray
    last: np.ndarray
    size: int

    @property
    def n(self) -> int:
        return int(self.median.size)

    def records(self, a: int, b: int) -> int:
        """Number of underlying records in blocks a..b inclusive (approximately for sparse series)."""
        return int(min(b - a + 1, self.n) * self.size) if self.size > 1 else int(b - a + 1)


def block_reduce(idx: np.ndarray, values: np.ndarray, max_blocks: int = MAX_BLOCKS) -> Blocks:
    """Median of consecutive blocks so that at most ``max_blocks`` remain (one record per block when few)."""
    n = values.size
    size = max(1, math.ceil(n / max_blocks))
    if size == 1:
        return Blocks(values.astype(float, copy=False), idx, idx, 1)
    full = (n // size) * size
    med = np.median(values[:full].reshape(-1, size), axis=1)
    first = idx[:full:size]
    last = idx[size - 1:full:size]
    if full < n:
        med = np.append(med, np.median(values[full:]))
        first = np.append(first, idx[full])
        last = np.append(last, idx[-1])
    return Blocks(med, first, last, size)


def rolling_median(x: np.ndarray, window: int) -> np.ndarray:
    """Centred rolling median of odd ``window`` (edges use a shrunken window via edge padding).

    Meant for block series (<= MAX_BLOCKS points); cost O(n * window).
    """
    n = x.size
    w = int(window) | 1
    if n == 0 or w <= 1:
        return x.copy()
    w = min(w, n if n % 2 else n - 1) if n > 1 else 1
    if w <= 1:
        return x.copy()
    h = w // 2
    padded = np.concatenate([np.full(h, x[0]), x, np.full(h, x[-1])])
    view = np.lib.stride_tricks.sliding_window_view(padded, w)
    return np.median(view, axis=1)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) inclusive positions of each run of True in a boolean array."""
    if mask.size == 0:
        return []
    m = np.concatenate([[False], mask.astype(bool), [False]])
    d = np.diff(m.astype(np.int8))
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1) - 1
    return list(zip(starts.tolist(), ends.tolist()))


def merge_runs(found: list[tuple[int, int]], max_gap: int) -> list[tuple[int, int]]:
    """Join runs separated by at most ``max_gap`` positions."""
    out: list[tuple[int, int]] = []
    for a, b in found:
        if out and a - out[-1][1] - 1 <= max_gap:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def sustained(mask: np.ndarray, min_len: int, max_gap: int = 1, smooth: int = 5) -> list[tuple[int, int]]:
    """Runs where ``mask`` holds for at least ``min_len`` positions.

    The mask is first smoothed by a majority vote over ``smooth`` positions
    (so one odd record does not break a run, and one lone record does not
    start one); runs separated by at most ``max_gap`` positions are joined.
    """
    m = mask.astype(bool)
    if not m.any():
        return []
    if smooth > 1 and m.size >= smooth:
        m = majority(m, smooth)
        m &= _dilate(mask.astype(bool), smooth // 2)  # never extend a run past real evidence
    found = merge_runs(runs(m), max_gap)
    return [(a, b) for a, b in found if b - a + 1 >= min_len]


def majority(mask: np.ndarray, window: int) -> np.ndarray:
    """Centred majority vote over ``window`` positions (a rolling median of a boolean), O(n * window).

    Edges are padded with the edge values, as :func:`rolling_median` does.
    """
    w = int(window) | 1
    h = w // 2
    m = mask.astype(np.int8)
    padded = np.concatenate([np.full(h, m[0], np.int8), m, np.full(h, m[-1], np.int8)])
    counts = np.convolve(padded, np.ones(w, np.int8), mode="valid")
    return counts > h


def _dilate(mask: np.ndarray, h: int) -> np.ndarray:
    """True within ``h`` positions of a True."""
    out = mask.copy()
    for k in range(1, h + 1):
        out[k:] |= mask[:-k]
        out[:-k] |= mask[k:]
    return out


def _trend_points(x: np.ndarray, t: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    if t is None:
        t = np.arange(x.size, dtype=float)
    if x.size > MAX_TREND_POINTS:
        size = math.ceil(x.size / MAX_TREND_POINTS)
        full = (x.size // size) * size
        x = np.median(x[:full].reshape(-1, size), axis=1)
        t = np.median(t[:full].reshape(-1, size), axis=1)
    return x, t


def theil_sen(x: np.ndarray, t: np.ndarray | None = None) -> float:
    """Median of pairwise slopes, on at most MAX_TREND_POINTS block medians (so O(n) overall)."""
    x, t = _trend_points(np.asarray(x, float), None if t is None else np.asarray(t, float))
    if x.size < 2:
        return 0.0
    i, j = np.triu_indices(x.size, k=1)
    dt = t[j] - t[i]
    ok = dt != 0
    if not ok.any():
        return 0.0
    return float(np.median((x[j] - x[i])[ok] / dt[ok]))


def mann_kendall_tau(x: np.ndarray) -> float:
    """Kendall's tau of the series against time, on at most MAX_TREND_POINTS block medians."""
    x, _ = _trend_points(np.asarray(x, float), None)
    n = x.size
    if n < 3:
        return 0.0
    i, j = np.triu_indices(n, k=1)
    s = float(np.sign(x[j] - x[i]).sum())
    return s / (n * (n - 1) / 2)


def binary_segmentation(x: np.ndarray, penalty: float, min_size: int = 3, max_changes: int = 8) -> list[int]:
    """Change points of the mean of ``x`` by binary segmentation (Gaussian cost, unit variance).

    Scale ``x`` by its noise sigma first. A split is kept when it lowers the
    cost by more than ``penalty`` (BIC-like: a few times log n). Each level
    is one O(n) cumulative-sum scan, so the whole search is O(n log n); it is
    run on block medians, never on raw million-point series.
    Returns positions where a new segment starts, sorted.
    """
    found: list[int] = []
    stack = [(0, x.size)]
    while stack and len(found) < max_changes:
        a, b = stack.pop()
        k, gain = best_split(x[a:b], min_size)
        if k < 0 or gain <= penalty:
            continue
        found.append(a + k)
        stack.append((a, a + k))
        stack.append((a + k, b))
    return sorted(found)


def best_split(x: np.ndarray, min_size: int = 3) -> tuple[int, float]:
    """The single mean shift that explains most of the variance: (position, cost reduction)."""
    n = x.size
    if n < 2 * min_size:
        return -1, 0.0
    c1 = np.cumsum(x)
    total = c1[-1]
    k = np.arange(min_size, n - min_size + 1)
    left = c1[k - 1]
    gain = left**2 / k + (total - left) ** 2 / (n - k) - total**2 / n
    i = int(np.argmax(gain))
    return int(k[i]), float(gain[i])


@dataclass(frozen=True)
class Spectrum:
    """The dominant oscillation of a detrended series."""

    period: float  # in samples
    peak_ratio: float  # peak power / median power around it (f/2..3f) in the averaged periodogram
    power_fraction: float  # share of the total (non-DC) power near the peak


def dominant_period(x: np.ndarray, segments: int = 8, min_period: float = 3.0) -> Spectrum | None:
    """Averaged periodogram (Welch-style, Hann window, numpy FFT) and its strongest peak.

    Averaging ``segments`` periodograms keeps white noise from producing
    tall peaks (peak/median stays below ~3), while a real oscillation stands
    10x and more above the median.
    """
    n = x.size
    if n < 32:
        return None
    seg = max(32, n // max(1, segments // 2 + 1) )
    seg = min(seg, n)
    step = max(1, seg // 2)
    starts = range(0, n - seg + 1, step)
    win = np.hanning(seg)
    acc = np.zeros(seg // 2 + 1)
    count = 0
    for s in starts:
        part = x[s:s + seg]
        part = part - part.mean()
        acc += np.abs(np.fft.rfft(part * win)) ** 2
        count += 1
    if count == 0:
        return None
    acc /= count
    freqs = np.fft.rfftfreq(seg)
    ok = (freqs > 0) & (freqs <= 1.0 / min_period)
    # need at least ~3 periods inside one segment to call it a period
    ok &= freqs >= 3.0 / seg
    if ok.sum() < 4:
        return None
    p = acc[ok]
    f = freqs[ok]
    k = int(np.argmax(p))
    total = float(acc[freqs > 0].sum())
    near = p[max(0, k - 1): k + 2].sum()
    # prominence against the neighbourhood (f/2 .. 3f, the peak's own bins excluded): red noise
    # (a smooth, falling spectrum) has no prominent peak even though its low end is high
    fk = f[k]
    kk = int(np.flatnonzero(ok)[k])
    band = (freqs > 0) & (freqs >= fk / 2) & (freqs <= 3 * fk) & (np.abs(np.arange(freqs.size) - kk) > 1)
    if not band.any():
        return None
    ref = acc[band]
    med = float(np.median(ref))
    if med <= 0 or total <= 0:
        return None
    return Spectrum(1.0 / float(fk), float(p[k] / med), float(near / total))


def amplitude(x: np.ndarray) -> float:
    """Robust half peak-to-peak amplitude: (95th - 5th percentile) / 2."""
    if x.size == 0:
        return 0.0
    lo, hi = np.percentile(x, [5, 95])
    return float(hi - lo) / 2.0


def fmt(v: float) -> str:
    """Numbers in messages: 3 significant digits, no scientific notation for ordinary sizes."""
    if not math.isfinite(v):
        return str(v)
    a = abs(v)
    if a != 0 and (a < 1e-3 or a >= 1e6):
        return f"{v:.2e}"
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 1:
        return f"{v:.4g}"
    if a >= 0.01:
        return f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if a == 0 else f"{v:.2g}"
