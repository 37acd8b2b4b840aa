"""Saturated and stuck values: D(x) pinned, D frozen, D outputs at 0/1, flat lines, clamp ceilings.

These read the printed numbers literally: two values that print the same
*are* the same to a trainer's log, and a loss of exactly 100.0000 from
PyTorch's ``BCELoss`` is its clamp (log clamped at -100), not a coincidence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from . import evidence as E
from . import stats as S
from .base import Context, Detector, Finding, Params, Severity
from .common import (LOSS_COLUMNS, SHORT_SERIES, scale_of, confidence, fmt_prob, label, mask_holds, values_in, weighed_holds,
                     weighed_mask)


def _probability_like(ctx: Context, column: str) -> bool:
    """True when the column looks like sigmoid outputs (99% of values within [0, 1])."""
    _, v = ctx.finite(column)
    return v.size > 0 and float(np.mean((v >= -1e-6) & (v <= 1 + 1e-6))) >= 0.99


@dataclass(frozen=True)
class DxPinnedParams(Params):
    #: D(x) rolling median at or above this is "pinned at 1"
    limit: float = 0.99
    #: ... or at or above this where D(G(z)) prints as 0 in the same records (short logs)
    witnessed_limit: float = 0.98
    min_records: int = 8
    min_fraction: float = 0.02
    smooth: int = 5


class DxPinned(Detector):
    """D(x) pinned at 1: the discriminator is certain about every real sample.

    What it detects
    ---------------
    The rolling median of D(x), the mean discriminator output on real data,
    stays at or above 0.99 for a sustained stretch. Only for sigmoid outputs
    (values within [0, 1]); logits are left alone.

    Why it matters
    --------------
    A healthy D(x) hovers between about 0.3 and 0.8. Pinned at 1, the
    discriminator has memorised or trivially separated the real data; with
    D(G(z)) near 0 it is D dominance, and the generator's gradients vanish.
    On small data sets it is also the sign of D overfitting (Karras et al. 2020).

    Evidence
    --------
    ``median`` (D(x) median over the span), ``limit``, ``records``,
    ``d_g_z_median`` when D(G(z)) is logged.

    Remedies
    --------
    One-sided label smoothing (targets 0.9), instance noise, data
    augmentation (DiffAugment/ADA) on small data, R1 penalty, TTUR.

    Weighing
    --------
    The effect is how close the D(x) median sits to 1 past the limit (1 when
    printed as ``1.0000``: saturated below the print resolution). An extreme
    effect needs 2 records, one at the limit ``min_records``; a stretch must
    cover ``min_fraction`` of the run unless it reaches the end. D(G(z)) at 0
    alongside raises the confidence.

    D(G(z)) printed as 0 in the same records is a witness (judged with the
    print resolution, as GAN205 judges it): D separates real from fake with
    certainty, so in short logs (up to 200 records) a record counts from
    ``witnessed_limit`` (0.98) on, and the effect is measured from there
    (0 at 0.98, 1 at 1). D(x) 0.984-0.998 with D(G(z)) 0.0000 over three
    records is D winning, not a D(x) that merely sits high.

    Too short
    ---------
    One record is a blip; two records printed at 1 are a state. On runs over
    200 records a rolling median removes blips first.

    Options
    -------
    ``limit`` (0.99), ``witnessed_limit`` (0.98), ``min_records`` (8), ``min_fraction`` (0.02),
    ``smooth`` (5).

    References
    ----------
    Salimans et al. (2016) Improved Techniques for Training GANs;
    Karras et al. (2020) Training Generative Adversarial Networks with Limited Data;
    Sønderby et al. (2017) Amortised MAP Inference for Image Super-resolution.
    """

    code = "GAN201"
    name = "d-x-pinned"
    summary = "D(x) pinned at 1"
    requires = ("d_x",)
    default_severity = Severity.WARNING
    remedies = ("one-sided-label-smoothing", "instance-noise", "data-augmentation", "r1-penalty", "ttur")
    Params = DxPinnedParams

    def skip_reason(self, ctx: Context) -> str | None:
        reason = super().skip_reason(ctx)
        if reason is None and not _probability_like(ctx, "d_x"):
            return "D(x) is not within [0, 1] (logits, not probabilities)"
        return reason

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: DxPinnedParams = self.params
        res = E.resolution(ctx, "d_x")

        def effect(vals: np.ndarray) -> float:
            med = float(np.median(vals)) if vals.size else p.limit
            if med >= 1 - 0.5 * res - 1e-12:
                return 1.0  # printed as 1: saturated below the print resolution
            return float(min(1.0, max(0.0, (med - p.limit) / max(1e-9, 1 - p.limit))))

        found = self._witnessed(ctx, p, res)
        limit_text = f"{p.witnessed_limit:g} with D(G(z)) printed as 0" if found else f"{p.limit:g}"
        if not found:
            found = weighed_holds(ctx, "d_x", lambda v: v >= p.limit, effect, min_records=p.min_records,
                                  min_fraction=p.min_fraction, smooth=p.smooth)
        for w in found[:3]:
            h = w.hold
            med = float(np.median(values_in(ctx, "d_x", h)))
            ev = {"median": med, "limit": p.limit, "records": h.records, "effect": w.effect,
                  "print_resolution": res}
            extra = ""
            if ctx.has("d_g_z1"):
                dg = values_in(ctx, "d_g_z1", h)
                if dg.size:
                    ev["d_g_z_median"] = float(np.median(dg))
                    extra = f"; D(G(z)) median {fmt_prob(ev['d_g_z_median'])}"
            conf = w.confidence + (0.05 if ev.get("d_g_z_median", 1.0) <= 0.01 else 0.0)
            yield self.finding(
                ctx,
                f"D(x) median {fmt_prob(med)} over {ctx.span_text(h.span)} >= {limit_text}{extra}",
                span=h.span, evidence=ev, confidence=conf,
            )


    @staticmethod
    def _witnessed(ctx: Context, p: DxPinnedParams, res: float) -> list:
        """Short logs: D(x) from ``witnessed_limit`` on where D(G(z)) prints as 0 in the same record."""
        rows, v = ctx.finite("d_x")
        if v.size == 0 or v.size > SHORT_SERIES or not ctx.has("d_g_z1"):
            return []
        dg = ctx.series("d_g_z1")[rows]
        zero = np.isfinite(dg) & (np.abs(dg) <= 0.5 * E.resolution(ctx, "d_g_z1") + 1e-12)
        mask = (v >= p.witnessed_limit) & zero
        if not mask.any():
            return []
        mask |= v >= p.limit

        def effect(a: int, b: int) -> float:
            vals = v[a:b + 1][mask[a:b + 1]]
            med = float(np.median(vals)) if vals.size else p.witnessed_limit
            if med >= 1 - 0.5 * res - 1e-12:
                return 1.0
            return float(min(1.0, max(0.0, (med - p.witnessed_limit) / (1 - p.witnessed_limit))))

        return weighed_mask(ctx, mask, rows, effect, min_records=p.min_records, min_fraction=p.min_fraction,
                            smooth=p.smooth)


@dataclass(frozen=True)
class DFrozenParams(Params):
    #: values within this distance of 0 or 1 count as saturated (GAN205), not frozen
    saturation_eps: float = 1e-4
    #: relative tolerance for "equal" (printed values compare exactly)
    rtol: float = 1e-9
    min_records: int = 8
    min_fraction: float = 0.02
    #: majority vote over this many records before judging persistence
    smooth: int = 5


def _equal_pairs(ctx: Context, rtol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    a, b = ctx.series("d_g_z1"), ctx.series("d_g_z2")
    rows = np.flatnonzero(np.isfinite(a) & np.isfinite(b))
    a, b = a[rows], b[rows]
    eq = np.abs(a - b) <= rtol * np.maximum(np.abs(a), np.abs(b)) + 1e-15
    return rows, a, b, eq


class DFrozen(Detector):
    """D(G(z)) identical before and after the D step at mid-range values: D is not being updated.

    What it detects
    ---------------
    In the PyTorch DCGAN convention the log prints ``D(G(z)): a / b``, where
    ``a`` is D's mean output on the fakes before the discriminator's optimizer
    step and ``b`` after it (the same fakes, scored again in the G step). When
    D learns, ``b`` differs from ``a`` in every record. Identical values for a
    sustained stretch (majority of 5 records, at least 8 records and 2% of the
    run) at values strictly inside (0, 1) mean D's weights did not change.
    Identical values printed as exactly 0 or 1 are saturation instead (GAN205).

    Why it matters
    --------------
    A frozen D cannot teach G anything new. The usual causes are code, not
    hyper-parameters: a loss-threshold gate that skips ``optimizer_d.step()``
    once D's loss is small, a missing ``step()`` or ``zero_grad()`` mix-up,
    ``requires_grad`` switched off for D and never back on, or a zero learning rate.

    Evidence
    --------
    ``records`` (with a == b), ``value_median`` (the identical value), ``equal_fraction``
    within the span.

    Remedies
    --------
    Remove the gate on the D update; check optimizer steps and ``requires_grad``;
    then rebalance with TTUR rather than by skipping updates.

    Weighing
    --------
    Identical pairs at mid-range values are nearly impossible while D learns,
    so the requirement is the persistence window (``min_records`` and
    ``min_fraction``, majority of ``smooth``); confidence grows with the share
    of equal records.

    Too short
    ---------
    Fewer than ``min_records`` (8) records with both values: a few identical
    pairs can come from a D whose step barely moved its mean output.

    Options
    -------
    ``saturation_eps`` (1e-4), ``rtol`` (1e-9), ``min_records`` (8),
    ``min_fraction`` (0.02), ``smooth`` (5).

    References
    ----------
    Radford et al. (2016) Unsupervised Representation Learning with Deep
    Convolutional GANs (the DCGAN example's logging); Heusel et al. (2017) GANs Trained
    by a Two Time-Scale Update Rule.
    """

    code = "GAN202"
    name = "d-frozen"
    summary = "D(G(z)) before and after the D step identical: D is not being updated"
    requires = ("d_g_z1", "d_g_z2")
    default_severity = Severity.ERROR
    remedies = ("remove-d-gate", "check-optimizer-steps", "ttur", "training-ratio")
    Params = DFrozenParams

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: DFrozenParams = self.params
        rows, a, _, eq = _equal_pairs(ctx, p.rtol)
        mid = (a > p.saturation_eps) & (a < 1 - p.saturation_eps)
        holds = mask_holds(ctx, eq & mid, rows, min_records=p.min_records,
                           min_fraction=p.min_fraction, smooth=p.smooth)
        need = ctx.min_length(rows.size, p.min_records, p.min_fraction)
        for h in holds[:3]:
            seg = slice(h.first_block, h.last_block + 1)
            frac = float(np.mean(eq[seg]))
            n_eq = int(np.sum(eq[seg] & mid[seg]))
            med = float(np.median(a[seg][eq[seg]]))
            yield self.finding(
                ctx,
                f"D(G(z)) identical before and after the D step in {n_eq:,} of {h.records:,} records "
                f"({frac:.0%}) over {ctx.span_text(h.span)}, at mid-range values (median {fmt_prob(med)}); "
                f"limit: never for {need:,}+ records",
                span=h.span,
                evidence={"records": h.records, "equal_records": n_eq, "equal_fraction": frac,
                          "value_median": med, "min_records": need},
                confidence=confidence(frac, h.records, need, base=0.6),
            )


@dataclass(frozen=True)
class DSaturatedParams(Params):
    #: D outputs within this of 0 or 1 count as saturated
    eps: float = 1e-4
    min_records: int = 8
    min_fraction: float = 0.02
    smooth: int = 5


class DSaturated(Detector):
    """D's outputs on fakes sit at exactly 0 (or 1): the sigmoid is saturated.

    What it detects
    ---------------
    D(G(z)) (both values when the log prints ``a / b``) within 1e-4 of 0 or
    of 1, as printed (``0.000000 / 0.000000``), for a sustained stretch.

    Why it matters
    --------------
    At 0, D rejects every fake with certainty: the sigmoid is saturated, the
    gradient through it vanishes, and with the saturating (minimax) or MSE
    loss the generator receives nothing. Losses print as exact zeros. At 1, D
    accepts every fake: it has stopped discriminating.

    Evidence
    --------
    ``side`` (0 or 1), ``records``, ``d_x_median`` when D(x) is logged, ``limit`` (eps).

    Remedies
    --------
    Use logits-based losses (BCEWithLogits) and the non-saturating G loss;
    add instance noise or label smoothing; spectral normalization or WGAN-GP.

    Weighing
    --------
    Values printed as exactly 0 (or 1) are saturated below the print
    resolution: the effect is 1 and 2 records settle it; values within ``eps``
    but visible to the print need more (up to ``min_records``). A stretch must
    cover ``min_fraction`` of the run unless it reaches the end.

    D's outputs on real *and* fake printed at the same extreme (D(x) and
    D(G(z)) both ``1.0000``, or both ``0.0000``) is another matter: each is a
    mean over a batch, so every real and every fake sample got the same
    saturated output. D has stopped discriminating and sits on a saturated
    sigmoid; that is no moment of a contest (D winning prints D(x) 1 with
    D(G(z)) 0). One such record is evidence: a warning at confidence 0.6
    when the stretch rule above needs more records. Only with at least
    three printed decimals (a value printed as ``1`` says nothing).

    Too short
    ---------
    One record is a blip; two records printed at 0 are a state. One record
    with D(x) and D(G(z)) at the same extreme is enough for a warning.

    Options
    -------
    ``eps`` (1e-4), ``min_records`` (8), ``min_fraction`` (0.02), ``smooth`` (5).

    References
    ----------
    Goodfellow et al. (2014) Generative Adversarial Nets (the saturating loss);
    Arjovsky & Bottou (2017) Towards Principled Methods for Training GANs;
    Mao et al. (2017) Least Squares Generative Adversarial Networks.
    """

    code = "GAN205"
    name = "d-saturated"
    summary = "D outputs on fakes at exactly 0 or 1: sigmoid saturated"
    requires = ("d_g_z1",)
    default_severity = Severity.ERROR
    remedies = ("bce-with-logits", "non-saturating-loss", "instance-noise", "one-sided-label-smoothing",
                "spectral-norm", "wgan-gp")
    Params = DSaturatedParams

    def skip_reason(self, ctx: Context) -> str | None:
        reason = super().skip_reason(ctx)
        if reason is None and not _probability_like(ctx, "d_g_z1"):
            return "D(G(z)) is not within [0, 1] (logits, not probabilities)"
        return reason

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: DSaturatedParams = self.params
        a = ctx.series("d_g_z1")
        b = ctx.series("d_g_z2") if ctx.has("d_g_z2") else a
        b = np.where(np.isfinite(b), b, a)
        rows = np.flatnonzero(np.isfinite(a))
        a, b = a[rows], b[rows]
        res = E.resolution(ctx, "d_g_z1")
        eps = max(p.eps, 0.5 * res + 1e-12)  # what prints as 0 (or 1) is saturated to the print's eyes
        found = False
        for side, mask in ((0, (a <= eps) & (b <= eps)), (1, (a >= 1 - eps) & (b >= 1 - eps))):
            dist = np.maximum(np.abs(a - side), np.abs(b - side))

            def effect(i: int, j: int, dist: np.ndarray = dist, mask: np.ndarray = mask) -> float:
                d = dist[i:j + 1][mask[i:j + 1]]
                med = float(np.median(d)) if d.size else eps
                return 1.0 if med <= 0.5 * res + 1e-12 else E.effect_below(med, 2 * eps)

            for w in weighed_mask(ctx, mask, rows, effect, min_records=p.min_records,
                                  min_fraction=p.min_fraction, smooth=p.smooth)[:2]:
                h = w.hold
                seg = slice(h.first_block, h.last_block + 1)
                n_sat = int(mask[seg].sum())
                ev = {"side": side, "records": h.records, "saturated_records": n_sat, "limit": eps,
                      "effect": w.effect, "print_resolution": res}
                extra = ""
                if ctx.has("d_x"):
                    dx = values_in(ctx, "d_x", h)
                    if dx.size:
                        ev["d_x_median"] = float(np.median(dx))
                        extra = f"; D(x) median {fmt_prob(ev['d_x_median'])}"
                found = True
                yield self.finding(
                    ctx,
                    f"D(G(z)) at {side} (within {eps:.2g}, printed as {side}) in {n_sat:,} of {h.records:,} "
                    f"records over {ctx.span_text(h.span)}{extra}: D's sigmoid is saturated",
                    span=h.span, evidence=ev,
                    confidence=w.confidence * (n_sat / max(1, h.records)) ** 0.5,
                )
        if not found:
            yield from self._same_extreme(ctx, rows, a, b)

    def _same_extreme(self, ctx: Context, rows: np.ndarray, a: np.ndarray, b: np.ndarray) -> Iterable[Finding]:
        """D(x) and D(G(z)) printed at the same extreme in a record: D's output saturated for every input."""
        if not ctx.has("d_x"):
            return
        res_g, res_x = E.resolution(ctx, "d_g_z1"), E.resolution(ctx, "d_x")
        if max(res_g, res_x) > 1e-3:
            return
        dx = ctx.series("d_x")[rows]
        for side in (0, 1):
            at = np.isfinite(dx) & (np.abs(dx - side) <= 0.5 * res_x + 1e-12)
            at &= (np.abs(a - side) <= 0.5 * res_g + 1e-12) & (np.abs(b - side) <= 0.5 * res_g + 1e-12)
            if not at.any():
                continue
            idx = np.flatnonzero(at)
            span = ctx.span(int(rows[idx[0]]), int(rows[idx[-1]]))
            yield self.finding(
                ctx,
                f"D(x) and D(G(z)) both printed as {side} in {idx.size:,} record(s) over {ctx.span_text(span)}: "
                f"D gives every real and every fake the same saturated output; it has stopped discriminating",
                span=span,
                evidence={"side": side, "records": int(idx.size), "same_extreme": True,
                          "print_resolution": max(res_g, res_x)},
                confidence=0.6,
                severity=Severity.WARNING,
            )


