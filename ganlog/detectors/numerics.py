"""Numbers going wrong: NaN/inf, divergence by orders of magnitude, vanishing and exploding gradients."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from . import evidence as E
from . import stats as S
from .base import Context, Detector, Finding, Params, Severity
from .common import LOSS_COLUMNS, confidence, label, scale_of, sustained_holds, values_in, weighed_holds

_WATCHED = LOSS_COLUMNS + ("grad_norm_d", "grad_norm_g", "d_x", "d_g_z1", "d_g_z2")


@dataclass(frozen=True)
class NonFiniteParams(Params):
    #: a column counts as logged every record when this share of records before the
    #: first NaN had a value (so later NaNs are logged NaNs, not gaps)
    dense_fraction: float = 0.9


class NonFinite(Detector):
    """NaN or inf in the logged losses, D outputs or gradient norms.

    What it detects
    ---------------
    ``inf`` anywhere in any numeric column (losses, D outputs, gradient norms
    and every other logged value), and ``nan`` in a column that was logged in
    (nearly) every record before it, or that holds nothing but NaN, so a NaN
    is a printed ``nan`` and not a metric logged only now and then (a value
    not printed is missing, not NaN). The first step, the count, and whether
    the values came back.

    The framework's own NaN error counts as a printed NaN too, when it is
    among the lines that were no records: TensorFlow's "Nan in summary
    histogram" / "Tensor had NaN values", tf.estimator's "NaN loss during
    training", Keras' TerminateOnNaN "Invalid loss, terminating training",
    PyTorch's anomaly mode "returned nan values in its ... output" (the run
    crashed on a NaN the printed losses never showed).

    A record of another kind is not a NaN either: readers put every record in
    one table, so a column is NaN where the record never printed its name. When
    a record prints a name that is never printed alongside the column (TimeGAN's
    embedding phase prints ``e_loss`` and no ``d_loss``; a validation line prints
    no training loss), the column was absent there, not ``nan``. A run gone NaN
    keeps printing the same names with ``nan`` for values, so it still counts. A
    non-canonical name seen once in a long log (5+ records) and never with a
    number is a word of prose ("more inf(o)"), not a metric.

    A quality metric (FID, KID, IS, precision, recall, ...) or any column read
    from an evaluation file (StyleGAN's ``metric-*.jsonl``) is evaluated at
    chosen steps, so it is NaN in every record between evaluations: there a
    NaN counts only when the reader saw the value printed as ``nan``
    (``meta["nan_printed"]``, or ``meta["nan_columns"]`` for a column printed
    only as ``nan``). A reader that cannot tell (the vectorized fast path on
    huge logs) leaves such a metric's NaNs uncounted: its losses still show a
    run gone NaN.

    A quality metric outside the values it can take at all (FID below 0 or
    above 1e5, IS outside [1, 1000]) is NaN by another name: the metric's
    computation failed numerically (StyleGAN2-ADA printing FID -3.1e+68 from a
    degenerate covariance), and the number carries no information.

    Why it matters
    --------------
    One NaN poisons the weights: every later update is NaN, and the run is
    dead from that step on (checkpoints after it are useless). Typical causes:
    a log of 0 in a hand-written BCE, an exploding gradient, mixed precision
    overflow, a learning rate too high.

    Evidence
    --------
    ``column``, ``first_step``, ``count``, ``recovered``, ``kinds`` (nan/inf).

    Remedies
    --------
    Logits-based losses (BCEWithLogits), gradient clipping, a lower learning
    rate, anomaly detection to find the op; keep the last finite checkpoint.

    Weighing
    --------
    No amount is needed: one printed ``nan`` or ``inf`` is conclusive,
    confidence 0.95 when it never came back, 0.8 for a single one that did.

    Too short
    ---------
    Never: a single record is enough.

    Options
    -------
    ``dense_fraction`` (0.9).

    References
    ----------
    Goodfellow et al. (2016) Deep Learning, ch. 4.1 (overflow and underflow);
    Micikevicius et al. (2018) Mixed Precision Training.
    """

    code = "GAN401"
    name = "non-finite"
    summary = "NaN or inf"
    default_severity = Severity.ERROR
    remedies = ("bce-with-logits", "grad-clipping", "lr-reduction", "check-nan-sources", "keep-best-checkpoint")
    Params = NonFiniteParams

    def skip_reason(self, ctx: Context) -> str | None:
        if not _numeric_columns(ctx):
            return "needs a numeric column, not in this log"
        return None

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: NonFiniteParams = self.params
        yield from self._framework_messages(ctx)
        cols = _numeric_columns(ctx)
        present = _printed_matrix(ctx, cols)
        for j, col in enumerate(cols):
            x = ctx.series(col)
            inf = np.isinf(x)
            if col not in _WATCHED and not np.isfinite(x).any() and int(inf.sum()) == 1 and ctx.n >= 5:
                # a name seen once in a long log, never with a number: a word of prose ("more inf(o)"),
                # not a metric
                continue
            # NaN where the record is of another kind (another phase, a validation line): not printed
            nan = np.isnan(x) & ~_other_kind(present, j)
            if np.isnan(x).any() and _evaluated(ctx, col):
                # a quality metric is evaluated at chosen steps: between evaluations it is
                # missing, and only a reader that saw ``nan`` printed makes it non-finite
                nan = _evaluated_nan(ctx, col, x, nan)
                bad = inf | nan
            else:
                bad = inf.copy()
            if nan.any() and not _evaluated(ctx, col):
                first_nan = int(np.argmax(nan))
                before = x[:first_nan]
                # a value column of its own (FID every N steps) must show it was logged every
                # record for a few records before a NaN counts as printed
                lead = 1 if col in _WATCHED else 3
                if first_nan >= lead and float(np.mean(np.isfinite(before))) >= p.dense_fraction:
                    bad |= nan & (np.arange(x.size) >= first_nan)
                elif not np.isfinite(x).any() and _printed_nan(ctx, col):
                    bad |= nan  # a column that holds nothing but NaN was printed as nan
            garbage = E.impossible(col, x)
            bad |= garbage
            if not bad.any():
                continue
            idx = np.flatnonzero(bad)
            first, last = int(idx[0]), int(idx[-1])
            recovered = bool((np.isfinite(x[last + 1:]) & ~garbage[last + 1:]).any())
            kinds = [k for k, m in (("nan", nan & bad), ("inf", inf),
                                    ("outside its possible range", garbage)) if m.any()]
            span = ctx.span(first, last if recovered else ctx.n - 1)
            tail = "then finite again" if recovered else "never finite again"
            yield self.finding(
                ctx,
                f"{label(col)} is {'/'.join(kinds)} in {idx.size:,} records from {ctx.step_text(span.start)}, "
                f"{tail}; limit: none allowed",
                span=span,
                evidence={"column": col, "first_step": span.start, "count": int(idx.size),
                          "recovered": recovered, "kinds": kinds},
                confidence=0.95 if not recovered or idx.size > 1 else 0.8,
            )


    def _framework_messages(self, ctx: Context) -> Iterable[Finding]:
        """The framework's own NaN error among the lines that were no records (a NaN it printed in words)."""
        stats = getattr(ctx.run, "stats", None)
        lines = [(s.line, s.text) for s in getattr(stats, "skipped_examples", None) or []]
        extra = ctx.run.meta.get("messages") if isinstance(ctx.run.meta, dict) else None
        if isinstance(extra, (list, tuple)):
            lines += [(0, str(t)) for t in extra]
        for line, text in lines:
            if _FRAMEWORK_NAN.search(text):
                span = ctx.span(ctx.n - 1, ctx.n - 1) if ctx.n else None
                where = f"line {line}" if line else "the log"
                yield self.finding(
                    ctx,
                    f"the framework reported a non-finite value at {where}: {text.strip()[:120]!r}; "
                    f"limit: none allowed",
                    span=span,
                    evidence={"column": None, "line": line, "text": text.strip()[:200], "kinds": ["nan"],
                              "recovered": False, "count": 1},
                    confidence=0.9,
                )
                return


#: errors frameworks print when a tensor went NaN/inf (TensorFlow's check_numerics and summary ops,
#: tf.estimator's NanLossDuringTrainingError, Keras' TerminateOnNaN, PyTorch's anomaly mode, Lightning)
_FRAMEWORK_NAN = re.compile(
    r"nan in summary histogram|tensor had (?:nan|inf) values|nan loss during training|nanlossduringtraining"
    r"|invalid loss, terminating training|returned nan values in its|loss is nan|detected (?:nan|inf)",
    re.IGNORECASE)


@dataclass(frozen=True)
class DivergenceParams(Params):
    #: rolling median of |loss| at least this many times its early level ...
    factor: float = 100.0
    #: ... for WGAN / unknown families, whose losses legitimately drift further
    factor_unbounded: float = 1000.0
    #: fraction of the run whose median is the early level
    head_fraction: float = 0.1
    min_records: int = 8
    min_fraction: float = 0.02
    smooth: int = 5


class Divergence(Detector):
    """Losses exploding by orders of magnitude.

    What it detects
    ---------------
    The rolling median of |loss| rising to at least 100x its early level (the
    median of the first 10% of the run, floored at the family's chance level)
    for a sustained stretch. For BCE the limit is at least 201, above every
    clamp ceiling (those are GAN204's). For WGAN and unknown families the factor is
    1000x: a WGAN-GP generator loss drifting from 1 to 180 is not divergence.

    Why it matters
    --------------
    Losses this far from their start mean the weights are running away; NaN
    (GAN401) is usually a few steps later, and nothing after this point is usable.

    Evidence
    --------
    ``column``, ``median``, ``early_level``, ``limit``, ``factor``, ``peak``.

    Remedies
    --------
    Lower the learning rate, clip gradients, WGAN-GP or spectral normalization
    to bound D, keep the checkpoint from before the rise.

    Weighing
    --------
    Two limits, the lower wins: relative (the factor times the early level:
    the median of the first 10% on long runs, of the first quarter (at most 5
    records) on short ones) and absolute (the largest |loss| any candidate
    family prints while training: 201 for BCE, 1,000 for LSGAN and hinge,
    100,000 for a critic), so an excerpt that starts mid-explosion is still
    seen. The effect is the orders of magnitude past the limit (1 at 100x):
    an extreme one needs 2 records, one at the limit ``min_records``.

    Too short
    ---------
    One record is a blip; two records far past a plausible range are not.

    Options
    -------
    ``factor`` (100), ``factor_unbounded`` (1000), ``head_fraction`` (0.1),
    ``min_records`` (8), ``min_fraction`` (0.02), ``smooth`` (5).

    References
    ----------
    Pascanu et al. (2013) On the difficulty of training recurrent neural networks;
    Gulrajani et al. (2017) Improved Training of Wasserstein GANs;
    Brock et al. (2019) Large Scale GAN Training for High Fidelity Natural Image Synthesis.
    """

    code = "GAN402"
    name = "divergence"
    summary = "losses exploding by orders of magnitude"
    default_severity = Severity.ERROR
    remedies = ("lr-reduction", "grad-clipping", "wgan-gp", "spectral-norm", "keep-best-checkpoint")
    Params = DivergenceParams

    def skip_reason(self, ctx: Context) -> str | None:
        if not any(ctx.has(c) for c in ("loss_d", "loss_g")):
            return "needs loss_d or loss_g, not in this log"
        return None

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: DivergenceParams = self.params
        from . import evidence as E

        fams = E.candidate_families(ctx)
        bounded = all(f in ("bce_sum", "bce_mean", "lsgan", "hinge") for f in fams)
        factor = p.factor if bounded else p.factor_unbounded
        # absolute plausibility: the largest |loss| any candidate family can print while training
        plausible = max(_PLAUSIBLE.get(f, _PLAUSIBLE["wgan"]) for f in fams)
        for col in ("loss_d", "loss_g"):
            if not ctx.has(col):
                continue
            _, v = ctx.finite(col)
            k = max(5, int(v.size * p.head_fraction)) if v.size > 40 else max(1, min(5, v.size // 4))
            head = np.abs(v[:k])
            scale, _ = scale_of(ctx, col) if bounded else (0.0, "")
            early = max(float(np.median(head)), scale, 1e-3 if bounded else 1.0)
            rel_limit = factor * early
            if fams and all(f in ("bce_sum", "bce_mean") for f in fams):
                # BCE losses top out at the clamp (100 per term, GAN204); only logits-based
                # BCE can go past 200, and then it is divergence
                rel_limit = max(rel_limit, 201.0)
            limit = min(rel_limit, plausible)
            found = weighed_holds(ctx, col, lambda m: np.abs(m) >= limit,
                                  lambda x: E.effect_ratio(float(np.median(np.abs(x))), limit) if x.size else 0.0,
                                  min_records=p.min_records, min_fraction=p.min_fraction, smooth=p.smooth)
            for w in found[:1]:
                h = w.hold
                vals = values_in(ctx, col, h)
                med = float(np.median(np.abs(vals)))
                why = (f"{factor:g}x its early level {S.fmt(early)}" if limit == rel_limit else
                       f"beyond any plausible |loss| for {E.family_text(fams)}")
                yield self.finding(
                    ctx,
                    f"|{label(col)}| median {S.fmt(med)} over {ctx.span_text(h.span)} >= {S.fmt(limit)} = {why}",
                    span=h.span,
                    evidence={"column": col, "median": med, "early_level": early, "limit": limit,
                              "relative_limit": rel_limit, "plausible_limit": plausible,
                              "factor": factor, "peak": float(np.max(np.abs(vals))), "records": h.records,
                              "effect": w.effect},
                    confidence=w.confidence,
                )


#: the largest |loss| a family prints in any training that is not diverging: BCE is clamped at 100
#: per term (200 summed), LSGAN and hinge losses sit within a few units of their targets (1e3 is
#: hundreds of times beyond), a WGAN critic's scale is free (1e5)
_PLAUSIBLE: dict[str, float] = {"bce_sum": 201.0, "bce_mean": 201.0, "lsgan": 1e3, "hinge": 1e3, "wgan": 1e5}


#: index and bookkeeping columns: never NaN-checked
_INDEX = ("step", "epoch", "iter", "segment", "wall_time")


def _numeric_columns(ctx: Context) -> list[str]:
    """Every numeric value column, canonical ones first (NaN/inf can hit any of them)."""
    import pandas as pd

    df = ctx.run.frame
    cols = [c for c in _WATCHED if c in df.columns]
    cols += [c for c in df.columns if c not in cols and c not in _INDEX and pd.api.types.is_numeric_dtype(df[c])]
    return cols


def _printed_matrix(ctx: Context, cols: list[str]) -> np.ndarray:
    """records x columns: True where the column holds a printed value (a number, or inf)."""
    if not cols:
        return np.zeros((ctx.n, 0), bool)
    return np.column_stack([~np.isnan(ctx.series(c)) for c in cols])


def _other_kind(present: np.ndarray, j: int) -> np.ndarray:
    """Records of another kind than those that print column ``j``: a value there was not printed.

    Readers turn every record into a row of one table, so a column is NaN both where
    ``nan`` was printed and where the record never printed that name (TimeGAN's
    embedding phase prints ``e_loss`` and no ``d_loss``; a validation line prints no
    training loss). The two differ in the *other* names: a record that prints a
    column never printed alongside column ``j`` (its names are a different set: another
    phase, another line kind) is not a record where ``j`` could have been printed,
    while a run gone NaN keeps printing the same names, with ``nan`` for values.
    """
    mine = present[:, j]
    if present.shape[1] <= 1 or not mine.any():
        # a column printed as nan in every record has no kind of its own to compare with
        return np.zeros(present.shape[0], bool)
    together = (present & mine[:, None]).any(axis=0)
    strangers = ~together & present.any(axis=0)
    strangers[j] = False
    if not strangers.any():
        return np.zeros(present.shape[0], bool)
    return present[:, strangers].any(axis=1)


def _printed_nan(ctx: Context, col: str) -> bool:
    """True when the reader saw the column printed (an all-NaN column exists only if a value was printed:
    a value never printed is missing, and a reader makes no column for it)."""
    missing = ctx.run.meta.get("missing_values", {}) if isinstance(ctx.run.meta, dict) else {}
    if isinstance(missing, dict) and col in missing:
        return False
    return col in ctx.run.frame.columns


#: quality metrics, evaluated at chosen steps (every N ticks, per snapshot), not every record
EVALUATED: tuple[str, ...] = ("fid", "kid", "inception_score", "precision", "recall", "diversity", "density",
                              "coverage", "psnr", "ssim", "lpips")


def _meta(ctx: Context) -> dict:
    return ctx.run.meta if isinstance(ctx.run.meta, dict) else {}


def _names(ctx: Context, col: str) -> set[str]:
    names = getattr(ctx.run, "original_names", None) or {}
    return {col, str(names.get(col, col))}


def _evaluated(ctx: Context, col: str) -> bool:
    """A quality metric, or a column the reader read from an evaluation file (metric-*.jsonl)."""
    return col in EVALUATED or bool(_names(ctx, col) & set(_meta(ctx).get("evaluation_columns", ()) or ()))


def _nan_printed(ctx: Context, col: str) -> int:
    """Records in which the reader saw the column printed as ``nan`` (meta["nan_printed"])."""
    printed = _meta(ctx).get("nan_printed", {}) or {}
    return max((int(printed.get(n, 0)) for n in _names(ctx, col)), default=0)


def _evaluated_nan(ctx: Context, col: str, x: np.ndarray, nan: np.ndarray) -> np.ndarray:
    """The NaNs of an evaluated column that were printed: at the steps the reader names, else those the
    record kinds allow (at most as many as the reader counted), else none."""
    n = _nan_printed(ctx, col)
    if not n:
        return nan if not np.isfinite(x).any() and _all_nan_printed(ctx, col) else np.zeros_like(nan)
    steps = {float(s) for name in _names(ctx, col)
             for s in (_meta(ctx).get("nan_printed_steps", {}) or {}).get(name, ())}
    if steps:
        return np.isnan(x) & np.isin(ctx.series("step"), list(steps))
    if int(nan.sum()) > n:  # keep the last ones: a metric goes NaN at the end, not between evaluations
        keep = np.flatnonzero(nan)[-n:]
        nan = np.zeros_like(nan)
        nan[keep] = True
    return nan


def _all_nan_printed(ctx: Context, col: str) -> bool:
    """The reader saw the column printed, and only as ``nan`` (meta["nan_columns"])."""
    return bool(_names(ctx, col) & set(_meta(ctx).get("nan_columns", ()) or ()))


def _grad_columns(ctx: Context) -> list[str]:
    return [c for c in ("grad_norm_d", "grad_norm_g") if ctx.has(c)]


@dataclass(frozen=True)
class VanishingParams(Params):
    #: rolling median below this fraction of the early level ...
    rel_limit: float = 1e-3
    #: ... or below this absolute value
    abs_limit: float = 1e-7
    head_fraction: float = 0.1
    min_records: int = 8
    min_fraction: float = 0.05
    smooth: int = 5


class VanishingGradients(Detector):
    """Gradient norms near zero (where they are logged).

    What it detects
    ---------------
    The rolling median of a logged gradient norm (D's or G's) falling below
    1/1000 of its early level (median of the first 10%) or below 1e-7, for a
    sustained stretch (8 records and 5% of the run).

    Why it matters
    --------------
    With no gradient, a network no longer learns: a generator behind a
    saturated discriminator (the minimax loss), dead ReLUs, or a
    discriminator whose loss is zero. Losses may still look plausible.

    Evidence
    --------
    ``column``, ``median``, ``early_level``, ``limit``, ``records``.

    Remedies
    --------
    The non-saturating G loss, logits-based losses, weaker D (label smoothing,
    instance noise), WGAN-GP, spectral normalization.

    Weighing
    --------
    Persistence window of ``min_records`` and ``min_fraction`` on rolling
    medians; confidence grows with how far below the limit and how long.

    Too short
    ---------
    Fewer than ``min_records`` (8) gradient-norm records: nothing is said.

    Options
    -------
    ``rel_limit`` (1e-3), ``abs_limit`` (1e-7), ``head_fraction`` (0.1),
    ``min_records`` (8), ``min_fraction`` (0.05), ``smooth`` (5).

    References
    ----------
    Arjovsky & Bottou (2017) Towards Principled Methods for Training GANs;
    Goodfellow et al. (2014) Generative Adversarial Nets.
    """

    code = "GAN403"
    name = "vanishing-gradients"
    summary = "gradient norms near zero (where logged)"
    default_severity = Severity.WARNING
    remedies = ("non-saturating-loss", "bce-with-logits", "instance-noise", "one-sided-label-smoothing",
                "wgan-gp", "spectral-norm")
    Params = VanishingParams

    def skip_reason(self, ctx: Context) -> str | None:
        return None if _grad_columns(ctx) else "needs grad_norm_d or grad_norm_g, not in this log"

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: VanishingParams = self.params
        for col in _grad_columns(ctx):
            _, v = ctx.finite(col)
            early = float(np.median(np.abs(v[: max(5, int(v.size * p.head_fraction))])))
            limit = max(p.abs_limit, p.rel_limit * early)
            holds = sustained_holds(ctx, col, lambda m: m < limit, min_records=p.min_records,
                                    min_fraction=p.min_fraction, smooth=p.smooth)
            need = ctx.min_length(v.size, p.min_records, p.min_fraction)
            for h in holds[:1]:
                med = float(np.median(values_in(ctx, col, h)))
                yield self.finding(
                    ctx,
                    f"{label(col)} median {S.fmt(med)} over {ctx.span_text(h.span)} < {S.fmt(limit)} "
                    f"(max of {p.rel_limit:g}x its early level {S.fmt(early)} and {p.abs_limit:g})",
                    span=h.span,
                    evidence={"column": col, "median": med, "early_level": early, "limit": limit,
                              "records": h.records},
                    confidence=confidence(1 - med / limit if limit > 0 else 1.0, h.records, need),
                )


@dataclass(frozen=True)
class ExplodingParams(Params):
    #: sustained: rolling median at least this many times the early level
    factor: float = 10.0
    #: spikes: single records at least this many times the local (block) median
    spike_factor: float = 10.0
    #: at least this many spikes ...
    min_spikes: int = 5
    #: ... and this fraction of records
    min_spike_fraction: float = 0.002
    head_fraction: float = 0.1
    min_records: int = 8
    min_fraction: float = 0.02
    smooth: int = 5
    #: norms at or below this are "not moving" (skipped updates) and set no early level
    zero_norm: float = 1e-8
    #: a spike's local level is at least this fraction of the early level
    zero_norm_fraction: float = 1e-3


class ExplodingGradients(Detector):
    """Gradient norms spiking or growing by an order of magnitude (where they are logged).

    What it detects
    ---------------
    Either the rolling median of a logged gradient norm at 10x its early
    level (median of the first 10% of the records where it is not zero) for a sustained stretch, or repeated
    spikes: at least 5 records (and 0.2% of the run) at 10x the median of
    their neighbourhood (a rolling median over 25 records). One spike alone never fires.

    Why it matters
    --------------
    Large gradient steps throw the weights far from where they were: losses
    jump, the balance between D and G breaks, and NaN (GAN401) often follows.
    Spikes in D's gradient are the classic sign that D needs a Lipschitz bound.

    Evidence
    --------
    ``column``, ``median``, ``early_level``, ``limit``, ``spikes``, ``max``.

    Remedies
    --------
    Gradient clipping, a lower learning rate, spectral normalization, WGAN-GP / R1.

    Weighing
    --------
    A sustained rise needs ``min_records`` and ``min_fraction``; spikes need
    ``min_spikes`` (5) at 10x their neighbourhood, since one spike alone is a
    batch, not a trend.

    Too short
    ---------
    Fewer than 5 non-zero norms: no early level to compare with.

    Options
    -------
    ``factor`` (10), ``spike_factor`` (10), ``min_spikes`` (5),
    ``min_spike_fraction`` (0.002), ``head_fraction`` (0.1), ``min_records`` (8),
    ``min_fraction`` (0.02), ``smooth`` (5), ``zero_norm`` (1e-8: norms at or below
    it are skipped updates and set no early level), ``zero_norm_fraction`` (1e-3).

    References
    ----------
    Pascanu et al. (2013) On the difficulty of training recurrent neural networks;
    Miyato et al. (2018) Spectral Normalization for Generative Adversarial Networks;
    Brock et al. (2019) Large Scale GAN Training for High Fidelity Natural Image Synthesis.
    """

    code = "GAN404"
    name = "exploding-gradients"
    summary = "gradient norms spiking (where logged)"
    default_severity = Severity.WARNING
    remedies = ("grad-clipping", "lr-reduction", "spectral-norm", "wgan-gp", "r1-penalty")
    Params = ExplodingParams

    def skip_reason(self, ctx: Context) -> str | None:
        return None if _grad_columns(ctx) else "needs grad_norm_d or grad_norm_g, not in this log"

    def detect(self, ctx: Context) -> Iterable[Finding]:
        p: ExplodingParams = self.params
        for col in _grad_columns(ctx):
            rows, v = ctx.finite(col)
            # The early level is that of records where the norm is not zero: a D whose
            # updates were skipped logs 0 at first, and 10x of 0 is no limit at all.
            moving = np.abs(v[np.abs(v) > p.zero_norm])
            if moving.size < 5:
                continue
            early = float(np.median(moving[: max(5, int(moving.size * p.head_fraction))]))
            limit = p.factor * early
            holds = sustained_holds(ctx, col, lambda m: m >= limit, min_records=p.min_records,
                                    min_fraction=p.min_fraction, smooth=p.smooth)
            need = ctx.min_length(v.size, p.min_records, p.min_fraction)
            if holds:
                h = holds[0]
                med = float(np.median(values_in(ctx, col, h)))
                yield self.finding(
                    ctx,
                    f"{label(col)} median {S.fmt(med)} over {ctx.span_text(h.span)} >= {S.fmt(limit)} = "
                    f"{p.factor:g}x its early level {S.fmt(early)}",
                    span=h.span,
                    evidence={"column": col, "median": med, "early_level": early, "limit": limit,
                              "records": h.records},
                    confidence=confidence(min(1.0, math.log10(med / limit) + 0.5), h.records, need),
                )
                continue
            blk = ctx.blocks(col)
            local = S.rolling_median(blk.median, 25)
            # per-record local level: the block's rolling median, repeated over its records
            level = np.repeat(local, blk.size)[: v.size] if blk.size > 1 else local
            spikes = np.flatnonzero(v >= p.spike_factor * np.maximum(level, p.zero_norm_fraction * early))
            if spikes.size >= max(p.min_spikes, int(math.ceil(p.min_spike_fraction * v.size))):
                span = ctx.span(int(rows[spikes[0]]), int(rows[spikes[-1]]))
                peak = float(v[spikes].max())
                yield self.finding(
                    ctx,
                    f"{label(col)} spiked to >= {p.spike_factor:g}x its local median in {spikes.size:,} records "
                    f"over {ctx.span_text(span)} (max {S.fmt(peak)}); limit {p.min_spikes} spikes",
                    span=span,
                    evidence={"column": col, "spikes": int(spikes.size), "max": peak,
                              "spike_factor": p.spike_factor, "early_level": early},
                    confidence=min(0.9, 0.5 + 0.05 * spikes.size),
                )
