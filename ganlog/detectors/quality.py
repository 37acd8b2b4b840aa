"""Sample quality where it is logged: FID/IS degradation, mode collapse from diversity or loss signatures."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from . import evidence as E
from . import stats as S
from .base import Context, Detector, Finding, Params, Severity
from .common import label

#: quality metrics: column -> True when higher is better
_METRICS: dict[str, bool] = {"fid": False, "inception_score": True, "kid": False}

#: columns whose names say they measure diversity (higher = more diverse)
_DIVERSITY = re.compile(r"(diversity|mode_coverage|modes_covered|num_modes|n_modes|coverage|recall|lpips)")


@dataclass(frozen=True)
class MetricDegradationParams(Params):
    #: the recent evaluations must be worse than the best by at least this fraction
    rel_worse: float = 0.10
    #: how many of the latest evaluations must all be worse (persistence)
    last_evals: int = 3
    #: fewer evaluations than this: not judged
    min_evals: int = 5
    #: the last evaluations this much worse than the best is an extreme effect: 2 of them settle it
    extreme_worse: float = 0.5


class MetricDegradation(Detector):
    """FID/IS getting worse than the best seen: the best checkpoint is behind you.

    What it detects
    ---------------
    A logged quality metric (FID, KID: lower is better; Inception Score:
    higher is better) whose best value came at step N and whose latest 3
    evaluations are all worse than it by at least 10% (their median is reported).

    Why it matters
    --------------
    GAN quality does not improve monotonically: late training often degrades
    samples (mode collapse, D overfitting on small data). The checkpoint at the
    best evaluation is the one to keep; training further wastes compute.

    Evidence
    --------
    ``column``, ``best``, ``best_step``, ``recent`` (median of the last
    evaluations), ``worse_by`` (fraction), ``limit``, ``evaluations``.

    Remedies
    --------
    Keep the best checkpoint (select by the metric), EMA of G's weights,
    lower learning rates late, data augmentation (ADA/DiffAugment) when D overfits small data.

    Weighing
    --------
    The last ``last_evals`` evaluations must all be worse than the best by
    ``rel_worse``: a quality metric is evaluated rarely and each evaluation is
    an average over thousands of samples, so three agreeing evaluations are
    strong evidence. A larger drop needs fewer: when the last two are both
    ``extreme_worse`` (50%) or more worse than the best (FID 48.7 → 84.0, 77.2),
    those two settle it; in between the evaluations needed fall from 3 to 2
    with the size of the drop.

    Too short
    ---------
    Fewer than ``min_evals`` (5) evaluations, or the best among the last ones:
    no best behind you to speak of.

    Options
    -------
    ``rel_worse`` (0.10), ``last_evals`` (3), ``min_evals`` (5), ``extreme_worse`` (0.5).

    References
    ----------
    Heusel et al. (2017) GANs Trained by a Two Time-Scale Update Rule (FID);
    Salimans et al. (2016) Improved Techniques for Training GANs (IS);
    Karras et al. (2020) Training Generative Adversarial Networks with Limited Data.
    """

    code = "GAN501"
    name = "metric-degradation"
    summary = "FID/IS getting worse than the best seen"
    default_severity = Severity.WARNING
    remedies = ("keep-best-checkpoint", "ema-generator", "lr-reduction", "data-augmentation", "spectral-norm")
    Params = MetricDegradationParams

    def skip_reason(self, ctx: Context) -> str | None:
        if not any(ctx.has(c) for c in _METRICS):
            return "needs fid, inception_score or kid, not in this log"
        return None

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: MetricDegradationParams = self.params
        for col, higher in _METRICS.items():
            if not ctx.has(col):
                continue
            rows, v = ctx.finite(col)
            ok = ~E.impossible(col, v)  # values outside the metric's range are GAN401's garbage
            rows, v = rows[ok], v[ok]
            if v.size < max(p.min_evals, p.last_evals + 1):
                continue
            kb = int(np.argmax(v) if higher else np.argmin(v))
            best = float(v[kb])
            if best == 0:
                continue

            def worse_of(x: np.ndarray) -> np.ndarray:
                return (best - x) / abs(best) if higher else (x - best) / abs(best)

            # effect: how much worse the last two evaluations are (1 at ``extreme_worse``); an extreme
            # drop needs 2 evaluations behind the best, one just past ``rel_worse`` needs ``last_evals``
            w2 = float(np.min(worse_of(v[-2:])))
            effect = (w2 - p.rel_worse) / max(1e-9, p.extreme_worse - p.rel_worse)
            k = E.records_needed(effect, mild=p.last_evals, floor=2)
            if kb >= v.size - k:
                continue
            recent = v[-k:]
            worse = worse_of(recent)
            if not np.all(worse >= p.rel_worse):
                continue
            med = float(np.median(recent))
            worse_by = float(np.median(worse))
            span = ctx.span(int(rows[kb]), int(rows[-1]))
            yield self.finding(
                ctx,
                f"{label(col)} best {S.fmt(best)} at {ctx.step_text(span.start)}; the last {k} evaluations "
                f"(median {S.fmt(med)}) are {worse_by:.0%} worse, limit {p.rel_worse:.0%}: "
                f"the best checkpoint is behind you",
                span=span,
                evidence={"column": col, "best": best, "best_step": span.start, "recent": med,
                          "worse_by": worse_by, "limit": p.rel_worse, "evaluations": int(v.size)},
                confidence=min(0.95, 0.6 + worse_by),
            )


@dataclass(frozen=True)
class ModeCollapseParams(Params):
    #: a diversity statistic below this fraction of its best (rolling median) = collapse
    drop_fraction: float = 0.5
    min_records: int = 5
    min_fraction: float = 0.05
    smooth: int = 3
    #: loss signature: G loss spread (MAD per chunk) below this fraction of its earlier spread
    g_spread_fraction: float = 0.1
    #: chunks the run is cut into for the loss signature
    chunks: int = 20
    #: loss signature needs at least this many records
    min_signature_records: int = 200


class ModeCollapseSuspected(Detector):
    """Diversity collapsing where a diversity statistic is logged; a weak loss signature otherwise.

    What it detects
    ---------------
    With a logged diversity statistic (a column named like ``diversity``,
    ``mode_coverage``, ``num_modes``, ``recall``, ``lpips``): its rolling
    median falling below 50% of its best so far (capped at the run's 90th
    percentile, so one over-dispersed early stretch is not the yardstick) for a sustained stretch
    (warning); a dip the run climbed out of (its last tenth back above the
    limit) is reported at info as recovered.
    Without one: the G loss's spread (MAD per chunk of 5% of the run) in the
    last 3+ chunks below 10% of its earlier median spread while the D loss
    keeps at least half its earlier spread, and no single value repeats in half
    the records (info, low confidence: losses alone cannot prove collapse).

    Why it matters
    --------------
    A collapsed generator maps most latent codes to a few outputs. Losses can
    look fine meanwhile; only a diversity measure shows it for sure.

    Evidence
    --------
    ``column``, ``best``, ``recent``, ``limit``, ``end_level``, ``recovered`` (diversity), or
    ``g_spread``, ``g_earlier_spread``, ``d_spread`` (signature).

    Remedies
    --------
    Minibatch statistics (minibatch std) in D, spectral normalization,
    WGAN-GP / R1, TTUR, keep the best checkpoint, data augmentation.

    Weighing
    --------
    With a diversity statistic: the drop's size against ``drop_fraction`` and
    its persistence; without one, the loss signature is only ever info
    (confidence 0.3).

    Too short
    ---------
    Fewer than ``min_records`` diversity records, or ``min_signature_records``
    (200) G-loss records for the signature.

    Options
    -------
    ``drop_fraction`` (0.5), ``min_records`` (5), ``min_fraction`` (0.05),
    ``smooth`` (3), ``g_spread_fraction`` (0.1), ``chunks`` (20),
    ``min_signature_records`` (200).

    References
    ----------
    Salimans et al. (2016) Improved Techniques for Training GANs (minibatch discrimination);
    Karras et al. (2018) Progressive Growing of GANs (minibatch standard deviation);
    Srivastava et al. (2017) VEEGAN; Metz et al. (2017) Unrolled Generative Adversarial Networks.
    """

    code = "GAN502"
    name = "mode-collapse-suspected"
    summary = "diversity collapsing, where it is logged (or a weak loss signature)"
    default_severity = Severity.WARNING
    remedies = ("minibatch-stats", "spectral-norm", "wgan-gp", "ttur", "keep-best-checkpoint", "data-augmentation")
    Params = ModeCollapseParams

    def _diversity_columns(self, ctx: Context) -> list[str]:
        return [c for c in ctx.run.frame.columns if _DIVERSITY.search(c) and ctx.has(c)]

    def skip_reason(self, ctx: Context) -> str | None:
        if self._diversity_columns(ctx) or ctx.has("loss_g"):
            return None
        return "needs a diversity statistic or loss_g, not in this log"

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: ModeCollapseParams = self.params
        cols = self._diversity_columns(ctx)
        for col in cols:
            blk = ctx.blocks(col)
            if blk.n < p.min_records:
                continue
            sm = S.rolling_median(blk.median, p.smooth)
            # judged against the best seen so far, so a dip the run later climbs out of
            # (and beyond) is still seen, and reported as recovered
            # capped at the run's 90th percentile: one over-dispersed stretch early in
            # training (an untrained G scattering samples) is not the level to hold it to
            best_so_far = np.minimum(np.maximum.accumulate(sm), float(np.quantile(sm, 0.9)))
            if float(best_so_far[-1]) <= 0:
                continue
            mask = (best_so_far > 0) & (sm < p.drop_fraction * best_so_far)
            need = ctx.min_length(blk.n, p.min_records, p.min_fraction, blk.size)
            found = S.sustained(mask, need, max_gap=1, smooth=1)
            if not found:
                continue
            a, b = found[0]
            best = float(best_so_far[a])
            limit = p.drop_fraction * best
            span = ctx.span(int(blk.first[a]), int(blk.last[b]))
            vals = ctx.series(col)[span.start_index:span.end_index + 1]
            recent = float(np.median(vals[np.isfinite(vals)]))
            # A dip that the run climbed out of (the last tenth of the run back above
            # the limit) is a transient worth a note, not a collapse to act on.
            tail_n = max(need, blk.n // 10)
            end_level = float(np.median(sm[-tail_n:]))
            recovered = found[-1][1] < blk.n - tail_n and end_level >= limit
            note = f"; recovered to {S.fmt(end_level)} by the end of the run" if recovered else ""
            yield self.finding(
                ctx,
                f"{col} fell to median {S.fmt(recent)} over {ctx.span_text(span)} < {S.fmt(limit)} = "
                f"{p.drop_fraction:.0%} of its best {S.fmt(best)}{note}",
                span=span,
                evidence={"column": col, "best": best, "recent": recent, "limit": limit, "records": span.records,
                          "end_level": end_level, "recovered": bool(recovered)},
                confidence=min(0.9, 0.6 + 0.3 * (1 - recent / limit)),
                severity=Severity.INFO if recovered else None,
            )
            return
        if cols or not ctx.has("loss_g"):
            return
        yield from self._signature(ctx, p)

    def _signature(self, ctx: Context, p: ModeCollapseParams) -> Iterable[Finding]:
        rows, g = ctx.finite("loss_g")
        if g.size < p.min_signature_records:
            return
        edges = np.linspace(0, g.size, p.chunks + 1).astype(int)
        spread = np.array([S.mad(g[a:b]) for a, b in zip(edges[:-1], edges[1:])])
        earlier = float(np.median(spread[: p.chunks // 2]))
        if earlier <= 0:
            return
        low = spread < p.g_spread_fraction * earlier
        k = 0
        while k < low.size and low[low.size - 1 - k]:
            k += 1
        if k < 3:
            return
        tail = g[edges[-k - 1]:]
        _, counts = np.unique(tail, return_counts=True)
        if counts.max() >= 0.5 * tail.size:
            return  # one value repeated: a flat line or a clamp ceiling (GAN203/GAN204), not a signature
        d_spread = math.nan
        if ctx.has("loss_d"):
            _, d = ctx.finite("loss_d")
            d_edges = np.linspace(0, d.size, p.chunks + 1).astype(int)
            d_chunks = np.array([S.mad(d[a:b]) for a, b in zip(d_edges[:-1], d_edges[1:])])
            d_spread = float(np.median(d_chunks[-k:]))
            if d_spread < 0.5 * float(np.median(d_chunks[: p.chunks // 2])):
                return  # D stopped moving too: a plateau (GAN303), not G collapsing onto few outputs
        start = int(edges[-k - 1])
        span = ctx.span(int(rows[start]), int(rows[-1]))
        g_spread = float(np.median(spread[-k:]))
        yield self.finding(
            ctx,
            f"G loss spread {S.fmt(g_spread)} over {ctx.span_text(span)} < {S.fmt(p.g_spread_fraction * earlier)} = "
            f"{p.g_spread_fraction:.0%} of its earlier spread {S.fmt(earlier)} while D keeps moving "
            f"(loss signature only: log a diversity statistic to be sure)",
            span=span,
            evidence={"g_spread": g_spread, "g_earlier_spread": earlier, "d_spread": d_spread,
                      "limit": p.g_spread_fraction * earlier},
            confidence=0.3,
            severity=Severity.INFO,
        )