@dataclass(frozen=True)
class FlatlineParams(Params):
    #: records a repeat needs at the least (one repeat, two records, is no evidence)
    floor_records: int = 3
    #: a repeat must be this unlikely by chance (10^-surprise) for noisy training to print it
    surprise: float = 6.0
    #: and at least this fraction of the run, unless it reaches the end of the log
    min_fraction: float = 0.02


class Flatline(Detector):
    """A loss repeating the same value exactly: a dead network, constant logits, a frozen D.

    What it detects
    ---------------
    A loss column (D, G, D on real/fake) printing the very same number in
    consecutive records. Values printed as exactly 0 are left out: a D loss
    of ``0.0000`` is saturation below the print resolution (GAN101/GAN205),
    not a frozen network. A repeated clamp value (100, 16.118, 13.82) is
    reported here too when it is the whole story of a column that never moved
    (GAN204 says which clamp).

    Why it matters
    --------------
    Constant losses mean constant outputs: D's logits stuck at a constant
    (D loss 1.386 = 2·ln2 and G loss 0.693 = ln2 forever for BCE: D outputs
    0.5 everywhere), dead ReLUs, a NaN-guard replacing values, or a training
    loop that logs a stale variable. Nothing is learning.

    Weighing
    --------
    How unlikely the repeat is by chance: a noisy loss with record-to-record
    spread ``s`` (robust sigma of its differences, or a tenth of its scale
    when it never moves) printed with resolution ``r`` repeats one value by
    chance about ``r/s`` of the time, so ``k`` equal records happen by chance
    about ``(r/s)^(k-1)``. The repeat must be rarer than 10^-``surprise``:
    ``k >= 1 + surprise / log10(s/r)``, at least ``floor_records``. Four
    decimals on a loss that moves by 0.05 need 4 records; two decimals need
    about 10. On long runs the stretch must also cover ``min_fraction`` of the
    run unless it reaches the end. Confidence grows with how far past the
    requirement the repeat runs.

    Too short
    ---------
    A column with fewer records than the requirement cannot show a repeat
    this unlikely; then nothing is said.

    Evidence
    --------
    ``column``, ``value``, ``records``, ``min_records`` (the requirement),
    ``print_resolution``, ``at_chance`` (the value equals the family's chance
    level), ``on_clamp``.

    Remedies
    --------
    Check optimizer steps and ``requires_grad``; check the learning rate;
    use logits-based losses; clip gradients when the freeze followed a spike.

    Options
    -------
    ``floor_records`` (3), ``surprise`` (6), ``min_fraction`` (0.02).

    References
    ----------
    Goodfellow (2016) NIPS 2016 Tutorial: Generative Adversarial Networks;
    Lu et al. (2019) Dying ReLU and Initialization: Theory and Numerical Examples.
    """

    code = "GAN203"
    name = "flatline"
    summary = "a loss repeating the same value exactly"
    default_severity = Severity.ERROR
    remedies = ("check-optimizer-steps", "lr-reduction", "bce-with-logits", "grad-clipping")
    Params = FlatlineParams

    def skip_reason(self, ctx: Context) -> str | None:
        if not any(ctx.has(c) for c in LOSS_COLUMNS):
            return "needs a loss column (loss_d, loss_g, ...), not in this log"
        return None

    def needed(self, ctx: Context, col: str, v: np.ndarray) -> tuple[int, float]:
        """Records a repeat needs in this column, and the print resolution."""
        p: FlatlineParams = self.params
        res = E.resolution(ctx, col)
        moving = np.diff(v)
        moving = moving[moving != 0]
        spread = S.MAD_TO_SIGMA * float(np.median(np.abs(moving))) if moving.size >= 3 else 0.0
        if spread <= 0:
            spread = 0.1 * scale_of(ctx, col)[0]
        ratio = spread / res
        if ratio <= 1.0:
            return 10**9, res  # the print is too coarse to tell a repeat from noise
        return max(p.floor_records, int(math.ceil(1 + p.surprise / math.log10(ratio)))), res

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: FlatlineParams = self.params
        for col in LOSS_COLUMNS:
            if not ctx.has(col):
                continue
            rows, v = ctx.finite(col)
            if v.size < 2:
                continue
            need_k, res = self.needed(ctx, col, v)
            same = np.concatenate([[False], v[1:] == v[:-1]])
            # a run of k equal neighbours covers k+1 records: extend each run one back
            same[:-1] |= same[1:]
            same &= np.abs(v) > 0.5 * res + 1e-12  # printed 0: saturation, not a flat line
            share = int(math.ceil(p.min_fraction * v.size))
            found = [r for r in S.runs(same)
                     if r[1] - r[0] + 1 >= max(need_k, share if r[1] < v.size - 1 else 0)]
            for a, b in found[:2]:
                value = float(v[a])
                k = b - a + 1
                on_clamp = _on_ceiling(value)
                if on_clamp and k < v.size:
                    continue  # a clamp visited for a while: GAN204's case
                span = ctx.span(int(rows[a]), int(rows[b]))
                chance = ctx.family.chance_d if col == "loss_d" else ctx.family.chance_g if col == "loss_g" else None
                at_chance = bool(chance) and math.isclose(value, float(chance), rel_tol=2e-3)
                note = f" = the chance level of {ctx.family.name} (D outputs constant)" if at_chance else ""
                if on_clamp:
                    note = " (a clamp value, see GAN204), never moving"
                effect = min(1.0, (k - need_k) / max(1.0, need_k))
                yield self.finding(
                    ctx,
                    f"{label(col)} exactly {value:g}{note} for {k:,} consecutive records over "
                    f"{ctx.span_text(span)}; by chance at most {need_k:,} in a row (printed to {res:g})",
                    span=span,
                    evidence={"column": col, "value": value, "records": k, "min_records": need_k,
                              "print_resolution": res, "at_chance": at_chance, "on_clamp": on_clamp},
                    confidence=E.weigh(0.5 + 0.5 * effect, k, need_k, share=k / v.size,
                                       at_end=b >= v.size - 1, base=0.55),
                )


