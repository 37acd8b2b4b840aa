"""What modern trainers log beyond two losses: ADA's augmentation probability, D's logit
gap and sign accuracies, the R1 / gradient / path-length penalties, layers' singular
values, and seconds per kimg.

StyleGAN2-ADA / StyleGAN3 (``Loss/scores/real``, ``Loss/signs/real``, ``Loss/r1_penalty``,
``Progress/augment``, ``Timing/sec_per_kimg``), StudioGAN (``ada_p``), BigGAN-PyTorch
(``*_sv0`` from ``get_SVs``) and mmagic log these. The detectors read canonical names
(``aug_p``, ``d_real_logit`` ... ) that the roles step (:mod:`ganlog.roles`) gives the
names those trainers print; only metrics whose names carry a sample count (``kid50k_full``,
``pr50k3_full_recall``) are also found by pattern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from . import stats as S
from .base import Context, Detector, Finding, Params, Severity

#: name patterns for metrics whose printed names carry a sample count (kid10k, pr50k3_full_recall)
_PATTERNS: dict[str, "re.Pattern[str]"] = {
    "kid": re.compile(r"^(val_|metrics_)?kid(\d+k)?(_full)?$"),
    "precision": re.compile(r"(^|_)precision$"),
    "recall": re.compile(r"(^|_)recall$"),
}
#: singular-value columns: BigGAN's get_SVs (``G_linear_sv0``), spectral norms, ``sigma``
SV_COLUMN = re.compile(r"(^|_)sv\d+$|(^|_)sigma(_max)?$|spectral_norm|singular_value|(^|_)sn_\w+$")


def find_column(ctx: Context, role: str) -> str | None:
    """The column holding ``role``: its canonical name, else a metric named with its sample count."""
    if ctx.has(role):
        return role
    pat = _PATTERNS.get(role)
    if pat is not None:
        for c in ctx.run.frame.columns:
            if pat.search(str(c)) and not str(c).endswith("_std") and ctx.has(str(c)):
                return str(c)
    return None


def _tail(v: np.ndarray, frac: float, least: int = 1) -> np.ndarray:
    k = max(least, int(round(frac * v.size)))
    return v[-k:]


def _head(v: np.ndarray, frac: float, least: int = 1) -> np.ndarray:
    k = max(least, int(round(frac * v.size)))
    return v[:k]


def _options(ctx: Context) -> dict:
    opts = ctx.run.meta.get("stylegan") if isinstance(ctx.run.meta, dict) else None
    return opts if isinstance(opts, dict) else {}


# ----------------------------------------------------------------------------- GAN601


@dataclass(frozen=True)
class AdaRunawayParams(Params):
    #: p at the end at or above this: augmentations leak into the generated images
    high: float = 0.8
    #: still rising at the end: p gained at least this over the last third of the run ...
    rising_by: float = 0.1
    #: ... and ended at least this high
    rising_floor: float = 0.7
    #: fewer values of p than this: not judged
    min_records: int = 4
    #: ADA's target for E[sign(D(real))] when the run does not say (training_options.json)
    target: float = 0.6


class AdaAugmentRunaway(Detector):
    """ADA's augmentation probability climbing to full strength: D overfits the real images.

    What it detects
    ---------------
    The adaptive augmentation probability ``p`` (StyleGAN2-ADA/3 ``Progress/augment`` or the
    tick line's ``augment``, StudioGAN's ``ada_p``, keras' ``aug_p``) ending at or above
    0.8, or still rising at the end: up by 0.1 or more over the last third of the run and
    ending at 0.7 or above (on its way to the leak level; a p that climbs through 0.5-0.6
    is ADA doing its job on a small data set, and settles). Where the sign statistic ``r_t = E[sign(D(real))]``
    (``Loss/signs/real``) is logged, its median over the run's last third is reported against
    ADA's target (0.6, or ``ada_target`` from training_options.json): ADA raises ``p`` only
    while ``r_t`` is above the target.

    Why it matters
    --------------
    ADA raises ``p`` while D classifies the training images too confidently (overfitting).
    A ``p`` that keeps climbing means D keeps overfitting even under heavy augmentation; past
    ~0.8 augmentations start to leak into G's samples (rotated, recoloured, cut-off images),
    and the NVlabs maintainers read an ever-increasing value as a sign the training has
    collapsed (NVlabs/stylegan2-ada#27).

    Evidence
    --------
    ``column``, ``start``, ``end``, ``max``, ``rise_last_third``, ``limit``, ``reason``
    (``high`` or ``rising``), ``sign_real`` and ``target`` where logged.

    Weighing
    --------
    The end level of p against ``high``, or its rise over the last third against ``rising_by``
    with at least 60% of those steps upward: p is ADA's own running verdict over thousands of
    images per tick, so a few ticks are strong evidence; confidence grows with the end level.

    Too short
    ---------
    Fewer than ``min_records`` (4) values of p.

    Remedies
    --------
    More (or x-flipped) training data, a stronger R1 weight, a smaller D or lower D learning
    rate, stop at the best snapshot; for leaking augmentations lower the target or cap ``p``.

    Options
    -------
    ``high`` (0.8), ``rising_by`` (0.1), ``rising_floor`` (0.7), ``min_records`` (4), ``target`` (0.6).

    References
    ----------
    Karras et al. (2020) Training Generative Adversarial Networks with Limited Data;
    Zhao et al. (2020) Differentiable Augmentation for Data-Efficient GAN Training.
    """

    code = "GAN601"
    name = "ada-augment-runaway"
    summary = "ADA augmentation probability climbing to full strength (D overfitting)"
    default_severity = Severity.WARNING
    remedies = ("more-data-or-xflip", "r1-penalty", "ada-target-cap", "keep-best-checkpoint", "training-ratio")
    Params = AdaRunawayParams

    def skip_reason(self, ctx: Context) -> str | None:
        return None if find_column(ctx, "aug_p") else "needs aug_p (ADA's augment probability), not in this log"

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: AdaRunawayParams = self.params
        col = find_column(ctx, "aug_p")
        assert col is not None
        rows, v = ctx.finite(col)
        if v.size < p.min_records:
            return
        end = float(np.median(v[-2:])) if v.size >= 4 else float(v[-1])
        third = max(2, v.size // 3)
        rise = float(v[-1] - v[-third])
        ups = float(np.mean(np.diff(v[-third:]) > 0))
        if end >= p.high:
            reason = "high"
        elif rise >= p.rising_by and end >= p.rising_floor and ups >= 0.6:
            reason = "rising"
        else:
            return
        target = float(_options(ctx).get("ada_target") or p.target)
        ev = {"column": col, "start": float(v[0]), "end": end, "max": float(v.max()),
              "rise_last_third": rise, "limit": p.high if reason == "high" else p.rising_floor,
              "reason": reason, "target": target}
        sign_note = ""
        sc = find_column(ctx, "d_real_sign")
        if sc:
            _, sv = ctx.finite(sc)
            if sv.size:
                sr = float(np.median(_tail(sv, 1 / 3)))
                ev["sign_real"] = sr
                sign_note = f"; E[sign(D(real))] {S.fmt(sr)} against the target {S.fmt(target)}"
        # where p first crossed half of where it ended: the overfitting took hold there
        k0 = int(np.argmax(v >= 0.5 * max(end, 1e-9)))
        span = ctx.span(int(rows[k0]), int(rows[-1]))
        if reason == "high":
            what = (f"ADA augment p reached {S.fmt(end)} (max {S.fmt(float(v.max()))}) >= {S.fmt(p.high)}: "
                    f"augmentations leak into the samples and D still overfits")
        else:
            what = (f"ADA augment p still rising at the end: +{S.fmt(rise)} over the last {third} records "
                    f"to {S.fmt(end)} (limit: rising by {S.fmt(p.rising_by)} to >= {S.fmt(p.rising_floor)})")
        rising_note = "" if reason == "rising" or rise <= 0 else f", still rising (+{S.fmt(rise)} over the last {third} records)"
        yield self.finding(
            ctx, f"{what}{rising_note}{sign_note}; {col} went {S.fmt(float(v[0]))} -> {S.fmt(end)} over "
                 f"{ctx.span_text(span)}",
            span=span, evidence=ev,
            confidence=min(0.95, 0.55 + 0.4 * min(1.0, end)) if v.size >= 6 else 0.6,
        )


@dataclass(frozen=True)
class AdaInactiveParams(Params):
    #: p at or below this counts as "no augmentation"
    zero: float = 1e-3
    #: E[sign(D(real))] at or above this with p at 0: D is overfitting unchecked
    sign_limit: float = 0.8
    #: data sets smaller than this (training_options.json) count as small
    small_dataset: int = 30_000
    min_records: int = 4


class AdaInactiveSmallData(Detector):
    """Augmentation pinned at 0 while D overfits: a small data set trained without ADA.

    What it detects
    ---------------
    The augmentation probability ``p`` logged but at 0 for the whole run (at most 0.001),
    while either D's sign statistic ``E[sign(D(real))]`` sits at 0.8 or above over the last
    third of the run, or training_options.json says augmentation is off on a data set
    smaller than 30,000 images and the sign statistic is above ADA's target.

    Why it matters
    --------------
    A D that calls nearly every training image real with certainty has memorised a small
    data set; FID then rises after an early minimum. ADA (or DiffAugment) exists for exactly
    this case; ``--aug=noaug`` or a fixed ``p=0`` switches the guard off.

    Evidence
    --------
    ``column``, ``p_max``, ``sign_real``, ``limit``, ``dataset_size``, ``augment``.

    Weighing
    --------
    p must be 0 on every record and the sign statistic high over the last third; the data
    set size from training_options.json lowers the sign limit to ADA's target.

    Too short
    ---------
    Fewer than ``min_records`` (4) values of p or of the sign statistic.

    Remedies
    --------
    Switch on ADA (``--aug=ada``) or DiffAugment, x-flips, more data; keep the best snapshot.

    Options
    -------
    ``zero`` (0.001), ``sign_limit`` (0.8), ``small_dataset`` (30000), ``min_records`` (4).

    References
    ----------
    Karras et al. (2020) Training Generative Adversarial Networks with Limited Data.
    """

    code = "GAN602"
    name = "ada-inactive-small-data"
    summary = "augmentation pinned at 0 while D overfits (small data, no ADA)"
    default_severity = Severity.WARNING
    remedies = ("data-augmentation", "more-data-or-xflip", "keep-best-checkpoint")
    Params = AdaInactiveParams

    def skip_reason(self, ctx: Context) -> str | None:
        if not find_column(ctx, "aug_p"):
            return "needs aug_p (ADA's augment probability), not in this log"
        if not find_column(ctx, "d_real_sign"):
            return "needs d_real_sign (E[sign(D(real))]), not in this log"
        return None

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: AdaInactiveParams = self.params
        col = find_column(ctx, "aug_p")
        sc = find_column(ctx, "d_real_sign")
        assert col and sc
        rows, v = ctx.finite(col)
        srows, sv = ctx.finite(sc)
        if v.size < p.min_records or sv.size < p.min_records or float(np.max(np.abs(v))) > p.zero:
            return
        sr = float(np.median(_tail(sv, 1 / 3)))
        opts = _options(ctx)
        size = opts.get("dataset_size")
        target = float(opts.get("ada_target") or 0.6)
        small_off = (opts.get("augment") == "off" and isinstance(size, (int, float)) and size < p.small_dataset
                     and sr > target)
        if sr < p.sign_limit and not small_off:
            return
        limit = target if small_off and sr < p.sign_limit else p.sign_limit
        span = ctx.span(int(srows[-max(1, sv.size // 3)]), int(srows[-1]))
        size_note = f" on {int(size):,} images" if isinstance(size, (int, float)) else ""
        yield self.finding(
            ctx, f"augment p pinned at 0{size_note} while E[sign(D(real))] is {S.fmt(sr)} >= {S.fmt(limit)} "
                 f"over {ctx.span_text(span)}: D is overfitting the training images with no augmentation",
            span=span,
            evidence={"column": col, "p_max": float(np.max(v)), "sign_real": sr, "limit": limit,
                      "dataset_size": size, "augment": opts.get("augment")},
            confidence=0.7 if sr >= p.sign_limit else 0.55,
        )


# ----------------------------------------------------------------------------- GAN104


@dataclass(frozen=True)
class LogitGapParams(Params):
    #: D's mean score on real minus on fake, at the end, at or above this (logit units) ...
    gap_limit: float = 5.0
    #: ... and at least this many times its level in the first fifth of the run
    growth: float = 2.0
    #: sign accuracies: real sign >= this and fake sign <= -this over the last fifth: D wins every sample
    sign_limit: float = 0.95
    #: the gap collapsing: |gap| below this at the end ...
    collapse_gap: float = 0.05
    #: ... after it was at least this in the first fifth
    collapse_from: float = 0.5
    min_records: int = 5


class LogitGapRunaway(Detector):
    """D's score gap between real and fake growing without bound (or collapsing to 0).

    What it detects
    ---------------
    With D's mean raw output (logit) on real and on fake logged (StyleGAN's
    ``Loss/scores/real`` and ``Loss/scores/fake``): the gap real - fake at the end of the
    run (median of the last fifth) at or above 5 logits and at least 2x its level in the
    first fifth, rising over the run, or at 10 logits or more however it got there
    (warning); or the sign accuracies
    ``E[sign(D(real))] >= 0.95`` and ``E[sign(D(fake))] <= -0.95`` over the last fifth: D
    wins on every sample (warning). A gap that was at least 0.5 in the first fifth and
    collapses below 0.05 at the end is reported at info: D no longer tells real from
    fake (it gave up, or G matches the data). WGAN critics have no scale for the gap: for
    them only the sign test and the collapse run.

    Why it matters
    --------------
    This is D(x) pinned at 1 in logit space, for losses that never pass through a sigmoid
    (non-saturating logistic, hinge). A gap that keeps growing means D separates real from
    fake ever more confidently: it is overfitting or winning, G's gradients carry less and
    less information, and FID usually turns up soon after.

    Evidence
    --------
    ``gap_start``, ``gap_end``, ``limit``, ``growth``, ``tau`` (Kendall's tau of the gap over
    time), ``sign_real``, ``sign_fake``, ``reason`` (``gap``, ``signs`` or ``collapse``).

    Weighing
    --------
    The end gap against ``gap_limit`` and its growth against ``growth``, with Kendall's tau of
    the gap's block medians >= 0.3 so that one noisy stretch is not a trend -- except at twice
    the limit (10 logits, outputs 0.99995 against 0.00005), which is D winning on every sample
    whether it jumped there or crept; the sign test needs
    both accuracies past the limit over the last fifth.

    Too short
    ---------
    Fewer than ``min_records`` (5) records with both scores (or both signs).

    Remedies
    --------
    R1 / gradient penalty or a larger gamma, spectral normalization, ADA / DiffAugment on
    small data, lower D's learning rate or its steps per G step.

    Options
    -------
    ``gap_limit`` (5.0), ``growth`` (2.0), ``sign_limit`` (0.95), ``collapse_gap`` (0.05),
    ``collapse_from`` (0.5), ``min_records`` (5).

    References
    ----------
    Karras et al. (2020) Training Generative Adversarial Networks with Limited Data (the sign
    heuristic r_t); Mescheder et al. (2018) Which Training Methods for GANs do actually Converge?
    """

    code = "GAN104"
    name = "logit-gap-runaway"
    summary = "D's real-fake score gap growing without bound (or collapsing to 0)"
    default_severity = Severity.WARNING
    remedies = ("r1-penalty", "spectral-norm", "data-augmentation", "ttur", "training-ratio")
    Params = LogitGapParams

    def skip_reason(self, ctx: Context) -> str | None:
        if (find_column(ctx, "d_real_logit") and find_column(ctx, "d_fake_logit")) or (
                find_column(ctx, "d_real_sign") and find_column(ctx, "d_fake_sign")):
            return None
        return "needs d_real_logit and d_fake_logit (or the sign accuracies), not in this log"

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: LogitGapParams = self.params
        rc, fc = find_column(ctx, "d_real_logit"), find_column(ctx, "d_fake_logit")
        if rc and fc:
            r, f = ctx.series(rc), ctx.series(fc)
            ok = np.isfinite(r) & np.isfinite(f)
            rows = np.flatnonzero(ok)
            gap = (r - f)[ok]
            if gap.size >= p.min_records:
                yield from self._gap(ctx, p, rows, gap)
                return
        yield from self._signs(ctx, p)

    def _gap(self, ctx: Context, p: LogitGapParams, rows: np.ndarray, gap: np.ndarray) -> Iterable[Finding]:
        start = float(np.median(_head(gap, 0.2, 2)))
        end = float(np.median(_tail(gap, 0.2, 2)))
        blk = S.block_reduce(rows, gap)
        tau = S.mann_kendall_tau(blk.median) if blk.n >= 4 else float("nan")
        wgan = ctx.family.name == "wgan"
        grew = end >= p.growth * max(start, 1e-9) or end >= 2 * p.gap_limit
        # A gap of 2x the limit (10 logits: D's outputs 0.99995 vs 0.00005) is D winning on every
        # sample whether it is still growing or has jumped there and stayed: no trend needed.
        if not wgan and end >= p.gap_limit and grew and (tau >= 0.3 or end >= 2 * p.gap_limit):
            k0 = int(np.argmax(gap >= 0.5 * end))
            span = ctx.span(int(rows[k0]), int(rows[-1]))
            yield self.finding(
                ctx, f"D's score gap real - fake grew {S.fmt(start)} -> {S.fmt(end)} logits "
                     f"(>= {S.fmt(p.gap_limit)} and {end / max(start, 1e-9):.1f}x its start, Kendall tau {tau:.2f}) "
                     f"over {ctx.span_text(span)}: D separates real from fake ever more confidently",
                span=span,
                evidence={"gap_start": start, "gap_end": end, "limit": p.gap_limit,
                          "growth": end / max(start, 1e-9), "tau": tau, "reason": "gap"},
                confidence=min(0.9, 0.5 + 0.1 * end / p.gap_limit + 0.2 * tau),
            )
            return
        if start >= p.collapse_from and abs(end) < p.collapse_gap:
            tail_n = max(2, int(round(0.2 * gap.size)))
            span = ctx.span(int(rows[-tail_n]), int(rows[-1]))
            yield self.finding(
                ctx, f"D's score gap real - fake fell from {S.fmt(start)} to {S.fmt(end)} logits "
                     f"(< {S.fmt(p.collapse_gap)}) over {ctx.span_text(span)}: D no longer tells real from fake",
                span=span,
                evidence={"gap_start": start, "gap_end": end, "limit": p.collapse_gap, "reason": "collapse",
                          "tau": tau},
                confidence=0.5, severity=Severity.INFO,
            )

    def _signs(self, ctx: Context, p: LogitGapParams) -> Iterable[Finding]:
        rs, fs = find_column(ctx, "d_real_sign"), find_column(ctx, "d_fake_sign")
        if not (rs and fs):
            return
        r, f = ctx.series(rs), ctx.series(fs)
        ok = np.isfinite(r) & np.isfinite(f)
        rows = np.flatnonzero(ok)
        if rows.size < p.min_records:
            return
        sr = float(np.median(_tail(r[ok], 0.2, 2)))
        sf = float(np.median(_tail(f[ok], 0.2, 2)))
        if sr >= p.sign_limit and sf <= -p.sign_limit:
            tail_n = max(2, int(round(0.2 * rows.size)))
            span = ctx.span(int(rows[-tail_n]), int(rows[-1]))
            yield self.finding(
                ctx, f"D's sign accuracy real {S.fmt(sr)} and fake {S.fmt(sf)} (limit +/-{S.fmt(p.sign_limit)}) "
                     f"over {ctx.span_text(span)}: D classifies every real and every fake correctly",
                span=span,
                evidence={"sign_real": sr, "sign_fake": sf, "limit": p.sign_limit, "reason": "signs"},
                confidence=0.75,
            )


# ----------------------------------------------------------------------------- GAN405


@dataclass(frozen=True)
class RegularizerParams(Params):
    #: the weighted penalty's share of D's objective (penalty / (|adversarial| + penalty)) at or above this
    dominant_share: float = 0.5
    #: a raw penalty's end level at or above this many times its level earlier in the run ...
    explode_factor: float = 100.0
    #: ... and at or above this in absolute terms
    explode_floor: float = 1.0
    #: flattened D: median |real - fake score gap| over the second half below this (logits) ...
    flat_gap: float = 0.01
    #: ... and D's adversarial loss within this fraction of its chance level
    flat_chance: float = 0.005
    min_records: int = 5


class RegularizerHealth(Detector):
    """R1 / gradient-penalty / path-length terms dominating D's objective or exploding.

    What it detects
    ---------------
    Penalty columns (R1 ``loss_d_r1`` / StyleGAN ``Loss/r1_penalty``, WGAN-GP
    ``loss_d_gp``, path length ``loss_g_pl``, and the weighted terms ``loss_d_reg`` /
    ``loss_g_reg``):
    the weighted D penalty (``loss_d_reg``, or ``r1_gamma x loss_d_r1`` where
    training_options.json gives gamma) making up half or more of D's objective
    (penalty / (|D loss| + penalty), median over the run's second half; warning); with a
    penalty on, D flattened: its real - fake score gap below 0.01 logits and its adversarial
    loss within 0.5% of the family's chance level over the second half (warning);
    a raw penalty whose level over the last fifth is at least 100x its level over the
    second fifth of the run (past warm-up) and at least 1 (warning); a penalty logged as
    exactly 0 on every record (info: it is not applied).

    Why it matters
    --------------
    A penalty weight that is too large makes D minimise its gradient instead of telling
    real from fake: its adversarial loss sits at chance and G learns nothing. A penalty
    that explodes means D's gradients on real data grow without bound, the state R1 and
    GP exist to prevent; it usually precedes a collapse or NaN.

    Evidence
    --------
    ``column``, ``share`` / ``limit`` (dominating), ``early``, ``end``, ``factor`` (exploding),
    ``gap``, ``chance_deviation`` (flattened), ``reason`` (``dominant``, ``flattened``,
    ``exploding`` or ``zero``). D's adversarial loss is ``loss_d_real + loss_d_fake`` where
    both are logged (some trainers fold the penalty into ``loss_d``), else ``loss_d``.

    Weighing
    --------
    Medians over the second half of the run (dominant, flattened) or the last fifth against
    the second fifth (exploding), so warm-up and single spikes do not count.

    Too short
    ---------
    Fewer than ``min_records`` (5) records with the penalty and the D loss.

    Remedies
    --------
    Lower gamma / lambda (StyleGAN's heuristic: gamma = 0.0002 x resolution^2 / batch),
    keep the penalty on (lazy regularisation interval), spectral normalization, lower D's
    learning rate.

    Options
    -------
    ``dominant_share`` (0.5), ``explode_factor`` (100), ``explode_floor`` (1.0),
    ``flat_gap`` (0.01), ``flat_chance`` (0.005), ``min_records`` (5).

    References
    ----------
    Mescheder et al. (2018) Which Training Methods for GANs do actually Converge? (R1);
    Gulrajani et al. (2017) Improved Training of Wasserstein GANs (GP);
    Karras et al. (2020) Analyzing and Improving the Image Quality of StyleGAN (path length).
    """

    code = "GAN405"
    name = "regularizer-health"
    summary = "R1 / gradient / path-length penalty dominating D's objective or exploding"
    default_severity = Severity.WARNING
    remedies = ("penalty-weight", "r1-penalty", "spectral-norm", "lr-reduction")
    Params = RegularizerParams

    _RAW = ("loss_d_r1", "loss_d_gp", "loss_g_pl")

    def skip_reason(self, ctx: Context) -> str | None:
        if any(find_column(ctx, r) for r in self._RAW + ("loss_d_reg",)):
            return None
        return "needs a penalty column (loss_d_r1, loss_d_gp, loss_g_pl or loss_d_reg), not in this log"

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: RegularizerParams = self.params
        found = list(self._dominant(ctx, p)) or list(self._flattened(ctx, p))
        yield from found
        for role in self._RAW:
            col = find_column(ctx, role)
            if not col:
                continue
            rows, v = ctx.finite(col)
            if v.size < p.min_records:
                continue
            if np.all(v == 0):
                span = ctx.span(int(rows[0]), int(rows[-1]))
                yield self.finding(
                    ctx, f"{col} is exactly 0 on all {v.size} records: the penalty is logged but not applied",
                    span=span, evidence={"column": col, "reason": "zero", "records": int(v.size)},
                    confidence=0.5, severity=Severity.INFO)
                continue
            if found:
                continue
            fifth = max(1, v.size // 5)
            early = float(np.median(v[fifth:2 * fifth])) if v.size >= 10 else float(np.median(v[:fifth]))
            end = float(np.median(v[-fifth:]))
            if early > 0 and end >= p.explode_floor and end >= p.explode_factor * early:
                k0 = int(np.argmax(v >= np.sqrt(early * end)))
                span = ctx.span(int(rows[k0]), int(rows[-1]))
                yield self.finding(
                    ctx, f"{col} grew {S.fmt(early)} -> {S.fmt(end)} ({end / early:,.0f}x >= "
                         f"{S.fmt(p.explode_factor)}x) over {ctx.span_text(span)}: D's gradients are exploding",
                    span=span,
                    evidence={"column": col, "early": early, "end": end, "factor": end / early,
                              "limit": p.explode_factor, "reason": "exploding"},
                    confidence=0.75)

    def _flattened(self, ctx: Context, p: RegularizerParams) -> Iterable[Finding]:
        chance = ctx.family.chance_d
        rc, fc = find_column(ctx, "d_real_logit"), find_column(ctx, "d_fake_logit")
        if not (chance and rc and fc and ctx.has("loss_d")):
            return
        d, gap = _adversarial_d(ctx), ctx.series(rc) - ctx.series(fc)
        ok = np.isfinite(d) & np.isfinite(gap)
        rows = np.flatnonzero(ok)
        if rows.size < p.min_records:
            return
        h = rows.size // 2
        g = float(np.median(np.abs(gap[ok][h:])))
        dev = float(np.median(np.abs(d[ok][h:] - chance))) / chance
        if g >= p.flat_gap or dev >= p.flat_chance:
            return
        span = ctx.span(int(rows[h]), int(rows[-1]))
        yield self.finding(
            ctx, f"with a gradient penalty on, D's score gap is {S.fmt(g)} logits (< {S.fmt(p.flat_gap)}) and its "
                 f"adversarial loss sits within {dev:.1%} of chance {S.fmt(chance)} over {ctx.span_text(span)}: "
                 f"the penalty has flattened D (its weight is too large)",
            span=span,
            evidence={"gap": g, "limit": p.flat_gap, "chance_deviation": dev, "reason": "flattened"},
            confidence=0.7)

    def _dominant(self, ctx: Context, p: RegularizerParams) -> Iterable[Finding]:
        if not ctx.has("loss_d"):
            return
        reg_col = find_column(ctx, "loss_d_reg")
        weight = 1.0
        how = reg_col
        if reg_col is None:
            gamma = _options(ctx).get("r1_gamma")
            raw = find_column(ctx, "loss_d_r1")
            if raw is None or not isinstance(gamma, (int, float)) or gamma <= 0:
                return
            reg_col, weight, how = raw, float(gamma) / 2.0, f"r1_gamma/2 x {raw}"
        d, reg = _adversarial_d(ctx), ctx.series(reg_col) * weight
        ok = np.isfinite(d) & np.isfinite(reg)
        rows = np.flatnonzero(ok)
        if rows.size < p.min_records:
            return
        share = np.abs(reg[ok]) / (np.abs(d[ok]) + np.abs(reg[ok]) + 1e-12)
        half = share[share.size // 2:]
        med = float(np.median(half))
        if med < p.dominant_share:
            return
        span = ctx.span(int(rows[share.size // 2]), int(rows[-1]))
        chance = ctx.family.chance_d
        d_end = float(np.median(d[ok][share.size // 2:]))
        chance_note = f" (D loss {S.fmt(d_end)}, chance {S.fmt(chance)})" if chance else ""
        yield self.finding(
            ctx, f"the D penalty ({how}) is {med:.0%} of D's objective over {ctx.span_text(span)} "
                 f">= {p.dominant_share:.0%}{chance_note}: D is being smoothed rather than trained to discriminate",
            span=span,
            evidence={"column": reg_col, "share": med, "limit": p.dominant_share, "weight": weight,
                      "reason": "dominant"},
            confidence=min(0.9, 0.5 + med / 2))


def _adversarial_d(ctx: Context) -> np.ndarray:
    """D's adversarial loss: its logged parts summed where both are there, else ``loss_d``."""
    if ctx.has("loss_d_real") and ctx.has("loss_d_fake"):
        return ctx.series("loss_d_real") + ctx.series("loss_d_fake")
    return ctx.series("loss_d")


# ----------------------------------------------------------------------------- GAN406


@dataclass(frozen=True)
class SpectralGrowthParams(Params):
    #: a leading singular value at the end at least this many times its early level
    growth: float = 3.0
    #: and rising over the last half of the run (Kendall's tau of its block medians)
    min_tau: float = 0.6
    #: and still accelerating: the end at least this many times the level at mid-run
    late_growth: float = 1.5
    min_records: int = 6


class SpectralGrowth(Detector):
    """Leading singular values of D or G layers growing fast: the prelude to a collapse.

    What it detects
    ---------------
    Columns holding a layer's leading singular value (BigGAN-PyTorch's ``get_SVs``
    ``*_sv0``, spectral norms, ``sigma``): the value over the last tenth of the run at
    least 3x its level over the first tenth and at least 1.5x its level at mid-run (still
    accelerating: Adam-trained weights that grow early and level off are normal), rising over
    the second half (Kendall's tau of block medians >= 0.6). The fastest-growing layer is reported, with
    how many layers grew.

    Why it matters
    --------------
    Brock et al. found that the top singular values of G's and D's layers grow steadily and
    then explode at the moment BigGAN training collapses; spectral normalization holds them
    near 1. Unbounded growth means the networks are becoming ever more sensitive to their
    input, the usual path to a collapse or divergence.

    Evidence
    --------
    ``column``, ``early``, ``end``, ``growth``, ``limit``, ``tau``, ``layers_growing``.

    Weighing
    --------
    Growth of the end level over the first tenth against ``growth``, and Kendall's tau of the
    second half's block medians against ``min_tau``: a layer that grew early and then settled
    (normal) does not count.

    Too short
    ---------
    Fewer than ``min_records`` (6) values in every singular-value column.

    Remedies
    --------
    Spectral normalization on D (and G), orthogonal regularisation, lower learning rates,
    stop at the best checkpoint before the collapse.

    Options
    -------
    ``growth`` (3.0), ``min_tau`` (0.6), ``late_growth`` (1.5), ``min_records`` (6).

    References
    ----------
    Brock et al. (2019) Large Scale GAN Training for High Fidelity Natural Image Synthesis;
    Miyato et al. (2018) Spectral Normalization for Generative Adversarial Networks.
    """

    code = "GAN406"
    name = "spectral-growth"
    summary = "leading singular values of the layers growing fast"
    default_severity = Severity.WARNING
    remedies = ("spectral-norm", "lr-reduction", "keep-best-checkpoint")
    Params = SpectralGrowthParams

    def _columns(self, ctx: Context) -> list[str]:
        return [str(c) for c in ctx.run.frame.columns
                if SV_COLUMN.search(str(c)) and not str(c).endswith("_std") and ctx.has(str(c))]

    def skip_reason(self, ctx: Context) -> str | None:
        return None if self._columns(ctx) else "needs singular-value columns (*_sv0, sigma), not in this log"

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: SpectralGrowthParams = self.params
        grown: list[tuple[float, str, float, float, float, np.ndarray]] = []
        for col in self._columns(ctx):
            rows, v = ctx.finite(col)
            if v.size < p.min_records:
                continue
            early = float(np.median(_head(v, 0.1, 2)))
            end = float(np.median(_tail(v, 0.1, 2)))
            if early <= 0 or end < p.growth * early:
                continue
            mid = float(np.median(v[v.size // 2 - max(1, v.size // 20): v.size // 2 + 1]))
            if mid <= 0 or end < p.late_growth * mid:
                continue  # grew early and levelled off: weights settling, not a runaway
            blk = S.block_reduce(rows, v)
            half = blk.median[blk.n // 2:]
            tau = S.mann_kendall_tau(half) if half.size >= 3 else float("nan")
            if not tau >= p.min_tau:
                continue
            grown.append((end / early, col, early, end, tau, rows))
        if not grown:
            return
        grown.sort(reverse=True)
        g, col, early, end, tau, rows = grown[0]
        _, v = ctx.finite(col)
        k0 = int(np.argmax(v >= np.sqrt(early * end)))
        span = ctx.span(int(rows[k0]), int(rows[-1]))
        others = f" ({len(grown)} layers grew)" if len(grown) > 1 else ""
        yield self.finding(
            ctx, f"{col} grew {S.fmt(early)} -> {S.fmt(end)} ({g:.1f}x >= {S.fmt(p.growth)}x) and still rises "
                 f"(Kendall tau {tau:.2f}) over {ctx.span_text(span)}{others}",
            span=span,
            evidence={"column": col, "early": early, "end": end, "growth": g, "limit": p.growth, "tau": tau,
                      "layers_growing": len(grown)},
            confidence=min(0.9, 0.5 + 0.1 * g / p.growth + 0.2 * tau))


# ----------------------------------------------------------------------------- GAN304


@dataclass(frozen=True)
class ThroughputParams(Params):
    #: time per kimg / step over the last quarter at least this many times the first quarter's
    slowdown: float = 1.5
    #: a wall-clock gap at least this many times the median interval between records ...
    gap_factor: float = 20.0
    #: ... and at least this long (seconds)
    gap_seconds: float = 1800.0
    min_records: int = 8


class ThroughputStall(Detector):
    """Training getting slower, or long wall-clock gaps between records.

    What it detects
    ---------------
    Seconds per kimg / per step / per tick (StyleGAN ``Timing/sec_per_kimg`` or the tick
    line's ``sec/kimg``) whose median over the last quarter of the run is at least 1.5x the
    median over the first quarter (the very first record, start-up and compilation, left out);
    or, from ``wall_time``, a gap between two records at least 20x the median interval and
    at least 30 minutes (a stall, a hang, a resumed job). Both are reported at info: they cost
    time, not quality.

    Why it matters
    --------------
    A run that slows down as it goes has a leak (growing data-loader queues, accumulated
    graph, a metric evaluated ever more often, thermal throttling or a shared GPU); a gap is
    time lost to a hang or a crash-and-resume. Either is worth knowing before paying for the
    rest of the run.

    Evidence
    --------
    ``column``, ``early``, ``end``, ``ratio``, ``limit`` (slowdown); ``gap_seconds``,
    ``median_interval``, ``at_step`` (gap).

    Weighing
    --------
    Quarter medians (the first record left out) against ``slowdown``; a gap must be both
    ``gap_factor`` times the median interval and ``gap_seconds`` long. Info only.

    Too short
    ---------
    Fewer than ``min_records`` (8) timing records.

    Remedies
    --------
    Profile one tick (data loading vs. compute), check for tensors kept across steps
    (``loss.item()`` when logging), evaluate metrics less often, check the GPU is not shared.

    Options
    -------
    ``slowdown`` (1.5), ``gap_factor`` (20), ``gap_seconds`` (1800), ``min_records`` (8).

    References
    ----------
    Karras et al. (2020) Training Generative Adversarial Networks with Limited Data (sec/kimg
    reported per configuration); PyTorch performance tuning guide.
    """

    code = "GAN304"
    name = "throughput-stall"
    summary = "seconds per kimg/step drifting up, or long wall-clock gaps"
    default_severity = Severity.INFO
    remedies = ("profile-throughput",)
    Params = ThroughputParams

    def _timing(self, ctx: Context) -> str | None:
        for role in ("sec_per_kimg", "sec_per_step", "sec_per_tick"):
            col = find_column(ctx, role)
            if col:
                return col
        return None

    def skip_reason(self, ctx: Context) -> str | None:
        if self._timing(ctx) or ctx.has("wall_time"):
            return None
        return "needs sec_per_kimg, sec_per_step or wall_time, not in this log"

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: ThroughputParams = self.params
        col = self._timing(ctx)
        if col:
            rows, v = ctx.finite(col)
            if v.size >= p.min_records + 1:
                rows, v = rows[1:], v[1:]  # the first tick holds start-up and compilation
                q = max(2, v.size // 4)
                early, end = float(np.median(v[:q])), float(np.median(v[-q:]))
                if early > 0 and end >= p.slowdown * early:
                    span = ctx.span(int(rows[-q]), int(rows[-1]))
                    yield self.finding(
                        ctx, f"{col} rose {S.fmt(early)} -> {S.fmt(end)} ({end / early:.1f}x >= "
                             f"{S.fmt(p.slowdown)}x) by {ctx.span_text(span)}: training is slowing down",
                        span=span,
                        evidence={"column": col, "early": early, "end": end, "ratio": end / early,
                                  "limit": p.slowdown},
                        confidence=0.7)
        if ctx.has("wall_time"):
            rows, t = ctx.finite("wall_time")
            if t.size >= p.min_records:
                dt = np.diff(t)
                pos = dt[dt > 0]
                if pos.size:
                    med = float(np.median(pos))
                    k = int(np.argmax(dt))
                    gap = float(dt[k])
                    if gap >= p.gap_seconds and gap >= p.gap_factor * med:
                        span = ctx.span(int(rows[k]), int(rows[k + 1]))
                        yield self.finding(
                            ctx, f"{gap / 3600:.1f} h without a record between {ctx.step_text(span.start)} and "
                                 f"{ctx.step_text(span.end)} ({gap / med:,.0f}x the median interval "
                                 f"{S.fmt(med)} s): a stall, hang or resume",
                            span=span,
                            evidence={"gap_seconds": gap, "median_interval": med, "at_step": span.start,
                                      "limit": p.gap_factor},
                            confidence=0.6)
