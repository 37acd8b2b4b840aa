"""Helpers the detector modules share: sustained conditions on a column, family scales, labels.

Kept apart from :mod:`.stats` (pure numpy) because these know about the
:class:`~ganlog.detectors.base.Context` and the loss family.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import stats as S
from .base import Context, Span

#: how each canonical column is named in messages
LABELS: dict[str, str] = {
    "loss_d": "D loss",
    "loss_g": "G loss",
    "d_x": "D(x)",
    "d_g_z1": "D(G(z)) before the D step",
    "d_g_z2": "D(G(z)) after the D step",
    "loss_d_real": "D loss on real",
    "loss_d_fake": "D loss on fake",
    "grad_norm_d": "D gradient norm",
    "grad_norm_g": "G gradient norm",
    "fid": "FID",
    "inception_score": "Inception Score",
}

LOSS_COLUMNS: tuple[str, ...] = ("loss_d", "loss_g", "loss_d_real", "loss_d_fake")


def label(column: str) -> str:
    return LABELS.get(column, column)


@dataclass(frozen=True)
class Hold:
    """One stretch where a condition held: block range, the records it covers, and the span."""

    first_block: int
    last_block: int
    first_row: int
    last_row: int
    span: Span
    records: int


def sustained_holds(
    ctx: Context,
    column: str,
    condition: Callable[[np.ndarray], np.ndarray],
    *,
    min_records: int,
    min_fraction: float,
    smooth: int = 5,
    max_gap: int = 1,
) -> list[Hold]:
    """Where ``condition`` holds on the rolling median of the column's block medians, long enough.

    The rolling median (``smooth`` blocks) removes single-record blips before
    the condition is judged; then the condition must hold for at least
    ``min_records`` records and ``min_fraction`` of the run.
    """
    blk = ctx.blocks(column)
    if blk.n == 0:
        return []
    level = S.rolling_median(blk.median, smooth) if smooth > 1 else blk.median
    mask = condition(level)
    need = ctx.min_length(blk.n, min_records, min_fraction, blk.size)
    out: list[Hold] = []
    for a, b in S.sustained(mask, need, max_gap=max_gap, smooth=1):
        r0, r1 = int(blk.first[a]), int(blk.last[b])
        out.append(Hold(a, b, r0, r1, ctx.span(r0, r1), blk.records(a, b)))
    return out


def mask_holds(
    ctx: Context,
    mask: np.ndarray,
    rows: np.ndarray,
    *,
    min_records: int,
    min_fraction: float,
    smooth: int = 5,
    max_gap: int = 1,
) -> list[Hold]:
    """Like :func:`sustained_holds` for a per-record boolean mask over ``rows`` (majority-voted).

    On long runs the persistence window is thousands of records, and an
    intermittent condition (true in 90% of records) would never form one
    unbroken run; so when the window exceeds 50 records the mask is first cut
    into blocks of a tenth of the window, a block holds when the condition
    holds in most of its records, and persistence is judged on blocks.
    """
    need = ctx.min_length(mask.size, min_records, min_fraction)
    if need <= 50:
        out: list[Hold] = []
        for a, b in S.sustained(mask, need, max_gap=max_gap, smooth=smooth):
            r0, r1 = int(rows[a]), int(rows[b])
            out.append(Hold(a, b, r0, r1, ctx.span(r0, r1), b - a + 1))
        return out
    size = max(1, need // 10)
    n = mask.size
    full = (n // size) * size
    frac = mask[:full].reshape(-1, size).mean(axis=1)
    if full < n:
        frac = np.append(frac, mask[full:].mean())
    held = frac >= 0.5
    out = []
    for a, b in S.sustained(held, int(np.ceil(need / size)), max_gap=max_gap, smooth=smooth):
        p0 = a * size
        p1 = min(n - 1, (b + 1) * size - 1)
        # trim to the first and last record where the condition itself held
        inside = np.flatnonzero(mask[p0:p1 + 1])
        p0, p1 = p0 + int(inside[0]), p0 + int(inside[-1])
        r0, r1 = int(rows[p0]), int(rows[p1])
        out.append(Hold(p0, p1, r0, r1, ctx.span(r0, r1), p1 - p0 + 1))
    return out


@dataclass(frozen=True)
class PairedBlocks:
    """Two columns reduced to block medians over the rows where both are finite."""

    a: np.ndarray
    b: np.ndarray
    first: np.ndarray
    last: np.ndarray
    size: int

    @property
    def n(self) -> int:
        return int(self.a.size)


def paired_blocks(ctx: Context, col_a: str, col_b: str, max_blocks: int = S.MAX_BLOCKS) -> PairedBlocks:
    """Block medians of two columns on their common finite rows (cached per run)."""

    def make() -> PairedBlocks:
        x, y = ctx.series(col_a), ctx.series(col_b)
        rows = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
        ba = S.block_reduce(rows, x[rows], max_blocks)
        bb = S.block_reduce(rows, y[rows], max_blocks)
        return PairedBlocks(ba.median, bb.median, ba.first, ba.last, ba.size)

    return ctx.cached(("paired", col_a, col_b, max_blocks), make)


def values_in(ctx: Context, column: str, hold: Hold) -> np.ndarray:
    """The column's finite values inside a hold's rows."""
    x = ctx.series(column)[hold.first_row: hold.last_row + 1]
    return x[np.isfinite(x)]


def scale_of(ctx: Context, column: str) -> tuple[float, str]:
    """A natural size for the column's values under the loss family, and how it was chosen.

    The D loss's chance level where the family has one; the G loss's
    chance level (or D's when G's is 0, as for hinge); otherwise the
    column's own robust level (median of |x|), as for WGAN critics.
    """
    fam = ctx.family
    if column in ("loss_d", "loss_d_real", "loss_d_fake") and fam.chance_d:
        c = fam.chance_d if column == "loss_d" else fam.chance_d / 2
        return c, f"chance level {S.fmt(c)} ({fam.name})"
    if column == "loss_g" and fam.chance_g:
        return fam.chance_g, f"G chance level {S.fmt(fam.chance_g)} ({fam.name})"
    if column == "loss_g" and fam.chance_d:
        return fam.chance_d / 2, f"half the D chance level {S.fmt(fam.chance_d / 2)} ({fam.name})"
    _, v = ctx.finite(column)
    level = float(np.median(np.abs(v))) if v.size else 1.0
    spread = S.MAD_TO_SIGMA * S.mad(v) if v.size else 0.0
    s = max(level, spread, 1e-12)
    return s, f"the series' own scale {S.fmt(s)} ({fam.name}: no chance level)"


def confidence(ratio_to_limit: float, length: int, need: int, base: float = 0.55) -> float:
    """Confidence grows with how far past the limit (ratio in 0..1) and how long the condition held."""
    far = max(0.0, min(1.0, ratio_to_limit))
    long = max(0.0, min(1.0, length / max(1.0, 4.0 * need)))
    return min(0.98, base + 0.25 * far + 0.2 * long)


def fmt_prob(v: float) -> str:
    """D outputs: enough digits to tell 0.99997 from 1."""
    return f"{v:.5g}"