#: clamp ceilings seen in real logs: value -> where it comes from
CLAMP_CEILINGS: dict[float, str] = {
    100.0: "PyTorch BCELoss clamps log at -100",
    50.0: "half of BCELoss's 100 clamp (loss averaged over real and fake)",
    200.0: "twice BCELoss's 100 clamp (real + fake summed)",
    25.0: "a quarter of BCELoss's 100 clamp",
    -math.log(1e-7): "Keras/TF epsilon 1e-7 (-log 1e-7 = 16.118)",
    -math.log(1e-7) / 2: "half of Keras' 16.118",
    -2 * math.log(1e-7): "twice Keras' 16.118",
    -math.log(1e-8): "-log(1e-8) = 18.421 (eps 1e-8)",
    -math.log(1e-6): "-log(1e-6) = 13.816 (eps 1e-6)",
    -math.log(1e-12): "-log(1e-12) = 27.631 (eps 1e-12)",
    -math.log(1e-10): "-log(1e-10) = 23.026 (eps 1e-10)",
    -math.log(float(np.finfo(np.float32).eps)): "-log(float32 eps) = 15.942",
}


def _on_ceiling(value: float, rtol: float = 5e-4) -> bool:
    return any(abs(value - c) <= rtol * c for c in CLAMP_CEILINGS)


