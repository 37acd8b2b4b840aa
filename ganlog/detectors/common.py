"""Helpers the detector modules share: sustained conditions on a column, family scales, labels.

Kept apart from :mod:`.stats` (pure numpy) because these know about the
:class:`~ganlog.detectors.base.Context` and the loss family.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import evidence as E
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


#: series up to this many records are judged record by record (:func:`weighed_holds`);
#: longer ones on rolling medians of block medians, where a share of the run is the bar
SHORT_SERIES = 200


def _gap(n: int) -> int:
    """One odd record inside a stretch does not end it, once the log is long enough to have one."""
    return 1 if n >= 8 else 0


@dataclass(frozen=True)
class Weighed:
    """A hold with its weight: the effect, the records it needed, the confidence."""

    hold: Hold
    effect: float
    need: int
    confidence: float


def weighed_holds(
    ctx: Context,
    column: str,
    condition: Callable[[np.ndarray], np.ndarray],
    effect: Callable[[np.ndarray], float],
    *,
    min_records: int,
    min_fraction: float,
    smooth: int = 5,
) -> list[Weighed]:
    """Where ``condition`` held on the column, weighed by ``effect`` (values in the hold -> [0, 1]).

    Short series (up to :data:`SHORT_SERIES` records, what people paste) are judged
    record by record: a stretch must hold :func:`~ganlog.detectors.evidence.records_needed`
    records for its effect (2 when extreme, ``min_records`` at the limit) and
    ``min_fraction`` of the run unless it reaches the end of the log. Longer series keep
    the rolling-median path of :func:`sustained_holds`, where ``min_fraction`` of the run
    (hundreds of records) is the bar and ``min_records`` only its floor.
    """
    rows, v = ctx.finite(column)
    if v.size == 0:
        return []
    if v.size <= SHORT_SERIES:
        mask = condition(v)
        out = []
        for st in E.stretches(mask, lambda a, b: effect(v[a:b + 1][mask[a:b + 1]]),
                              min_fraction=min_fraction, mild=min_records, max_gap=_gap(mask.size)):
            r0, r1 = int(rows[st.a]), int(rows[st.b])
            h = Hold(st.a, st.b, r0, r1, ctx.span(r0, r1), st.length)
            out.append(Weighed(h, st.effect, st.need, st.confidence))
        return out
    need = ctx.min_length(ctx.n, min_records, min_fraction)
    out = []
    for h in sustained_holds(ctx, column, condition, min_records=min_records, min_fraction=min_fraction,
                             smooth=smooth):
        vals = values_in(ctx, column, h)
        e = effect(vals[condition(vals)]) if vals.size else 0.0
        out.append(Weighed(h, e, need, E.weigh(e, h.records, need, share=h.records / max(1, v.size),
                                               at_end=h.last_row >= ctx.n - 1)))
    return out


def weighed_mask(
    ctx: Context,
    mask: np.ndarray,
    rows: np.ndarray,
    effect: Callable[[int, int], float],
    *,
    min_records: int,
    min_fraction: float,
    smooth: int = 5,
) -> list[Weighed]:
    """Like :func:`weighed_holds` for a per-record mask over ``rows``; ``effect(a, b)`` on positions."""
    if mask.size == 0:
        return []
    if mask.size <= SHORT_SERIES:
        out = []
        for st in E.stretches(mask, effect, min_fraction=min_fraction, mild=min_records,
                              max_gap=_gap(mask.size)):
            r0, r1 = int(rows[st.a]), int(rows[st.b])
            out.append(Weighed(Hold(st.a, st.b, r0, r1, ctx.span(r0, r1), st.length), st.effect, st.need,
                               st.confidence))
        return out
    need = ctx.min_length(mask.size, min_records, min_fraction)
    out = []
    for h in mask_holds(ctx, mask, rows, min_records=min_records, min_fraction=min_fraction, smooth=smooth):
        e = effect(h.first_block, h.last_block)
        out.append(Weighed(h, e, need, E.weigh(e, h.records, need, share=h.records / mask.size,
                                               at_end=h.last_row >= ctx.n - 1)))
    return out
