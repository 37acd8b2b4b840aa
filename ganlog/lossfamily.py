"""Infer the loss family of a run, and say why.

Detector thresholds are relative to the family: a D loss of 0.09 is 7% of
chance for summed BCE (2·ln2) but 36% for LSGAN (0.25); a WGAN critic's loss
is negative when all is well. The user can always say the family
(``--loss-family``, config); otherwise the evidence is, in order of trust:

1. names the trainer printed (``critic``, ``gp``, ``wasserstein``, ``hinge``, ``lsgan``/``mse``);
2. signs: a D loss that goes clearly negative is a WGAN critic; a G loss that
   does while D's never does is hinge;
3. consistency with the logged D outputs: when ``D(x)`` and ``D(G(z))`` are
   logged, summed BCE is about ``-ln D(x) - ln(1 - D(G(z)))``, averaged BCE half
   of that, LSGAN about ``(1 - D(x))² + D(G(z))²`` (or half);
4. the early level of the D loss against each chance level (near 2 with no D
   probabilities logged: hinge; a ``bce``/``softplus``/``logistic`` name picks
   between summed and averaged BCE by the level).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .frame import CHANCE_LEVEL_D, LOSS_FAMILIES, LossFamily

if TYPE_CHECKING:
    from .frame import Run

_NAME_HINTS: tuple[tuple[str, str], ...] = (
    ("wasserstein", "wgan"),
    ("wgan", "wgan"),
    ("critic", "wgan"),
    ("gradient_penalty", "wgan"),
    ("gp", "wgan"),
    ("hinge", "hinge"),
    ("lsgan", "lsgan"),
    ("mse", "lsgan"),
    ("least_squares", "lsgan"),
)

#: names that say "a BCE / logistic loss" without saying summed or averaged:
#: StyleGAN's ``Loss/scores/real`` (logistic loss on logits, summed), ``softplus``,
#: ``bce``. The level or the D outputs then decide between bce_sum and bce_mean.
_BCE_HINTS: tuple[str, ...] = ("bce", "softplus", "logistic", "nonsaturating", "non_saturating", "scores_real")

#: a hinge D loss starts near 2 (both margins violated by 1 at logits 0)
_HINGE_START = (1.74, 2.3)


def resolve_loss_family(run: "Run", override: str | None = None) -> LossFamily:
    """The user's word when given, else the inference."""
    if override:
        name = override.strip().lower().replace("-", "_")
        if name not in LOSS_FAMILIES:
            from .errors import UsageError

            raise UsageError(
                f"unknown loss family {override!r} (expected one of: {', '.join(LOSS_FAMILIES)})"
            )
        return LossFamily(name, "set by the user", "user")
    return infer_loss_family(run)


