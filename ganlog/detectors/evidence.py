"""Evidence, not record counts: the arithmetic every detector shares to weigh what it saw.

A finding is a claim: *this* held, strongly enough, for long enough. How long is
long enough depends on how strong: two records of a D loss printed ``0.0000``
next to ``D(x): 1.0000`` settle it, while a D loss a little below its limit needs
many records before it is more than noise. So detectors do not count records
against a fixed minimum; they measure

* the **effect**: how far past the limit, as a number in [0, 1] (0 = at the
  limit, 1 = as extreme as the log can show: beyond what the printed precision
  can resolve, or at a value no healthy run prints);
* the **amount**: records the condition held, and the share of the run;
* **where**: a condition that holds at the end of the log is the run's current
  state, not a transient it left behind.

:func:`records_needed` turns the effect into the records required (2 for an
extreme effect, ``mild`` for one at the limit, quadratic in between);
:func:`weigh` turns effect, amount and place into a confidence.

Printed precision is evidence too: :func:`resolution` reads how many decimals a
column was printed with, so ``0.0000`` is read as "below 0.00005", and
``1.0000`` as "within 0.00005 of 1": a saturated sigmoid, not a dead network.

The loss family: when it is ambiguous, :func:`candidate_families` lists what it
may be, and a family-relative limit is judged under each (:func:`under_every`);
a finding stands only when every candidate agrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

import numpy as np

from . import stats as S

if TYPE_CHECKING:
    from .base import Context

#: the fewest records any condition can rest on: one record is a blip by definition
FLOOR_RECORDS = 2
#: records a condition just at its limit needs (the old fixed minimum, now the mild end)
MILD_RECORDS = 8
#: confidence at or above which a finding counts as conclusive ("high confidence")
HIGH_CONFIDENCE = 0.8
#: the most decimals a printed value is read with (floats from binary formats have all)
MAX_DECIMALS = 8

#: families whose D loss has a chance level
BOUNDED_FAMILIES: tuple[str, ...] = ("bce_sum", "bce_mean", "lsgan", "hinge")
#: sigmoid-output families (D(x), D(G(z)) are probabilities)
SIGMOID_FAMILIES: tuple[str, ...] = ("bce_sum", "bce_mean", "lsgan")


def records_needed(effect: float, mild: int = MILD_RECORDS, floor: int = FLOOR_RECORDS) -> int:
    """Records a condition must hold given its effect in [0, 1]: ``floor`` when extreme, ``mild`` at the limit."""
    e = min(1.0, max(0.0, float(effect)))
    return max(floor, int(math.ceil(floor + (mild - floor) * (1.0 - e) ** 2 - 1e-9)))


def weigh(effect: float, records: int, need: int, *, share: float = 0.0, at_end: bool = False,
          base: float = 0.5) -> float:
    """Confidence from effect, amount (records against what was needed, share of the run) and place."""
    e = min(1.0, max(0.0, float(effect)))
    amount = min(1.0, records / max(1.0, 3.0 * need))
    conf = base + 0.3 * e + 0.12 * amount + 0.05 * min(1.0, 4 * share) + (0.03 if at_end else 0.0)
    return float(min(0.98, max(0.05, conf)))


def effect_below(value: float, limit: float, floor: float = 0.0) -> float:
    """Effect of ``value`` under an upper ``limit``: 0 at the limit, 1 at ``floor`` (or below)."""
    if limit <= floor:
        return 0.0
    return float(min(1.0, max(0.0, (limit - value) / (limit - floor))))


def effect_ratio(value: float, limit: float, decades: float = 2.0) -> float:
    """Effect of ``value`` above ``limit`` on a log scale: 1 when ``decades`` orders of magnitude past it."""
    if value <= limit or limit <= 0:
        return 0.0
    return float(min(1.0, math.log10(value / limit) / decades))


# -- printed precision ----------------------------------------------------------

def _decimals(v: float) -> int:
    if not math.isfinite(v):
        return 0
    text = repr(float(v))
    if "e" in text or "E" in text:
        mant, exp = text.lower().split("e")
        d = len(mant.split(".")[1]) if "." in mant else 0
        return min(MAX_DECIMALS, max(0, d - int(exp)))
    if "." not in text:
        return 0
    frac = text.split(".")[1].rstrip("0")
    return min(MAX_DECIMALS, len(frac))


def resolution(ctx: "Context", column: str) -> float:
    """The smallest step the column was printed with (``1e-4`` for ``0.1234``), 1e-8 at most precise.

    Read from the values: the most decimals any value needs. Trailing zeros are
    lost in parsing, so ``0.0000`` alone says nothing; its neighbours say ``%.4f``
    (the same kind first, D outputs or losses, then the other kind on the line).
    """

    def make() -> float:
        d = _max_decimals(ctx, column)
        if d == 0:
            # every value whole (a column printed as 0.00000000 throughout): the print format is
            # the one its sibling columns show
            group = _LOSSES if column in _LOSSES else _OUTPUTS if column in _OUTPUTS else ()
            d = max((_max_decimals(ctx, c) for c in group if c != column and ctx.has(c)), default=0)
            if d == 0 and group:
                # the whole group printed whole (D(x) 1.0000 and D(G(z)) 1.0000 in one record): the
                # line's other D/G numbers show its format
                d = max((_max_decimals(ctx, c) for c in _LOSSES + _OUTPUTS
                         if c not in group and ctx.has(c)), default=0)
        return 10.0 ** -max(d, 1)

    return ctx.cached(("resolution", column), make)


_LOSSES = ("loss_d", "loss_g", "loss_d_real", "loss_d_fake")
_OUTPUTS = ("d_x", "d_g_z1", "d_g_z2")


def _max_decimals(ctx: "Context", column: str) -> int:
    _, v = ctx.finite(column)
    if v.size == 0:
        return 0
    sample = v if v.size <= 2000 else v[np.linspace(0, v.size - 1, 2000).astype(int)]
    return max(_decimals(float(x)) for x in sample)


def at_print_limit(ctx: "Context", column: str, values: np.ndarray, target: float) -> np.ndarray:
    """Values that print as exactly ``target`` (within half the column's print resolution)."""
    res = resolution(ctx, column)
    return np.abs(values - target) <= 0.5 * res + 1e-12


# -- quality metrics -----------------------------------------------------------------

#: the values a quality metric can take at all; outside them the computation failed numerically
#: (a matrix square root of a degenerate covariance prints FID -3.1e+68). FID is a squared distance
#: (>= 0, up to rounding) between Inception features of bounded size: noise against any data set
#: stays below ~1e3, so 1e5 is far past anything real. IS lies in [1, 1000] (1000 classes). KID's
#: unbiased estimate can dip a little below 0, and is a few 1e-3 for real runs.
METRIC_RANGE: dict[str, tuple[float, float]] = {
    "fid": (-1.0, 1e5),
    "inception_score": (1.0 - 1e-3, 1000.0),
    "kid": (-1.0, 1e3),
}


def impossible(column: str, values: np.ndarray) -> np.ndarray:
    """Finite values a quality metric cannot take (numerical garbage, NaN by another name)."""
    lo_hi = METRIC_RANGE.get(column)
    if lo_hi is None:
        return np.zeros(values.shape, bool)
    lo, hi = lo_hi
    return np.isfinite(values) & ((values < lo) | (values > hi))


# -- loss families ----------------------------------------------------------------

def candidate_families(ctx: "Context") -> tuple[str, ...]:
    """Families the run may use: the decided one, else the roles' candidates, else what the log allows.

    With nothing decided: a D loss that goes clearly negative is a critic
    (``wgan``); D outputs logged as probabilities mean a sigmoid D (BCE or
    LSGAN); otherwise every family stays possible.
    """

    def make() -> tuple[str, ...]:
        fam = ctx.family
        if fam.name != "unknown":
            return (fam.name,)
        cands = tuple(c for c in getattr(fam, "candidates", ()) or () if c != "unknown")
        if cands:
            return cands
        if ctx.has("loss_d"):
            _, d = ctx.finite("loss_d")
            if d.size and float(np.mean(d < -0.05)) > 0.05:
                return ("wgan",)
        if any(_probability_like(ctx, c) for c in ("d_x", "d_g_z1")):
            return SIGMOID_FAMILIES
        return (*BOUNDED_FAMILIES, "wgan")

    return ctx.cached(("candidates",), make)


def _probability_like(ctx: "Context", column: str) -> bool:
    if not ctx.has(column):
        return False
    _, v = ctx.finite(column)
    return v.size > 0 and float(np.mean((v >= -1e-6) & (v <= 1 + 1e-6))) >= 0.99


def family_text(families: Iterable[str]) -> str:
    fams = list(families)
    if len(fams) == 1:
        return fams[0]
    return "every candidate family (" + ", ".join(fams) + ")"


def under_every(families: Iterable[str], judge: Callable[[str], "float | None"]) -> "float | None":
    """Judge under each family; the weakest effect when every family finds one, else None."""
    effects = []
    for fam in families:
        e = judge(fam)
        if e is None:
            return None
        effects.append(e)
    return min(effects) if effects else None


# -- holds: where a condition held, weighed ------------------------------------------

@dataclass(frozen=True)
class Stretch:
    """Positions a..b (inclusive) in a series where a condition held, with its weight."""

    a: int
    b: int
    effect: float
    need: int
    confidence: float

    @property
    def length(self) -> int:
        return self.b - self.a + 1


def stretches(mask: np.ndarray, effect_of: Callable[[int, int], float], *, min_fraction: float = 0.0,
              mild: int = MILD_RECORDS, max_gap: int = 0, smooth: int = 1) -> list[Stretch]:
    """Runs of ``mask`` weighed: kept when as long as their effect requires.

    ``effect_of(a, b)`` measures the effect over positions a..b (say, from the
    median there). A run must hold :func:`records_needed` records for its
    effect, and ``min_fraction`` of the series (a share that keeps long runs
    from firing on a stretch that is long in records and short in the run).
    ``smooth`` > 1 majority-votes the mask first (long series only).
    """
    n = int(mask.size)
    if n == 0:
        return []
    m = S.majority(mask, smooth) if smooth > 1 and n >= 4 * smooth else mask.astype(bool)
    found = S.merge_runs(S.runs(m), max_gap) if max_gap else S.runs(m)
    share_need = int(math.ceil(min_fraction * n))
    out: list[Stretch] = []
    for a, b in found:
        # trim to where the condition itself held (majority voting can widen a run)
        inside = np.flatnonzero(mask[a:b + 1])
        if inside.size == 0:
            continue
        a, b = a + int(inside[0]), a + int(inside[-1])
        e = effect_of(a, b)
        # the share of the run is waived at the end of the log: there it is the run's current state
        need = max(records_needed(e, mild), share_need if b < n - 1 else 0)
        length = b - a + 1
        if length < need:
            continue
        out.append(Stretch(a, b, e, need, weigh(e, length, need, share=length / n, at_end=b >= n - 1)))
    return out


def too_short(what: str, n: int, unit: str = "records") -> str:
    """The skipped reason the reports show: ``too short to judge oscillation (6 records)``."""
    return f"too short to judge {what} ({n:,} {unit})"