@dataclass(frozen=True)
class ClampSaturationParams(Params):
    #: relative tolerance to a ceiling (printed precision)
    rtol: float = 5e-4
    min_records: int = 5
    min_fraction: float = 0.01
    smooth: int = 3


class ClampSaturation(Detector):
    """Losses sitting on a clamp ceiling: BCELoss's 100 and its halves, Keras' 16.118, -log(eps).

    What it detects
    ---------------
    A loss column whose values sit on a known clamp ceiling for a sustained
    stretch: PyTorch ``BCELoss`` clamps its log terms at -100, so a loss of
    exactly 100 (or 50, 200, 25 after averaging or summing) means
    probabilities of exactly 0 or 1; Keras clips probabilities to
    [1e-7, 1 - 1e-7], giving 16.118; other epsilons give 13.816, 18.421, 27.631...

    Why it matters
    --------------
    On the ceiling the loss no longer measures anything and its gradient is
    zero or garbage: the network's sigmoid outputs are saturated to the last
    bit. Training is effectively stopped for that network.

    Evidence
    --------
    ``column``, ``ceiling``, ``origin`` (where the ceiling comes from), ``records``.

    Remedies
    --------
    Compute the loss from logits (``BCEWithLogitsLoss``), use the
    non-saturating G loss, lower the learning rate, add instance noise.

    Options
    -------
    ``rtol`` (5e-4), ``min_records`` (5), ``min_fraction`` (0.01), ``smooth`` (3).

    Weighing
    --------
    A value on a ceiling to the print's last digit (``100.0000``) is as
    extreme as a log can show: 2 records settle it; a value near a ceiling
    within ``rtol`` but not to the last digit needs about ``min_records``. The
    G loss printed as exactly 0 (its floor) counts the same way, and so does
    the D loss when every candidate family has a sigmoid D (a hinge or critic
    D loss is exactly 0 whenever its margins are met). On runs
    over 200 records the stretch must also cover ``min_fraction`` of the run.

    Too short
    ---------
    One record on a ceiling is a blip; two are a pattern.

    References
    ----------
    PyTorch documentation (2019+) BCELoss (log clamped to >= -100);
    Chollet et al. (2015) Keras backend epsilon 1e-7;
    Goodfellow et al. (2014) Generative Adversarial Nets.
    """

    code = "GAN204"
    name = "clamp-saturation"
    summary = "losses sitting on a clamp ceiling (BCE's 100, Keras' 16.118, ...)"
    default_severity = Severity.ERROR
    remedies = ("bce-with-logits", "non-saturating-loss", "lr-reduction", "instance-noise", "grad-clipping")
    Params = ClampSaturationParams

    def skip_reason(self, ctx: Context) -> str | None:
        if not any(ctx.has(c) for c in LOSS_COLUMNS):
            return "needs a loss column (loss_d, loss_g, ...), not in this log"
        return None

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: ClampSaturationParams = self.params
        ceilings = np.array(sorted(CLAMP_CEILINGS))
        for col in LOSS_COLUMNS:
            if not ctx.has(col):
                continue
            rows, v = ctx.finite(col)
            yield from self._floor(ctx, col, rows, v, p)
            if not (v >= ceilings[0] * (1 - p.rtol)).any():
                continue  # cheap exit: nothing reaches the lowest ceiling
            pos = np.clip(np.searchsorted(ceilings, v), 1, ceilings.size - 1)
            near = np.where(np.abs(v - ceilings[pos - 1]) < np.abs(v - ceilings[pos]), pos - 1, pos)
            c = ceilings[near]
            res = E.resolution(ctx, col)
            on = np.abs(v - c) <= np.maximum(p.rtol * c, 0.5 * res + 1e-12)
            if not on.any():
                continue
            # on the ceiling to the print's precision is as extreme as a log can show
            exact = np.abs(v - c) <= 0.5 * res + 1e-9
            found = weighed_mask(ctx, on, rows, lambda a, b: 1.0 if exact[a:b + 1][on[a:b + 1]].mean() >= 0.5
                                 else 0.5, min_records=p.min_records, min_fraction=p.min_fraction,
                                 smooth=p.smooth)
            if not found:
                continue
            # one finding per column, from the first stretch on the ceiling to the last
            first, last = found[0], found[-1]
            span = ctx.span(first.hold.first_row, last.hold.last_row)
            a, b = first.hold.first_block, last.hold.last_block
            seg = slice(a, b + 1)
            vals, counts = np.unique(c[seg][on[seg]], return_counts=True)
            ceiling = float(vals[np.argmax(counts)])
            n_on = int(on[seg].sum())
            records = b - a + 1 if v.size <= 200 else span.records
            origin = CLAMP_CEILINGS[min(CLAMP_CEILINGS, key=lambda k: abs(k - ceiling))]
            yield self.finding(
                ctx,
                f"{label(col)} on the clamp ceiling {S.fmt(ceiling)} ({origin}) in {n_on:,} of "
                f"{records:,} records over {ctx.span_text(span)}; needed {first.need:,} records",
                span=span,
                evidence={"column": col, "ceiling": ceiling, "origin": origin, "records": n_on,
                          "min_records": first.need, "effect": first.effect},
                confidence=max(x.confidence for x in found) * (0.7 + 0.3 * n_on / max(1, records)),
            )

    def _floor(self, ctx: Context, col: str, rows: np.ndarray, v: np.ndarray,
               p: ClampSaturationParams) -> Iterable[Finding]:
        """A D or G loss printed as exactly 0 in a row: the floor of the loss, its outputs saturated."""
        if col not in ("loss_d", "loss_g"):
            return
        if col == "loss_d" and not set(E.candidate_families(ctx)) <= set(E.SIGMOID_FAMILIES):
            return  # a hinge or critic D loss is exactly 0 whenever every margin is met: not saturation
        res = E.resolution(ctx, col)
        if res > 0.01:
            return  # printed too coarsely for 0 to mean saturated
        zero = np.abs(v) <= 0.5 * res + 1e-12
        if not zero.any():
            return
        found = weighed_mask(ctx, zero, rows, lambda a, b: 1.0, min_records=p.min_records,
                             min_fraction=p.min_fraction, smooth=p.smooth)
        for w in found[:1]:
            h = w.hold
            yield self.finding(
                ctx,
                f"{label(col)} printed as exactly 0 (below {0.5 * res:g}) in {int(zero[h.first_block:h.last_block + 1].sum()):,} "
                f"records over {ctx.span_text(h.span)}: the loss sits on its floor, the sigmoid behind it saturated",
                span=h.span,
                evidence={"column": col, "ceiling": 0.0, "origin": "the loss's floor (printed 0)",
                          "records": h.records, "min_records": w.need, "print_resolution": res},
                confidence=w.confidence,
            )