def infer_loss_family(run: "Run") -> LossFamily:
    import numpy as np

    df = run.frame
    tokens = " ".join(list(run.original_names.values()) + list(df.columns)).lower()
    tokens = tokens.replace("/", "_").replace("-", "_").replace(" ", "_")
    words = set(tokens.split("_"))
    for hint, family in _NAME_HINTS:
        if (hint in words) if len(hint) <= 3 else (hint in tokens):
            return LossFamily(family, f"the log names a '{hint}' value")

    if "loss_d" not in df.columns:
        return LossFamily("unknown", "no discriminator loss was logged", "default")
    d = df["loss_d"].to_numpy(dtype=float)
    d = d[np.isfinite(d)]
    if d.size == 0:
        return LossFamily("unknown", "the discriminator loss holds no finite value", "default")

    bce_hint = next((h for h in _BCE_HINTS if h in tokens), None)

    neg_frac = float(np.mean(d < -0.05))
    if neg_frac > 0.05:
        return LossFamily("wgan", f"the D loss is negative in {neg_frac:.0%} of records (a critic's loss)")
    if "loss_g" in df.columns:
        g = df["loss_g"].to_numpy(dtype=float)
        g = g[np.isfinite(g)]
        if g.size and float(np.mean(g < -0.05)) > 0.05 and float(d.min()) >= 0:
            return LossFamily("hinge", "the G loss goes negative while the D loss never does (hinge)")

    fam = _from_d_outputs(run)
    if fam is not None:
        return fam

    head = d[: max(5, min(len(d) // 20, 200))]
    level = float(np.median(head))
    if level <= 0 or not math.isfinite(level):
        return LossFamily("unknown", f"the early D loss level {level:.3g} matches no chance level", "default")
    if bce_hint is not None:
        name = "bce_sum" if abs(math.log(level / CHANCE_LEVEL_D["bce_sum"])) <= abs(
            math.log(level / CHANCE_LEVEL_D["bce_mean"])) else "bce_mean"
        return LossFamily(name, f"the log names a '{bce_hint}' value and the early D loss median "
                                f"{level:.3f} is nearest {CHANCE_LEVEL_D[name]:.3f}")
    if _HINGE_START[0] <= level <= _HINGE_START[1] and not _has_probabilities(run):
        return LossFamily(
            "hinge",
            f"the early D loss median {level:.3f} is near 2, the hinge loss at chance, and no D "
            f"probabilities are logged",
        )
    best, dist = None, math.inf
    for fam_name in ("bce_sum", "bce_mean", "lsgan"):
        chance = CHANCE_LEVEL_D[fam_name]
        delta = abs(math.log(level / chance))
        if delta < dist:
            best, dist = fam_name, delta
    if best is not None and dist < math.log(1.6):
        return LossFamily(
            best,
            f"the early D loss median {level:.3f} is nearest the chance level "
            f"{CHANCE_LEVEL_D[best]:.3f} of {best}",
        )
    return LossFamily(
        "unknown",
        f"the early D loss median {level:.3f} is near no chance level (1.386, 0.693, 0.25)",
        "default",
    )


def _from_d_outputs(run: "Run") -> LossFamily | None:
    """Compare the logged D loss with the loss the logged D outputs imply."""
    import numpy as np

    df = run.frame
    if not {"loss_d", "d_x", "d_g_z1"} <= set(df.columns):
        return None
    dx = df["d_x"].to_numpy(dtype=float)
    dg = df["d_g_z1"].to_numpy(dtype=float)
    loss = df["loss_d"].to_numpy(dtype=float)
    eps = 1e-6
    ok = (
        np.isfinite(dx) & np.isfinite(dg) & np.isfinite(loss)
        & (dx > eps) & (dx < 1 - eps) & (dg > eps) & (dg < 1 - eps) & (loss > 1e-4)
    )
    if ok.sum() < 3:
        return None
    bce = -np.log(dx[ok]) - np.log1p(-dg[ok])
    ls = (1 - dx[ok]) ** 2 + dg[ok] ** 2
    observed = loss[ok]
    # Batch means of D outputs understate the mean loss (Jensen), so the
    # logged loss is expected at or a little above each implied value.
    candidates = {
        "bce_sum": np.median(observed / bce),
        "bce_mean": np.median(observed / (0.5 * bce)),
        "lsgan": np.median(observed / (0.5 * ls)),
    }
    scores = {k: abs(math.log(v)) if v > 0 else math.inf for k, v in candidates.items()}
    best = min(scores, key=scores.get)  # type: ignore[arg-type]
    if scores[best] > math.log(2.2):
        return None
    ratio = candidates[best]
    return LossFamily(
        best,
        f"the D loss is {ratio:.2f}x the {best} loss implied by the logged D(x) and D(G(z)) "
        f"(median over {int(ok.sum())} records)",
    )


def _has_probabilities(run: "Run") -> bool:
    """True when D(x) or D(G(z)) is logged as probabilities (sigmoid outputs): a BCE/LSGAN trainer."""
    import numpy as np

    for col in ("d_x", "d_g_z1"):
        if col in run.frame.columns:
            v = run.frame[col].to_numpy(dtype=float)
            v = v[np.isfinite(v)]
            if v.size and float(np.mean((v >= 0) & (v <= 1))) > 0.99:
                return True
    return False
