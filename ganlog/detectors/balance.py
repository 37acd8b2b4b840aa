"""Who is winning: D loss collapse, G loss runaway, D failing while G's loss sinks.

Every limit here is relative to the loss family's chance level (the D loss
when D cannot tell real from fake): 2·ln2 for summed BCE, ln2 for averaged
BCE, 0.25 for LSGAN, 2 for hinge. A WGAN critic has no chance level and a
negative loss is its normal state, so these detectors do not judge WGAN runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from ..frame import CHANCE_LEVEL_D, CHANCE_LEVEL_G
from . import evidence as E
from . import stats as S
from .base import Context, Detector, Finding, Params, Severity
from .common import (SHORT_SERIES, Hold, Weighed, confidence, paired_blocks, values_in, weighed_holds,
                     weighed_mask)

_NO_CHANCE = "the {fam} loss family has no chance level to judge the balance against"


class _BalanceDetector(Detector):
    def skip_reason(self, ctx: Context) -> str | None:
        reason = super().skip_reason(ctx)
        if reason:
            return reason
        if ctx.family.name == "wgan":
            return _NO_CHANCE.format(fam="wgan") + " (a critic's negative loss is normal)"
        return None


@dataclass(frozen=True)
class DLossCollapseParams(Params):
    #: D loss limit as a fraction of the family's chance level (0.10 = 10%)
    fraction: float = 0.10
    #: records a stretch just below the limit needs (an extreme one needs 2)
    min_records: int = 8
    #: and at least this fraction of the run, unless it reaches the end of the log
    min_fraction: float = 0.02
    #: rolling-median width (records, or blocks on long runs) that removes blips (long runs)
    smooth: int = 5
    #: family-free evidence: G loss at least this many times its first value while D's is 0
    g_rise: float = 2.0
    #: family-free evidence: D's real-fake logit gap (sigmoid(5) = 0.993: outputs pinned)
    logit_gap: float = 5.0
    #: a mild stretch (not below the print resolution, uncorroborated) must sit this many standard
    #: errors below the limit, on a log scale, given the run's record-to-record scatter (short logs)
    min_z: float = 2.0


class DLossCollapse(Detector):
    """D loss near zero, sustained: the discriminator has won.

    What it detects
    ---------------
    A discriminator loss that stays below a small fraction (default 10%) of
    the loss family's chance level: 0.139 for summed BCE, 0.069 for averaged
    BCE, 0.025 for LSGAN, 0.2 for hinge. When the family is not known the
    limit is judged under every candidate family and the finding stands only
    when all agree (the strictest limit). When a WGAN critic is still possible
    (a critic's loss near 0 is normal) only family-free evidence counts: a D
    loss printed as exactly 0 while the G loss climbs to ``g_rise`` times its
    first value, or D(x) printed at 1 with D(G(z)) at 0.

    Hinge (and relativistic hinge) clamps each term at its margin, so a D loss
    at 0 means only that every sample is past the margin; G's loss is not
    clamped and G still gets gradients (the BMSG-GAN maintainer calls a D loss
    of 0 through most of training normal). When hinge is the family, or one of
    the candidates, a D loss at exactly 0 (to the print resolution) is
    therefore an info note unless other evidence says D has won (a small
    non-zero D loss is judged as in every other family): D(x) at 1 with D(G(z)) at 0, a real-fake logit
    gap of ``logit_gap`` or more (D's outputs pinned), or G's loss running away
    (to ``g_rise`` times its level before the stretch, and up by at least one
    unit: a hinge margin, a nat of BCE; a hinge G loss -D(G(z)) can start near
    or below 0).

    Noise: in a short log whose D loss jumps by orders of magnitude from one
    print to the next (batch-size-1 prints: pix2pix, CycleGAN), a few records
    under the limit are the run's own scatter. A mild stretch (above the print
    resolution, without witnesses) must sit ``min_z`` standard errors below the
    limit on a log scale, the standard error being the run's record-to-record
    scatter (robust sigma of neighbour differences of log10 D loss, over
    sqrt 2) over the square root of the stretch's records.

    Why it matters
    --------------
    When D separates real from fake almost perfectly, its outputs on fakes
    saturate and the generator's gradient vanishes (Goodfellow et al. 2014,
    Arjovsky & Bottou 2017): G stops learning, its loss climbs, and samples
    stay bad or collapse. It is the most common failure in forum questions.

    Weighing
    --------
    The effect is how far the D loss median sits below the limit (0 at the
    limit, 1 at zero or below the print resolution: ``0.0000`` is below
    0.00005). An extreme effect needs 2 records, one at the limit
    ``min_records``; a stretch must also cover ``min_fraction`` of the run
    unless it reaches the end of the log. Confidence rises with the effect, the
    records, the share of the run, the end of the log, and corroboration (D(x)
    at 1, D(G(z)) at 0, G loss climbing); it falls a little when the family
    was not decided.

    Too short
    ---------
    One record is a blip; two records can convict when they are extreme, or
    when a witness (D's outputs pinned, G's loss running away) backs them. On
    runs over 200 records the rolling median removes blips first.

    Evidence
    --------
    ``median`` (D loss median over the span), ``limit``, ``chance_level``,
    ``fraction``, ``families`` (judged under), ``records``, ``effect``,
    ``corroborated``; the span is where the condition held.

    Remedies
    --------
    Slow or weaken D: TTUR / a lower D learning rate, one-sided label
    smoothing, instance noise, spectral normalization, a zero-centred R1
    penalty, fewer D steps per G step.

    Options
    -------
    ``fraction`` (0.10), ``min_records`` (8), ``min_fraction`` (0.02),
    ``smooth`` (5), ``g_rise`` (2.0), ``logit_gap`` (5.0), ``min_z`` (2.0).

    References
    ----------
    Goodfellow et al. (2014) Generative Adversarial Nets; Arjovsky & Bottou
    (2017) Towards Principled Methods for Training GANs; Salimans et al.
    (2016) Improved Techniques for Training GANs.
    """

    code = "GAN101"
    name = "d-loss-collapse"
    summary = "D loss near zero, sustained: the discriminator has won"
    requires = ("loss_d",)
    default_severity = Severity.ERROR
    remedies = ("ttur", "one-sided-label-smoothing", "instance-noise", "spectral-norm",
                "r1-penalty", "training-ratio", "noisy-labels", "d-weight-decay")
    Params = DLossCollapseParams

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: DLossCollapseParams = self.params
        fams = E.candidate_families(ctx)
        res = E.resolution(ctx, "loss_d")
        if all(f in CHANCE_LEVEL_D for f in fams):
            limit = min(p.fraction * CHANCE_LEVEL_D[f] for f in fams)
            strict = min(fams, key=lambda f: CHANCE_LEVEL_D[f])
            chance = CHANCE_LEVEL_D[strict]
            limit_text = (f"{S.fmt(limit)} = {p.fraction:.0%} of chance level {S.fmt(chance)} "
                          f"({E.family_text(fams) if len(fams) > 1 else strict})")
            family_free = False
        else:
            # a critic may be at work: only a D loss printed as exactly 0 (with corroboration)
            limit, chance, family_free = 0.5 * res + 1e-12, None, True
            limit_text = f"0 to the printed precision ({E.family_text(fams)}: no common chance level)"

        def effect(vals: np.ndarray) -> float:
            med = float(np.median(np.abs(vals))) if vals.size else limit
            return 1.0 if med <= 0.5 * res + 1e-12 else E.effect_below(med, limit)

        cond = (lambda v: np.abs(v) <= limit) if family_free else (lambda v: v < limit)
        found = weighed_holds(ctx, "loss_d", cond, effect, min_records=p.min_records,
                              min_fraction=p.min_fraction, smooth=p.smooth)
        if not found:
            # too short for its effect alone; family-free witnesses (D's outputs pinned, G's loss
            # running away) make two records conclusive
            found = [w for w in weighed_holds(ctx, "loss_d", cond, lambda v: 1.0, min_records=p.min_records,
                                              min_fraction=0.0, smooth=p.smooth)
                     if self._corroboration(ctx, w.hold, p)]
            found = [Weighed(w.hold, effect(values_in(ctx, "loss_d", w.hold)), w.need, w.confidence - 0.1)
                     for w in found]
        noise = _log_noise(ctx, "loss_d", res)
        for w in found[:3]:
            h = w.hold
            med = float(np.median(values_in(ctx, "loss_d", h)))
            corro = self._corroboration(ctx, h, p)
            if family_free and not corro:
                continue
            if not corro and w.effect < 1.0 and noise is not None and not family_free:
                # a mild dip must stand out of the run's own record-to-record scatter
                z = (math.log10(limit) - math.log10(max(med, 0.5 * res))) / (noise / math.sqrt(h.records))
                if z < p.min_z:
                    continue
            conf = w.confidence + 0.05 * len(corro)
            if ctx.family.name == "unknown":
                conf *= 0.95
            extra = f"; {', '.join(corro)}" if corro else ""
            severity = None
            if "hinge" in fams and not corro and med <= 0.5 * res + 1e-12:
                # hinge clamps each term at its margin: a D loss of 0 means every sample is past the
                # margin, and G still gets gradients from its own (unclamped) loss. Normal on its own.
                severity = Severity.INFO
                conf = min(conf, 0.5)
                extra += ("; under hinge a D loss at 0 means the margin is met on every sample and G still "
                          "gets gradients: normal unless D's outputs are pinned or G's loss runs away")
            yield self.finding(
                ctx,
                f"D loss median {S.fmt(med)} over {ctx.span_text(h.span)} < {limit_text}{extra}",
                span=h.span,
                evidence={"median": med, "limit": limit, "chance_level": chance, "fraction": p.fraction,
                          "loss_family": ctx.family.name, "families": list(fams), "records": h.records,
                          "effect": w.effect, "corroborated": corro},
                confidence=conf,
                severity=severity,
            )

    @staticmethod
    def _corroboration(ctx: Context, h: Hold, p: DLossCollapseParams) -> list[str]:
        """Family-free witnesses that D has won: D(x) at 1 with D(G(z)) at 0; G loss climbing."""
        out = []
        if ctx.has("d_x") and ctx.has("d_g_z1"):
            dx, dg = values_in(ctx, "d_x", h), values_in(ctx, "d_g_z1", h)
            if dx.size and dg.size and float(np.median(dx)) >= 0.99 and float(np.median(dg)) <= 0.01:
                out.append(f"D(x) median {float(np.median(dx)):.4g} with D(G(z)) {float(np.median(dg)):.3g}")
        if ctx.has("d_real_logit") and ctx.has("d_fake_logit"):
            # D scores in logit space: a real-fake gap of p.logit_gap means sigmoid(gap) >= 0.993,
            # D(x) at 1 and D(G(z)) at 0 in every family's terms (relativistic ones included)
            real, fake = values_in(ctx, "d_real_logit", h), values_in(ctx, "d_fake_logit", h)
            if real.size and fake.size:
                gap = float(np.median(real) - np.median(fake))
                if gap >= p.logit_gap:
                    out.append(f"D's real-fake logit gap {S.fmt(gap)} >= {p.logit_gap:g}")
        if ctx.has("loss_g"):
            rows, g = ctx.finite("loss_g")
            gh = values_in(ctx, "loss_g", h)
            before = g[rows < h.first_row]
            # G's level before the stretch (its median when there are a few records), else its first value
            early = float(np.median(before)) if before.size >= 3 else float(g[0]) if g.size else float("nan")
            if gh.size and math.isfinite(early):
                late = float(np.median(gh))
                # twice its level, and at least one unit (a hinge margin, a nat of BCE): a signed G loss
                # (hinge's -D(G(z))) can start near or below 0
                if late - early >= max((p.g_rise - 1.0) * abs(early), 1.0):
                    out.append(f"G loss climbed {S.fmt(early)} → {S.fmt(late)}")
        return out


def _log_noise(ctx: Context, column: str, res: float) -> "float | None":
    """Record-to-record scatter of a positive loss in decades (robust sigma of log10 differences / sqrt 2).

    Differences of neighbours measure noise, not trend: a D loss falling steadily from
    1.4 to 0.02 has little scatter, one that jumps between 0.01 and 1 from one print
    to the next (batch-size-1 prints) has much. Only for short logs (the rolling
    medians of long runs already remove it); None when there is too little to say.
    """
    _, v = ctx.finite(column)
    if v.size < 6 or v.size > SHORT_SERIES:
        return None
    lv = np.log10(np.maximum(v, max(0.5 * res, 1e-12)))
    d = np.diff(lv)
    sigma = S.MAD_TO_SIGMA * float(np.median(np.abs(d - np.median(d)))) / math.sqrt(2.0)
    return sigma if sigma > 0 else None


@dataclass(frozen=True)
class GLossRunawayParams(Params):
    #: G loss must rise by at least this many G chance levels over the window
    rise: float = 1.0
    #: and D loss fall by at least this fraction of its level at the window start
    d_fall: float = 0.3
    #: Mann–Kendall tau (block medians) needed for each trend
    min_tau: float = 0.5
    #: window length as a fraction of the run (sliding, half-overlapping)
    window_fraction: float = 0.2
    #: the window must cover at least this many records (the trend test; short logs are weighed)
    min_records: int = 20
    #: short logs: G's final level at least this many times its first ...
    short_ratio: float = 2.0
    #: ... needing this many records with one family-free witness, ``witnessed_records`` with two
    one_witness_records: int = 5
    witnessed_records: int = 3
    #: a G loss at or above this under a BCE family means D(G(z)) < e^-20 = 2e-9: D rejects every fake
    saturated_g: float = 20.0
    #: D loss "at its floor": below this fraction of the family's chance level (or printed as 0)
    d_floor_fraction: float = 0.10


class GLossRunaway(_BalanceDetector):
    """G loss climbing while D loss falls.

    What it detects
    ---------------
    A stretch of the run where the generator loss rises steadily (Mann–Kendall
    tau >= 0.5 and a Theil–Sen rise of at least one G chance level) while the
    D loss falls by 30% or more. Trends are measured on windows of 20% of the
    run, on at most 400 block medians per window, so the cost stays linear.

    Why it matters
    --------------
    It is D dominance on its way: D gets better at rejecting fakes faster than
    G improves, G's gradients weaken, and a D loss collapse (GAN101) often follows.

    Evidence
    --------
    ``g_start``/``g_end`` and ``d_start``/``d_end`` (medians at the window
    ends), ``g_tau``, ``d_tau``, ``g_slope_per_step`` (Theil–Sen), ``limit_rise``.

    Remedies
    --------
    TTUR (lower D's learning rate), the non-saturating G loss, label smoothing,
    spectral normalization, a training ratio favouring G.

    Weighing
    --------
    The rise is measured in G chance levels and the fall in D's own level, on
    windows of 20% of the run; Mann–Kendall tau on block medians says the
    trend is monotone, not noise. Confidence grows with tau and the windows
    joined.

    Short logs (fewer than ``min_records`` paired records, or no monotone
    window) are weighed as GAN101 weighs them: by effect and family-free
    witnesses, not by a trend test. G's final level (median of the last
    third of the records) must be at least ``short_ratio`` times its first
    and up by one G chance level, and the climb counts only with witnesses
    that D has won: the D loss at its floor at the end (below
    ``d_floor_fraction`` of every candidate family's chance level, or printed
    as 0 when a critic is still possible), D(G(z)) printed as 0 at the end
    (saturated below the print resolution). Two witnesses make
    ``witnessed_records`` (3) records conclusive, one needs
    ``one_witness_records`` (5); without a witness a short climb says
    nothing. The effect is the climb in decades (1 at tenfold).

    Saturation: under a BCE family (no critic among the candidates) G's
    adversarial loss is -log D(G(z)) (not when the log prints other G terms,
    feature matching, VGG, KL, beside a G loss that may be their total), so a G loss of ``saturated_g`` (20) or more means
    D(G(z)) < 2e-9: D rejects every fake with certainty and G's gradient
    through the sigmoid is gone. That holds whatever the record count: one
    record is enough (lower confidence), two or more are conclusive.

    Too short
    ---------
    The trend test needs ``min_records`` (20) paired records: a Mann–Kendall
    tau of 0.5 on fewer points is within noise. Below that only the weighed
    short-log evidence above speaks; a log with fewer than
    ``witnessed_records`` records, no witness and no saturated G loss is too
    short to judge a runaway.

    Options
    -------
    ``rise`` (1.0 G chance levels), ``d_fall`` (0.3), ``min_tau`` (0.5),
    ``window_fraction`` (0.2), ``min_records`` (20), ``short_ratio`` (2.0),
    ``one_witness_records`` (5), ``witnessed_records`` (3), ``saturated_g``
    (20.0), ``d_floor_fraction`` (0.10).

    References
    ----------
    Heusel et al. (2017) GANs Trained by a Two Time-Scale Update Rule;
    Goodfellow et al. (2014) Generative Adversarial Nets.
    """

    code = "GAN102"
    name = "g-loss-runaway"
    summary = "G loss climbing while D loss falls"
    requires = ("loss_d", "loss_g")
    default_severity = Severity.WARNING
    remedies = ("ttur", "non-saturating-loss", "one-sided-label-smoothing", "spectral-norm",
                "training-ratio", "instance-noise")
    Params = GLossRunawayParams

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: GLossRunawayParams = self.params
        g_scale = ctx.family.chance_g or (ctx.family.chance_d or 1.0) / 2
        pb = paired_blocks(ctx, "loss_d", "loss_g")
        n = pb.n
        win = max(int(math.ceil(p.min_records / pb.size)), int(p.window_fraction * n))
        if n < max(p.min_records, 20) or win > n:
            yield from self._weighed(ctx, p, g_scale)
            return
        d, g = pb.a, pb.b
        hits: list[tuple[int, int, dict]] = []
        for a in range(0, n - win + 1, max(1, win // 2)):
            b = a + win
            gw, dw = g[a:b], d[a:b]
            g_tau, d_tau = S.mann_kendall_tau(gw), S.mann_kendall_tau(dw)
            if g_tau < p.min_tau or d_tau > -p.min_tau:
                continue
            edge = max(3, win // 10)
            g0, g1 = float(np.median(gw[:edge])), float(np.median(gw[-edge:]))
            d0, d1 = float(np.median(dw[:edge])), float(np.median(dw[-edge:]))
            if g1 - g0 < p.rise * g_scale or d0 <= 0 or (d0 - d1) / d0 < p.d_fall:
                continue
            hits.append((a, b - 1, {"g_start": g0, "g_end": g1, "d_start": d0, "d_end": d1,
                                    "g_tau": g_tau, "d_tau": d_tau}))
        if not hits:
            if ctx.n <= SHORT_SERIES:
                yield from self._weighed(ctx, p, g_scale)
            return
        a, b = hits[0][0], hits[0][1]
        ev = dict(hits[0][2])
        for a2, b2, e2 in hits[1:]:
            if a2 <= b + 1:
                b = b2
                ev.update(g_end=e2["g_end"], d_end=e2["d_end"])
        # the window may open before the climb: start where G last sat near its starting level
        sm = S.rolling_median(g[a:b + 1], 9)
        below = np.flatnonzero(sm[: int(np.argmax(sm)) + 1] <= ev["g_start"] + 0.2 * (ev["g_end"] - ev["g_start"]))
        if below.size:
            a = min(b, a + int(below[-1]))
        span = ctx.span(int(pb.first[a]), int(pb.last[b]))
        ev["g_slope_per_step"] = S.theil_sen(g[a:b + 1], ctx.steps[pb.first[a:b + 1]])
        ev["limit_rise"] = p.rise * g_scale
        ev["loss_family"] = ctx.family.name
        yield self.finding(
            ctx,
            f"G loss rose {S.fmt(ev['g_start'])} → {S.fmt(ev['g_end'])} (+{S.fmt(ev['g_end'] - ev['g_start'])}, "
            f"limit +{S.fmt(p.rise * g_scale)}) while D loss fell {S.fmt(ev['d_start'])} → {S.fmt(ev['d_end'])} "
            f"over {ctx.span_text(span)}",
            span=span, evidence=ev,
            confidence=confidence(min(ev["g_tau"], -ev["d_tau"]), b - a + 1, win, base=0.5),
        )


    def _weighed(self, ctx: Context, p: GLossRunawayParams, g_scale: float) -> Iterable[Finding]:
        """Short logs: G's climb weighed by its size and by family-free witnesses that D has won."""
        d_all, g_all = ctx.series("loss_d"), ctx.series("loss_g")
        rows = np.flatnonzero(np.isfinite(d_all) & np.isfinite(g_all))
        n = rows.size
        if n == 0:
            return
        d, g = d_all[rows], g_all[rows]
        k = max(1, n // 3)
        g0 = float(g[0]) if n < 6 else float(np.median(g[:k]))
        g1, d0, d1 = float(np.median(g[-k:])), float(d[0]), float(np.median(d[-k:]))
        fams = E.candidate_families(ctx)
        res = E.resolution(ctx, "loss_d")
        witnesses: list[str] = []
        if all(f in CHANCE_LEVEL_D for f in fams):
            floor = max(p.d_floor_fraction * min(CHANCE_LEVEL_D[f] for f in fams), 0.5 * res + 1e-12)
        else:
            floor = 0.5 * res + 1e-12  # a critic may be at work: only a D loss printed as 0
        if d1 <= floor and d1 <= d0:
            witnesses.append(f"D loss at its floor ({S.fmt(d1)} <= {S.fmt(floor)})")
        if ctx.has("d_g_z1"):
            dg = ctx.series("d_g_z1")[rows[-k:]]
            dg = dg[np.isfinite(dg)]
            dres = E.resolution(ctx, "d_g_z1")
            if dg.size and float(np.max(np.abs(dg))) <= 0.5 * dres + 1e-12:
                witnesses.append("D(G(z)) printed as 0")
        bce = any(f in ("bce_sum", "bce_mean") for f in fams) and "wgan" not in fams and _g_is_adversarial(ctx)
        sat = np.flatnonzero(g >= p.saturated_g) if bce else np.zeros(0, int)
        climb = g1 - g0 >= p.rise * g_scale and (g0 <= 0 or g1 >= p.short_ratio * g0)
        if sat.size:
            a, b = int(sat[0]), int(sat[-1])
            effect = 1.0
            need = 1
            witnesses.append(f"G loss {S.fmt(float(np.max(g[sat])))} >= {p.saturated_g:g}: under BCE "
                             f"D(G(z)) < {math.exp(-p.saturated_g):.0e}, saturated")
            conf = 0.6 if sat.size == 1 else E.weigh(1.0, int(sat.size), 2, share=sat.size / n,
                                                      at_end=b >= n - 1)
        elif climb and witnesses:
            need = p.witnessed_records if len(witnesses) >= 2 else p.one_witness_records
            if n < need:
                return
            effect = 1.0 if g0 <= 0 else min(1.0, math.log10(g1 / g0))
            # the climb starts where G last sat near its first level
            near = np.flatnonzero(g <= g0 + 0.2 * (g1 - g0))
            a, b = (int(near[-1]) if near.size and int(near[-1]) < n - 1 else 0), n - 1
            conf = E.weigh(effect, n, need, share=1.0, at_end=True)
        else:
            return
        conf = min(0.98, conf + 0.05 * max(0, len(witnesses) - 1))
        if ctx.family.name == "unknown":
            conf *= 0.95
        span = ctx.span(int(rows[a]), int(rows[b]))
        ev = {"g_start": g0, "g_end": g1, "d_start": d0, "d_end": d1, "records": int(n), "need": int(need),
              "effect": effect, "witnesses": witnesses, "families": list(fams), "loss_family": ctx.family.name,
              "limit_rise": p.rise * g_scale}
        what = (f"G loss rose {S.fmt(g0)} → {S.fmt(g1)}" if climb else
                f"G loss at {S.fmt(float(np.median(g[a:b + 1])))} (from {S.fmt(g0)})")
        yield self.finding(
            ctx,
            f"{what} while D loss went {S.fmt(d0)} → {S.fmt(d1)} over {ctx.span_text(span)}; "
            f"{', '.join(witnesses)}",
            span=span, evidence=ev, confidence=conf,
        )


def _g_is_adversarial(ctx: Context) -> bool:
    """G's printed loss is its adversarial term alone: no non-adversarial G term (feature matching,
    VGG, KL, L1) is printed beside it, unless a G total is printed too (then ``loss_g`` is the term)."""
    roles = getattr(ctx.run, "roles", None) or {}
    parts = any(getattr(r, "role", "") == "loss_g_part" for r in roles.values())
    return not parts or ctx.has("loss_g_total")


@dataclass(frozen=True)
class DFailingParams(Params):
    #: D loss above this multiple of its chance level ...
    d_factor: float = 1.3
    #: ... while G loss is below this fraction of its chance level (BCE, LSGAN)
    g_fraction: float = 0.5
    #: for hinge (G chance level 0): G loss below minus this value
    hinge_g_limit: float = 0.5
    #: family-free: G loss below this fraction of the D loss (D far above every chance level)
    g_to_d: float = 0.01
    #: records a stretch just past the limits needs (an extreme one needs 2)
    min_records: int = 8
    min_fraction: float = 0.05
    smooth: int = 5


class DFailing(_BalanceDetector):
    """D loss far above chance while G loss sinks: G fools D, often with garbage.

    What it detects
    ---------------
    The D loss above 1.3x its chance level while the G loss stays below half
    of its own chance level (for hinge: below -0.5). When the family is not
    known the limits are judged under every candidate family and must all
    agree; family-free, a D loss above 1.3x the highest chance level (2.6)
    with a G loss below 1% of it (or printed as 0) holds in every family.

    Why it matters
    --------------
    D is worse than a coin: it calls fakes real. Either G found a blind spot
    of D (samples look like nothing yet fool it), D is too weak or not being
    trained, or labels are swapped. Sample quality usually stops improving.

    Weighing
    --------
    The effect is how many times the D loss exceeds its limit, on a log
    scale (1 at 10x). An extreme effect needs 2 records, one at the limit
    ``min_records``; a stretch must also cover ``min_fraction`` of the run
    unless it reaches the end. On runs over 200 records the losses are
    judged on rolling medians of block medians.

    Too short
    ---------
    One record is a blip; two records of a D loss ten times its chance level
    with G's at zero settle it.

    Evidence
    --------
    ``d_median``, ``d_limit``, ``g_median``, ``g_limit``, ``families``, ``records``, ``effect``.

    Remedies
    --------
    Check D's optimizer steps and ``requires_grad``, remove a gate that skips
    D updates, raise D's learning rate or update ratio, check the labels.

    Options
    -------
    ``d_factor`` (1.3), ``g_fraction`` (0.5), ``hinge_g_limit`` (0.5), ``g_to_d`` (0.01),
    ``min_records`` (8), ``min_fraction`` (0.05), ``smooth`` (5).

    References
    ----------
    Goodfellow (2016) NIPS 2016 Tutorial: Generative Adversarial Networks;
    Heusel et al. (2017) GANs Trained by a Two Time-Scale Update Rule.
    """

    code = "GAN103"
    name = "d-failing"
    summary = "D loss far above chance while G loss sinks: G fools D"
    requires = ("loss_d", "loss_g")
    default_severity = Severity.WARNING
    remedies = ("check-optimizer-steps", "remove-d-gate", "ttur", "training-ratio", "noisy-labels")
    Params = DFailingParams

    def _limits(self, fam: str) -> tuple[float, float]:
        p: DFailingParams = self.params
        d_limit = p.d_factor * CHANCE_LEVEL_D[fam]
        g_limit = -p.hinge_g_limit if fam == "hinge" else p.g_fraction * CHANCE_LEVEL_G[fam]
        return d_limit, g_limit

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: DFailingParams = self.params
        fams = E.candidate_families(ctx)
        judged = [f for f in fams if f in CHANCE_LEVEL_D]
        all_bounded = len(judged) == len(fams)
        g_res = E.resolution(ctx, "loss_g")
        top = p.d_factor * max(CHANCE_LEVEL_D.values())

        def mask_of(d: np.ndarray, g: np.ndarray) -> np.ndarray:
            free = (d > top) & ((g < p.g_to_d * d) | (np.abs(g) <= 0.5 * g_res + 1e-12))
            if not all_bounded:
                return free
            every = np.ones(d.shape, bool)
            for fam in judged:
                dl, gl = self._limits(fam)
                every &= (d > dl) & (g < gl)
            return every | free

        d_limit = max(self._limits(f)[0] for f in judged) if all_bounded else top
        g_limit = min(self._limits(f)[1] for f in judged) if all_bounded else float("nan")

        def effect(dv: np.ndarray) -> float:
            return E.effect_ratio(float(np.median(dv)), d_limit, decades=1.0) if dv.size else 0.0

        x, y = ctx.series("loss_d"), ctx.series("loss_g")
        rows = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
        if rows.size == 0:
            return
        if rows.size <= SHORT_SERIES:
            d, g = x[rows], y[rows]
            mask = mask_of(d, g)
            found = weighed_mask(ctx, mask, rows, lambda a, b: effect(d[a:b + 1][mask[a:b + 1]]),
                                 min_records=p.min_records, min_fraction=p.min_fraction)
        else:
            pb = paired_blocks(ctx, "loss_d", "loss_g")
            d = S.rolling_median(pb.a, p.smooth)
            g = S.rolling_median(pb.b, p.smooth)
            mask = mask_of(d, g)
            need = ctx.min_length(pb.n, p.min_records, p.min_fraction, pb.size)
            found = []
            for a, b in S.sustained(mask, need, max_gap=1, smooth=1):
                r0, r1 = int(pb.first[a]), int(pb.last[b])
                h = Hold(a, b, r0, r1, ctx.span(r0, r1), (b - a + 1) * pb.size)
                e = effect(d[a:b + 1])
                found.append(Weighed(h, e, need, E.weigh(e, h.records, need, share=h.records / ctx.n,
                                                         at_end=r1 >= ctx.n - 1, base=0.45)))
        for w in found[:3]:
            h = w.hold
            dm = float(np.median(values_in(ctx, "loss_d", h)))
            gm = float(np.median(values_in(ctx, "loss_g", h)))
            if all_bounded:
                limits = (f"> {S.fmt(d_limit)} ({p.d_factor:g}x chance, {E.family_text(judged)}) while G loss "
                          f"median {S.fmt(gm)} < {S.fmt(g_limit)}")
            else:
                limits = (f"> {S.fmt(top)} ({p.d_factor:g}x the highest chance level of any family) while G "
                          f"loss median {S.fmt(gm)} is at 0 or below {p.g_to_d:.0%} of it")
            conf = w.confidence * (0.95 if ctx.family.name == "unknown" else 1.0)
            yield self.finding(
                ctx,
                f"D loss median {S.fmt(dm)} {limits}, over {ctx.span_text(h.span)}",
                span=h.span,
                evidence={"d_median": dm, "d_limit": d_limit, "g_median": gm, "g_limit": g_limit,
                          "loss_family": ctx.family.name, "families": list(fams), "records": h.records,
                          "effect": w.effect},
                confidence=conf,
            )
