"""Quality-metric trends beyond "worse than the best" (GAN501): precision rising while recall
falls, and a sudden jump in FID/KID.

Metric columns are found by canonical name (``fid``, ``kid``, ``inception_score``,
``precision``, ``recall``) or by the names trainers print (``kid50k_full``,
``pr50k3_full_recall``; see :func:`ganlog.detectors.modern.find_column`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from . import stats as S
from .base import Context, Detector, Finding, Params, Severity
from .modern import find_column


@dataclass(frozen=True)
class PrecisionRecallParams(Params):
    #: precision up by at least this (absolute, 0..1) from the first evaluations to the last
    precision_up: float = 0.03
    #: recall down by at least this (absolute) over the same stretch
    recall_down: float = 0.05
    min_evals: int = 4


class PrecisionUpRecallDown(Detector):
    """Precision rising while recall falls: G trades coverage for fidelity (partial mode collapse).

    What it detects
    ---------------
    Improved precision and recall logged together (StyleGAN's ``pr50k3_full``, StudioGAN's
    Precision/Recall, or any ``precision`` / ``recall`` columns): over at least 4 evaluations,
    precision up by 0.03 or more and recall down by 0.05 or more, comparing the median of the
    first third of the evaluations with the median of the last third.

    Why it matters
    --------------
    Precision measures how many samples look real, recall how much of the data the samples
    cover. Both should rise as a GAN trains. Precision up with recall down is the
    quantitative face of partial mode collapse: G concentrates on the modes it renders well
    and drops the rest, which FID can hide for a while.

    Evidence
    --------
    ``precision_start``, ``precision_end``, ``recall_start``, ``recall_end``, ``limit`` (the
    recall drop), ``evaluations``.

    Weighing
    --------
    Medians of the first and last third of the evaluations: each evaluation is an average
    over thousands of samples, so a few agreeing ones are strong evidence.

    Too short
    ---------
    Fewer than ``min_evals`` (4) evaluations with both precision and recall.

    Remedies
    --------
    Keep the snapshot with the best recall/FID, minibatch statistics in D, ADA / DiffAugment,
    lower truncation or none when evaluating, R1.

    Options
    -------
    ``precision_up`` (0.03), ``recall_down`` (0.05), ``min_evals`` (4).

    References
    ----------
    Kynkaanniemi et al. (2019) Improved Precision and Recall Metric for Assessing Generative Models;
    Sajjadi et al. (2018) Assessing Generative Models via Precision and Recall.
    """

    code = "GAN503"
    name = "precision-up-recall-down"
    summary = "precision rising while recall falls (partial mode collapse)"
    default_severity = Severity.WARNING
    remedies = ("keep-best-checkpoint", "minibatch-stats", "data-augmentation", "r1-penalty")
    Params = PrecisionRecallParams

    def skip_reason(self, ctx: Context) -> str | None:
        if find_column(ctx, "precision") and find_column(ctx, "recall"):
            return None
        return "needs precision and recall, not in this log"

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: PrecisionRecallParams = self.params
        pc, rc = find_column(ctx, "precision"), find_column(ctx, "recall")
        assert pc and rc
        pr, rr = ctx.series(pc), ctx.series(rc)
        ok = np.isfinite(pr) & np.isfinite(rr)
        rows = np.flatnonzero(ok)
        if rows.size < p.min_evals:
            return
        pv, rv = pr[ok], rr[ok]
        k = max(1, rows.size // 3)
        p0, p1 = float(np.median(pv[:k])), float(np.median(pv[-k:]))
        r0, r1 = float(np.median(rv[:k])), float(np.median(rv[-k:]))
        if p1 - p0 < p.precision_up or r0 - r1 < p.recall_down:
            return
        span = ctx.span(int(rows[k - 1]), int(rows[-1]))
        yield self.finding(
            ctx, f"precision rose {S.fmt(p0)} -> {S.fmt(p1)} while recall fell {S.fmt(r0)} -> {S.fmt(r1)} "
                 f"(down {S.fmt(r0 - r1)} >= {S.fmt(p.recall_down)}) over {ctx.span_text(span)}: "
                 f"G trades coverage for fidelity (partial mode collapse)",
            span=span,
            evidence={"precision_start": p0, "precision_end": p1, "recall_start": r0, "recall_end": r1,
                      "limit": p.recall_down, "evaluations": int(rows.size)},
            confidence=min(0.9, 0.5 + 2 * (r0 - r1)))


@dataclass(frozen=True)
class MetricJumpParams(Params):
    #: one evaluation at least this many times the one before it (FID/KID: lower is better)
    factor: float = 1.5
    #: the evaluation before the jump must be within this factor of the best so far (past the first descent)
    near_best: float = 1.5
    #: recovered: a later evaluation back within this factor of the level before the jump
    recovered_within: float = 1.2
    min_evals: int = 3


class MetricJump(Detector):
    """A sudden jump in FID/KID between two evaluations, and whether the run recovered.

    What it detects
    ---------------
    FID or KID (lower is better) at one evaluation at least 1.5x the evaluation before it,
    where that previous value was within 1.5x of the best so far (a jump from a good state,
    not the noisy start). The biggest such jump is reported: as a warning when no later
    evaluation came back within 1.2x of the level before the jump (never recovered), as info
    when one did. Inception Score (higher is better) is judged the same way on its inverse.

    Why it matters
    --------------
    A jump such as FID 58 -> 634 is a collapse (mode collapse, a diverged D, an exploded
    learning rate, a bad resume) rather than noise. After one that never recovers, more
    training rarely helps: restart from the snapshot before the jump, usually with a lower
    learning rate or stronger regularisation.

    Evidence
    --------
    ``column``, ``before``, ``after``, ``factor``, ``limit``, ``best_before``, ``recovered``,
    ``latest``.

    Weighing
    --------
    The ratio between two consecutive evaluations against ``factor``, only from a state within
    ``near_best`` of the best so far (not the noisy start); a jump the run came back from is info.

    Too short
    ---------
    Fewer than ``min_evals`` (3) evaluations.

    Remedies
    --------
    Resume from the best snapshot before the jump; lower the learning rates; R1 / spectral
    norm; check the resume code (optimizer state, augment p, EMA) when the jump follows a restart.

    Options
    -------
    ``factor`` (1.5), ``near_best`` (1.5), ``recovered_within`` (1.2), ``min_evals`` (3).

    References
    ----------
    Heusel et al. (2017) GANs Trained by a Two Time-Scale Update Rule (FID);
    Brock et al. (2019) Large Scale GAN Training for High Fidelity Natural Image Synthesis (collapse).
    """

    code = "GAN504"
    name = "metric-jump"
    summary = "a sudden jump in FID/KID between two evaluations"
    default_severity = Severity.WARNING
    remedies = ("keep-best-checkpoint", "lr-reduction", "r1-penalty", "spectral-norm")
    Params = MetricJumpParams

    def _columns(self, ctx: Context) -> list[tuple[str, bool]]:
        out = []
        for role, higher in (("fid", False), ("kid", False), ("inception_score", True)):
            col = role if ctx.has(role) else find_column(ctx, role)
            if col:
                out.append((col, higher))
        return out

    def skip_reason(self, ctx: Context) -> str | None:
        return None if self._columns(ctx) else "needs fid, kid or inception_score, not in this log"

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: MetricJumpParams = self.params
        for col, higher in self._columns(ctx):
            rows, v = ctx.finite(col)
            if v.size < p.min_evals:
                continue
            x = 1.0 / np.where(v > 0, v, np.nan) if higher else v.astype(float)
            if not np.all(np.isfinite(x)) or np.any(x <= 0):
                continue
            best_so_far = np.minimum.accumulate(x)
            ratio = x[1:] / x[:-1]
            ok = (ratio >= p.factor) & (x[:-1] <= p.near_best * best_so_far[:-1])
            if not ok.any():
                continue
            k = int(np.argmax(np.where(ok, ratio, 0))) + 1
            before, after = float(v[k - 1]), float(v[k])
            later = x[k + 1:]
            recovered = bool(later.size and np.any(later <= p.recovered_within * x[k - 1]))
            span = ctx.span(int(rows[k - 1]), int(rows[-1] if not recovered else rows[k]))
            tail = ("; it came back later" if recovered else
                    (f"; it never recovered (latest {S.fmt(float(v[-1]))})" if later.size else
                     "; it is the latest evaluation"))
            factor = float(ratio[k - 1])
            yield self.finding(
                ctx, f"{col} jumped {S.fmt(before)} -> {S.fmt(after)} ({factor:.1f}x >= {S.fmt(p.factor)}x) "
                     f"between {ctx.step_text(float(ctx.steps[rows[k - 1]]))} and "
                     f"{ctx.step_text(float(ctx.steps[rows[k]]))}{tail}",
                span=span,
                evidence={"column": col, "before": before, "after": after, "factor": factor, "limit": p.factor,
                          "best_before": float(v[int(np.argmin(x[:k]))]), "recovered": recovered,
                          "latest": float(v[-1])},
                confidence=min(0.95, 0.5 + 0.1 * factor),
                severity=Severity.INFO if recovered else None)
            return
