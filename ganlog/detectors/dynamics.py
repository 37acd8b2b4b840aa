"""How the losses move: oscillation (amplitude, period, decay), regime changes, plateaus.

All three work on block medians (at most 20,000 blocks), so a million-record
run costs a few numpy passes: the period from an averaged numpy FFT, the
regime change from binary segmentation on cumulative sums, plateaus from
robust spreads over windows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from . import evidence as E
from . import stats as S
from .base import Context, Detector, Finding, Params, Severity
from .common import confidence, label, scale_of
from .evidence import too_short


def _detrend(x: np.ndarray, pieces: int = 16) -> np.ndarray:
    """Subtract a piecewise-linear trend through the medians of ``pieces`` equal parts."""
    n = x.size
    k = max(2, min(pieces, n // 8))
    edges = np.linspace(0, n, k + 1).astype(int)
    centers = (edges[:-1] + edges[1:] - 1) / 2.0
    meds = np.array([np.median(x[a:b]) for a, b in zip(edges[:-1], edges[1:])])
    return x - np.interp(np.arange(n), centers, meds)


def _minus_moving_average(x: np.ndarray, period: float) -> np.ndarray:
    """``x`` minus its centred moving average over one period (cumulative sums, O(n))."""
    n = x.size
    w = max(2, int(round(period)))
    c = np.concatenate([[0.0], np.cumsum(x)])
    t = np.arange(n)
    lo = np.clip(t - w // 2, 0, n)
    hi = np.clip(lo + w, 0, n)
    lo = np.maximum(0, hi - w)
    return x - (c[hi] - c[lo]) / (hi - lo)


def _local_amplitude(x: np.ndarray, period: float) -> np.ndarray:
    """Amplitude of the component at ``period`` in sliding windows of two periods (complex demodulation)."""
    n = x.size
    t = np.arange(n)
    z = x * np.exp(-2j * np.pi * t / period)
    w = max(2, int(round(2 * period)))
    c = np.concatenate([[0], np.cumsum(z)])
    lo = np.clip(t - w // 2, 0, n)
    hi = np.clip(t + w - w // 2, 0, n)
    return 2.0 * np.abs((c[hi] - c[lo]) / np.maximum(1, hi - lo))


@dataclass(frozen=True)
class OscillationParams(Params):
    #: amplitude limit as a fraction of the column's scale (chance level for BCE/LSGAN/hinge)
    min_amplitude: float = 0.15
    #: spectral peak at least this many times the median power around it (f/2 to 3f)
    min_peak_ratio: float = 10.0
    #: at least this many full periods inside the oscillating stretch
    min_periods: float = 4.0
    #: shortest period considered, in records (blocks on long runs)
    min_period: float = 3.0
    #: amplitude in the last quarter below this fraction of the first quarter's = decaying
    decay_ratio: float = 0.5
    #: amplitude growing more than this factor over the stretch is divergence, not oscillation
    max_growth: float = 20.0
    #: at least this many records for the spectral method; shorter logs get the swing method
    min_records: int = 64
    #: swing method: the fewest records (two full swings need four reversals: five points, and one to see
    #: the last one hold)
    short_min_records: int = 6
    #: swing method: reversals of the D/G balance across its median needed
    min_reversals: int = 4
    #: swing method: the balance's swing (10th to 90th percentile, in log units) at least this
    min_swing: float = 1.0


class Oscillation(Detector):
    """Oscillation of the losses: amplitude, dominant period, and whether it decays.

    What it detects
    ---------------
    A regular oscillation in the D or G loss. The loss is reduced to block
    medians, detrended (piecewise-linear through 16 medians) and its averaged
    periodogram (Hann window, numpy FFT) must show a peak at least 10x the
    median power around it (f/2 to 3f), again after removing a moving average
    over one period (so a curved trend is not a cycle); the amplitude of that
    component (complex demodulation over two periods) must exceed 15% of
    the column's scale (the family's chance level; for WGAN the series' own
    level) for at least 4 periods. Amplitude
    in the last quarter of that stretch below half the first quarter's =
    decaying (reported at info); so is a stretch that ended before the run's
    last quarter when the cycle is gone from that quarter (an early transient
    that settled); otherwise a warning. An amplitude that grows
    more than 20x over the stretch is left to divergence (GAN402).

    Why it matters
    --------------
    Sustained cycles mean the two players chase each other instead of
    converging (Mescheder et al. 2018): G hops between modes, D relearns, and
    sample quality cycles with the loss. Decaying oscillation is normal early
    in training.

    Evidence
    --------
    ``column``, ``amplitude``, ``limit``, ``period_steps``, ``period_records``,
    ``peak_ratio``, ``decaying``, ``amplitude_first``, ``amplitude_last``, ``settled``.

    Remedies
    --------
    TTUR / lower learning rates, R1 or WGAN-GP regularisation, spectral
    normalization, EMA of G's weights to smooth the cycle out of the samples.

    Weighing
    --------
    Long runs (``min_records``, 64, or more): the spectral peak's height over
    its neighbourhood and the stretch's length in periods give the confidence.
    Shorter, irregular logs (pasted excerpts) are judged on swings of the D/G
    balance (log D loss - log G loss, or the one loss logged): at least
    ``min_reversals`` reversals across its median, each clearing a dead band of
    15% of the swing; a swing of ``min_swing`` (log units, 2.7x) between the
    10th and 90th percentiles; a lag-1 autocorrelation beyond the ±2/sqrt(n)
    independent noise would show (positive: slow swings, negative: alternating
    records); and the second half's spread at least ``decay_ratio`` of the
    first's. When both losses are logged they must also move against each
    other (correlation of log D and log G loss below -2/sqrt(n)): a reversal
    of who is winning raises one loss as it lowers the other, while two losses
    that scatter independently, one mini-batch per print (batch-size-1
    pix2pix/CycleGAN prints), swing the balance just as much and mean nothing.
    Confidence grows with the swing and the reversals.

    Too short
    ---------
    Fewer than ``short_min_records`` (6) records: four reversals need five
    points, and one more to see the last one hold. The report says "too
    short to judge oscillation (N records)".

    Options
    -------
    ``min_amplitude`` (0.15), ``min_peak_ratio`` (10), ``min_periods`` (4),
    ``min_period`` (3), ``decay_ratio`` (0.5), ``max_growth`` (20), ``min_records`` (64),
    ``short_min_records`` (6), ``min_reversals`` (4), ``min_swing`` (1.0).

    References
    ----------
    Mescheder et al. (2018) Which Training Methods for GANs do actually Converge?;
    Heusel et al. (2017) GANs Trained by a Two Time-Scale Update Rule;
    Yazıcı et al. (2019) The Unusual Effectiveness of Averaging in GAN Training.
    """

    code = "GAN301"
    name = "oscillation"
    summary = "oscillation amplitude and period that do not decay"
    default_severity = Severity.WARNING
    remedies = ("ttur", "lr-reduction", "r1-penalty", "spectral-norm", "ema-generator", "wgan-gp")
    Params = OscillationParams

    def skip_reason(self, ctx: Context) -> str | None:
        if not (ctx.has("loss_d") or ctx.has("loss_g")):
            return "needs loss_d or loss_g, not in this log"
        n = max(ctx.finite(c)[0].size for c in ("loss_d", "loss_g"))
        p: OscillationParams = self.params
        if n < p.short_min_records:
            return too_short("oscillation", n)
        return None

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: OscillationParams = self.params
        if max(ctx.finite(c)[0].size for c in ("loss_d", "loss_g")) < p.min_records:
            f = self._swings(ctx, p)
            if f is not None:
                yield f
            return
        for col in ("loss_d", "loss_g"):
            if not ctx.has(col):
                continue
            f = self._one(ctx, col, p)
            if f is not None:
                yield f

    def _swings(self, ctx: Context, p: OscillationParams) -> Finding | None:
        """Short, irregular logs: the D/G balance swinging across its median, again and again."""
        d, g = ctx.series("loss_d"), ctx.series("loss_g")
        both = np.isfinite(d) & np.isfinite(g) & (d > 0) & (g > 0)
        if both.sum() >= p.short_min_records:
            rows = np.flatnonzero(both)
            ld, lg = np.log(d[rows]), np.log(g[rows])
            x = ld - lg  # who is winning: up = D's loss high (G winning)
            what = "the D/G balance (log D loss - log G loss)"
            # a reversal of who is winning moves the two losses against each other; two losses that
            # scatter independently (one mini-batch per print) swing the balance just as much, so the
            # losses must be anti-correlated beyond what independent noise shows
            if np.std(ld) > 0 and np.std(lg) > 0:
                if float(np.corrcoef(ld, lg)[0, 1]) > -2.0 / math.sqrt(rows.size):
                    return None
        else:
            col = "loss_d" if ctx.has("loss_d") else "loss_g"
            rows, v = ctx.finite(col)
            if v.size < p.short_min_records or np.any(v <= 0):
                return None
            x = np.log(v)
            what = f"log {label(col)}"
        n = x.size
        centred = x - np.median(x)
        swing = float(np.quantile(x, 0.9) - np.quantile(x, 0.1))
        dead = 0.15 * swing  # a crossing must clear a dead band, so noise at the median is no reversal
        side = np.sign(np.where(np.abs(centred) > dead, centred, 0.0))
        side = side[side != 0]
        reversals = int(np.sum(side[1:] != side[:-1])) if side.size > 1 else 0
        ac1 = float(np.corrcoef(centred[:-1], centred[1:])[0, 1]) if n > 2 and np.std(centred) > 0 else 0.0
        significant = abs(ac1) >= 2.0 / math.sqrt(n)  # swings, not independent noise
        half = n // 2
        first, last = S.mad(centred[:half]), S.mad(centred[half:])
        decaying = last < p.decay_ratio * first
        if reversals < p.min_reversals or swing < p.min_swing or not significant or decaying:
            return None
        effect = min(1.0, (swing - p.min_swing) / p.min_swing + 0.3 * (reversals - p.min_reversals) / p.min_reversals)
        span = ctx.span(int(rows[0]), int(rows[-1]))
        pattern = "alternating record to record" if ac1 < 0 else "in swings over several records"
        return self.finding(
            ctx,
            f"{what} reversed {reversals} times across its median over {ctx.span_text(span)}, {pattern} "
            f"(lag-1 autocorrelation {ac1:+.2f}, noise would stay within ±{2 / math.sqrt(n):.2f}), swinging "
            f"{math.exp(swing):.3g}x between its 10th and 90th percentiles; limit {p.min_reversals} reversals "
            f"and {math.exp(p.min_swing):.3g}x, not decaying",
            span=span,
            evidence={"method": "swings", "reversals": reversals, "swing_log": swing, "autocorrelation": ac1,
                      "records": n, "decaying": False, "settled": False, "loss_family": ctx.family.name},
            confidence=E.weigh(effect, n, 2 * p.short_min_records, share=1.0, at_end=True, base=0.4),
        )

    def _one(self, ctx: Context, col: str, p: OscillationParams) -> Finding | None:
        blk = ctx.blocks(col)
        if blk.n < p.min_records:
            return None
        x = _detrend(blk.median)
        spec = S.dominant_period(x, min_period=p.min_period)
        if spec is None or spec.peak_ratio < p.min_peak_ratio:
            return None
        # second pass: remove a moving average over exactly one period. It erases an
        # oscillation of that period but tracks any smooth trend (growth, decay), so what
        # was only the residue of a curved trend (e.g. a diverging loss) has no peak left.
        x = _minus_moving_average(blk.median, spec.period)
        again = S.dominant_period(x, min_period=p.min_period)
        if again is None or again.peak_ratio < p.min_peak_ratio or abs(again.period / spec.period - 1) > 0.25:
            return None
        scale, scale_text = scale_of(ctx, col)
        limit = p.min_amplitude * scale
        amp = _local_amplitude(x, spec.period)
        need = max(int(math.ceil(p.min_periods * spec.period)), 8)
        holds = S.sustained(amp >= limit, need, max_gap=int(spec.period), smooth=1)
        if not holds:
            return None
        a, b = max(holds, key=lambda r: r[1] - r[0])
        seg = amp[a:b + 1]
        q = max(1, seg.size // 4)
        first, last = float(np.median(seg[:q])), float(np.median(seg[-q:]))
        if last > p.max_growth * max(first, 1e-12):
            return None  # an envelope growing by orders of magnitude is divergence (GAN402), not a cycle
        decaying = last < p.decay_ratio * first
        # A stretch that ended well before the end of the run, with the cycle gone from
        # the run's last quarter, is an early transient that settled, not a sustained cycle.
        tail_n = max(need, blk.n // 4)
        settled = b < blk.n - tail_n and float(np.median(amp[-tail_n:])) < limit
        r0, r1 = int(blk.first[a]), int(blk.last[b])
        span = ctx.span(r0, r1)
        steps = ctx.steps
        step_per_block = (steps[r1] - steps[r0]) / max(1, b - a) if b > a else 1.0
        period_steps = spec.period * step_per_block
        amplitude = float(np.median(seg))
        tail = (f"decaying ({S.fmt(first)} → {S.fmt(last)})" if decaying
                else f"not decaying ({S.fmt(first)} → {S.fmt(last)})")
        if settled:
            tail += f", then settled: below the limit over the last {tail_n * blk.size:,} records"
        return self.finding(
            ctx,
            f"{label(col)} oscillates with amplitude {S.fmt(amplitude)} >= {S.fmt(limit)} "
            f"({p.min_amplitude:.0%} of {scale_text}), period about {S.fmt(period_steps)} steps, "
            f"{tail}, over {ctx.span_text(span)}",
            span=span,
            evidence={"column": col, "amplitude": amplitude, "limit": limit,
                      "period_steps": float(period_steps), "period_records": float(spec.period * blk.size),
                      "peak_ratio": spec.peak_ratio, "decaying": bool(decaying),
                      "amplitude_first": first, "amplitude_last": last, "settled": bool(settled),
                      "loss_family": ctx.family.name},
            confidence=confidence(min(1.0, spec.peak_ratio / (4 * p.min_peak_ratio)), b - a + 1, need, base=0.5),
            severity=Severity.INFO if (decaying or settled) else None,
        )


@dataclass(frozen=True)
class RegimeChangeParams(Params):
    #: level shift must be at least this fraction of the column's scale
    min_shift: float = 0.25
    #: and at least this many noise sigmas (robust, from first differences)
    min_sigmas: float = 4.0
    #: the binary-segmentation penalty, in multiples of log(n)
    penalty: float = 6.0
    #: blocks the series is reduced to for change-point search
    blocks: int = 2000
    #: each regime must last at least this many records ...
    min_records: int = 8
    #: ... and this fraction of the run (so half an oscillation is not a regime)
    min_fraction: float = 0.05


class RegimeChange(Detector):
    """The step where the run changed behaviour (change-point detection).

    What it detects
    ---------------
    The largest lasting shift in the level of the D loss (or, without it, the
    G loss): the series is reduced to at most 2,000 block medians, scaled by
    its robust noise sigma, and split by binary segmentation (O(n log n),
    cumulative sums, BIC-like penalty 6·log n). The strongest split whose
    shift exceeds 25% of the column's scale and 4 noise sigmas is reported,
    with the levels before and after: "behaviour changed at step N".

    Why it matters
    --------------
    Failures start somewhere. The step where the losses changed regime
    tells you which checkpoint is the last good one and which change (a
    learning-rate schedule, a resumed launch, a data switch) to suspect.
    It is reported at info: the other detectors say whether the new regime is bad.

    Evidence
    --------
    ``column``, ``change_step``, ``before``, ``after`` (medians), ``shift``,
    ``limit``, ``sigma``, ``other_changes`` (steps).

    Remedies
    --------
    Keep the best checkpoint (the one before the change); lower the learning rate from there.

    Weighing
    --------
    A split must move the level by both 25% of the column's scale and 4 noise
    sigmas; confidence grows with the shift over its limit. It is info only.

    Too short
    ---------
    Each regime must last ``min_records`` records: fewer than twice that and
    no change point is looked for.

    Options
    -------
    ``min_shift`` (0.25), ``min_sigmas`` (4), ``penalty`` (6), ``blocks`` (2000),
    ``min_records`` (8), ``min_fraction`` (0.05).

    References
    ----------
    Killick et al. (2012) Optimal Detection of Changepoints With a Linear
    Computational Cost; Truong et al. (2020) Selective Review of Offline
    Change Point Detection Methods.
    """

    code = "GAN302"
    name = "regime-change"
    summary = "the step where the run changed behaviour"
    default_severity = Severity.INFO
    remedies = ("keep-best-checkpoint", "lr-reduction")
    Params = RegimeChangeParams

    def skip_reason(self, ctx: Context) -> str | None:
        if not (ctx.has("loss_d") or ctx.has("loss_g")):
            return "needs loss_d or loss_g, not in this log"
        return None

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: RegimeChangeParams = self.params
        col = "loss_d" if ctx.has("loss_d") else "loss_g"
        blk = ctx.blocks(col, p.blocks)
        if blk.n < 2 * max(3, ctx.min_length(blk.n, p.min_records, p.min_fraction, blk.size)):
            return
        x = blk.median
        sigma = S.robust_sigma(x)
        scale, scale_text = scale_of(ctx, col)
        if sigma <= 0:
            sigma = max(1e-12, 0.01 * scale)
        min_size = max(2, ctx.min_length(blk.n, p.min_records, p.min_fraction, blk.size))
        cps = S.binary_segmentation(x / sigma, p.penalty * math.log(max(3, x.size)), min_size)
        if not cps:
            return
        bounds = [0, *cps, x.size]
        limit = max(p.min_shift * scale, p.min_sigmas * sigma)
        best = None
        significant: list[int] = []
        for i, cp in enumerate(cps):
            before = float(np.median(x[bounds[i]:cp]))
            after = float(np.median(x[cp:bounds[i + 2]]))
            shift = after - before
            if abs(shift) >= limit:
                significant.append(cp)
                if best is None or abs(shift) > abs(best[2]):
                    best = (cp, before, shift, after)
        if best is None:
            return
        cp, before, shift, after = best
        r0 = int(blk.first[cp])
        # the new regime lasts until the next significant change (small wobbles inside it do not end it)
        nxt = next((c for c in significant if c > cp), x.size)
        r1 = int(blk.last[nxt - 1])
        span = ctx.span(r0, r1)
        others = [float(ctx.steps[int(blk.first[c])]) for c in cps if c != cp]
        yield self.finding(
            ctx,
            f"{label(col)} changed regime at {ctx.step_text(span.start)}: median {S.fmt(before)} before, "
            f"{S.fmt(after)} after (shift {S.fmt(shift)}, limit {S.fmt(limit)} = max of "
            f"{p.min_shift:.0%} of {scale_text} and {p.min_sigmas:g} noise sigmas)",
            span=span,
            evidence={"column": col, "change_step": span.start, "before": before, "after": after,
                      "shift": shift, "limit": limit, "sigma": sigma, "other_changes": others},
            confidence=min(0.95, 0.5 + 0.1 * abs(shift) / limit),
        )


@dataclass(frozen=True)
class PlateauParams(Params):
    #: the still stretch must cover at least this fraction of the run ...
    min_fraction: float = 0.2
    #: ... and at least this many records
    min_records: int = 50
    #: relative spread (MAD / scale) below which a loss counts as still
    max_relative_spread: float = 0.002
    #: the earlier part must have moved at least this many times more
    min_contrast: float = 10.0
    #: chunks the run is cut into to find where the stillness began
    chunks: int = 50
    #: Inception Score below this in every evaluation: still at its floor of 1 (no progress at all)
    is_floor_limit: float = 1.5
    #: evaluations the IS must stay at its floor over
    is_min_evals: int = 3


class Plateau(Detector):
    """No progress over a long window: the losses stopped moving.

    What it detects
    ---------------
    A final stretch (at least 20% of the run and 50 records) where every
    logged loss is still: cut into 50 chunks, each chunk's spread (MAD) is
    below 0.2% of the loss's scale (chance level, or its own level for WGAN)
    and at least 10x smaller than the median spread before it; the stretch's
    Theil–Sen slope (on at most 400 block medians) is negligible too. Exact
    repeats are GAN203's case. The stretch starts at the first still chunk.

    Why it matters
    --------------
    A GAN's losses are never still while both networks learn. Still losses
    mean the updates became negligible: the learning rate decayed to
    (nearly) zero, the optimizer stopped stepping, or both networks settled
    in a degenerate equilibrium. Compute is being wasted.

    Evidence
    --------
    ``columns``, ``<column>_spread`` and ``<column>_earlier_spread``, ``limit``, ``records``.

    Remedies
    --------
    Check the learning-rate schedule and optimizer steps; keep the best
    checkpoint and stop; restart from it with a fresh learning rate.

    Where an Inception Score is logged, no progress at all is visible there
    too: the IS of any generator whose samples look like anything lies well
    above its floor of 1 (real CelebA/LSUN, the least diverse common data
    sets, score ~2.5–3.5; CIFAR-10 11; ImageNet 200+). Every evaluation below
    ``is_floor_limit`` (1.5), over ``is_min_evals`` (3) or more, says the
    samples are still not recognisable as any class: no progress over the run.

    Weighing
    --------
    A still stretch must be 10x stiller than what came before, cover
    ``min_fraction`` of the run and at least ``min_records``; a plateau needs
    contrast, so a log that never moved is GAN203's.

    Too short
    ---------
    Fewer than twice ``min_records`` (100) records: there is no earlier
    stretch to contrast with. The IS floor needs ``is_min_evals`` (3)
    evaluations: one or two can be the first moments of a run.

    Options
    -------
    ``min_fraction`` (0.2), ``min_records`` (50), ``max_relative_spread`` (0.002),
    ``min_contrast`` (10), ``chunks`` (50), ``is_floor_limit`` (1.5), ``is_min_evals`` (3).

    References
    ----------
    Prechelt (1998) Early Stopping — But When?;
    Heusel et al. (2017) GANs Trained by a Two Time-Scale Update Rule.
    """

    code = "GAN303"
    name = "plateau"
    summary = "no progress over a long window"
    default_severity = Severity.WARNING
    remedies = ("check-optimizer-steps", "keep-best-checkpoint", "lr-reduction")
    Params = PlateauParams

    def skip_reason(self, ctx: Context) -> str | None:
        if not (ctx.has("loss_d") or ctx.has("loss_g") or ctx.has("inception_score")):
            return "needs loss_d, loss_g or inception_score, not in this log"
        return None

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: PlateauParams = self.params
        f = self._is_at_floor(ctx, p)
        if f is not None:
            yield f
        if not (ctx.has("loss_d") or ctx.has("loss_g")):
            return
        cols = [c for c in ("loss_d", "loss_g") if ctx.has(c)]
        ev: dict = {"columns": cols, "limit": p.max_relative_spread}
        start_row = -1
        for col in cols:
            rows, v = ctx.finite(col)
            if v.size < 2 * p.min_records:
                return
            scale, _ = scale_of(ctx, col)
            limit = p.max_relative_spread * scale
            edges = np.linspace(0, v.size, min(p.chunks, v.size // 4) + 1).astype(int)
            spread = np.array([S.mad(v[a:b]) for a, b in zip(edges[:-1], edges[1:])])
            k = 0
            while k < spread.size and spread[spread.size - 1 - k] <= limit:
                k += 1
            if k == 0 or k == spread.size:
                return
            first = int(edges[spread.size - k])
            tail = v[first:]
            if tail.size < max(p.min_records, p.min_fraction * v.size):
                return
            if np.all(tail == tail[0]):
                return  # exact repeats: GAN203's case
            earlier = float(np.median(spread[: spread.size - k]))
            still = S.mad(tail)
            if earlier < p.min_contrast * max(still, 1e-15):
                return
            if abs(S.theil_sen(tail) * tail.size) > 10 * limit:
                return
            ev[f"{col}_spread"] = still
            ev[f"{col}_earlier_spread"] = earlier
            start_row = max(start_row, int(rows[first]))  # every loss must be still
        if start_row < 0:
            return
        span = ctx.span(start_row, ctx.n - 1)
        ev["records"] = span.records
        parts = ", ".join(
            f"{label(c)} spread {S.fmt(ev[f'{c}_spread'])} (earlier {S.fmt(ev[f'{c}_earlier_spread'])})"
            for c in cols)
        yield self.finding(
            ctx,
            f"losses stopped moving over {ctx.span_text(span)}: {parts}; limit {p.max_relative_spread:.1%} "
            f"of the loss scale",
            span=span, evidence=ev, confidence=0.7,
        )

    def _is_at_floor(self, ctx: Context, p: PlateauParams) -> Finding | None:
        """Inception Score that never left its floor: the generator has made no progress at all."""
        if not ctx.has("inception_score"):
            return None
        rows, v = ctx.finite("inception_score")
        v_ok = (v >= 1.0 - 1e-3) & (v <= 1000.0)
        rows, v = rows[v_ok], v[v_ok]
        if v.size < p.is_min_evals or float(np.max(v)) >= p.is_floor_limit:
            return None
        span = ctx.span(int(rows[0]), int(rows[-1]))
        return self.finding(
            ctx,
            f"Inception Score stayed at {S.fmt(float(np.min(v)))}–{S.fmt(float(np.max(v)))} over {v.size} "
            f"evaluations ({ctx.span_text(span)}), below {p.is_floor_limit:g} (its floor is 1: no sample "
            f"looks like any class): the generator has made no progress",
            span=span,
            evidence={"column": "inception_score", "max": float(np.max(v)), "limit": p.is_floor_limit,
                      "evaluations": int(v.size)},
            confidence=min(0.9, 0.55 + 0.08 * v.size),
        )
