"""Decide the loss family of a run, once, and say why.

Detector thresholds are relative to the family: a D loss of 0.09 is 7% of
chance for summed BCE (2·ln2) but 36% for LSGAN (0.25); a WGAN critic's loss
is negative when all is well. The user can always say the family
(``--loss-family``, config); otherwise :func:`decide_family` weighs the evidence
in this order, and stops at the first that decides:

1. what the trainer or print format implies (``run.meta["trainer"]``, ``run.format``):
   the PyTorch DCGAN example prints BCE summed over real and fake, Keras-GAN BCE
   averaged, StyleGAN a logistic loss on logits (= summed BCE), CycleGAN trains LSGAN
   by default and pix2pix BCE; some trainers only narrow the candidates (PyTorch-GAN);
2. names on the adversarial columns (``critic``, ``gp``, ``wasserstein``, ``hinge``,
   ``lsgan``/``mse``; ``bce``/``softplus``/``logistic`` choose BCE, the level picks which);
3. the logged D outputs: summed BCE is about ``-ln D(x) - ln(1 - D(G(z)))``, averaged
   BCE half of that, LSGAN about half of ``(1 - D(x))² + D(G(z))²``;
4. signs over the whole run: a D loss that goes clearly negative is a WGAN critic; a
   G loss that does while D's never does is hinge;
5. levels over the whole run (never the first few records: an excerpt may start
   mid-failure): the share of records near each family's chance level.

When nothing decides, the answer is ``unknown`` with the ``candidates`` still possible:
a D loss of 0.0000 throughout with D(x) = 1.0000 is a D that has won under every
bounded family, and the detectors can judge it under each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .frame import CHANCE_LEVEL_D, LOSS_FAMILIES, LossFamily

if TYPE_CHECKING:
    import numpy as np

    from .frame import Run

_BOUNDED: tuple[str, ...] = ("bce_sum", "bce_mean", "lsgan", "hinge")
_ALL: tuple[str, ...] = ("bce_sum", "bce_mean", "lsgan", "hinge", "wgan")

#: name words that say the family; matched against the tokens of adversarial columns' names
_NAME_HINTS: tuple[tuple[str, str], ...] = (
    ("wasserstein", "wgan"),
    ("wgan", "wgan"),
    ("critic", "wgan"),
    ("gp", "wgan"),
    ("hinge", "hinge"),
    ("lsgan", "lsgan"),
    ("mse", "lsgan"),
    ("least_squares", "lsgan"),
)

#: names that say "a BCE / logistic loss" without saying summed or averaged
_BCE_HINTS: tuple[str, ...] = ("bce", "softplus", "logistic", "nonsaturating", "non_saturating",
                               "vanilla", "scores")

#: a record is "near" a chance level within this factor
_BAND = math.log(1.25)


@dataclass(frozen=True)
class _Prior:
    family: str | None  # the family the trainer uses by default (None: only candidates)
    candidates: tuple[str, ...]
    reason: str
    fixed: bool  # the trainer's code fixes it (only a negative D loss overrules)


_PYTORCH_DCGAN = ("the PyTorch DCGAN example prints errD = errD_real + errD_fake: "
                  "BCE summed over real and fake")
#: format name -> prior (formats of ganlog's text reader and table reader)
_FORMAT_PRIORS: dict[str, _Prior] = {
    # the print format is the example's, but a modified loss prints the same way: the D
    # outputs (when logged) and signs still overrule
    "dcgan": _Prior("bce_sum", ("bce_sum", "bce_mean", "lsgan"), _PYTORCH_DCGAN, False),
    "forum": _Prior("bce_sum", ("bce_sum", "bce_mean", "lsgan"), _PYTORCH_DCGAN, False),
    "dcgan_tf": _Prior("bce_sum", ("bce_sum",), "DCGAN-tensorflow prints d_loss = d_loss_real + d_loss_fake "
                                                 "(sigmoid cross-entropy): BCE summed", False),
    "keras_gan": _Prior("bce_mean", ("bce_mean", "lsgan", "wgan"), "Keras-GAN prints d_loss = 0.5 * (real + "
                                                                    "fake) binary cross-entropy: BCE averaged", False),
    "stylegan-stats": _Prior("bce_sum", ("bce_sum",), "StyleGAN's logistic loss on logits, softplus(D(G(z))) + "
                                                      "softplus(-D(x)), is BCE summed over real and fake", True),
    "pytorch_gan": _Prior(None, ("bce_mean", "lsgan", "wgan"), "PyTorch-GAN averages the real and fake terms; "
                                                                "its models train BCE, LSGAN or WGAN", False),
    "keras_progress": _Prior("bce_mean", ("bce_mean", "wgan", "lsgan", "hinge"),
                             "Keras fit-loop GANs (keras.io) default to binary cross-entropy over real and "
                             "fake together: BCE averaged", False),
}
#: substrings of run.meta["trainer"] (and the format) -> prior, first match wins
_TRAINER_PRIORS: tuple[tuple[tuple[str, ...], _Prior], ...] = (
    (("keras-gan", "keras_gan", "eriklindernoren-keras"), _FORMAT_PRIORS["keras_gan"]),
    (("biggan", "spade", "gaugan", "melgan"),
     _Prior("hinge", ("hinge", "bce_sum", "bce_mean", "wgan", "lsgan"),
            "BigGAN, SPADE/GauGAN and MelGAN train the hinge loss by default", False)),
    (("studiogan",), _Prior(None, _ALL, "StudioGAN sets the loss per config (hinge for its BigGAN configs)", False)),
    (("hifigan", "hifi-gan", "coqui", "vocoder"),
     _Prior("lsgan", ("lsgan", "hinge"), "HiFi-GAN (and Coqui's GAN vocoders by default) train least-squares "
                                         "(MSE) GAN losses", False)),
    (("keras",), _FORMAT_PRIORS["keras_progress"]),
    (("pytorch-gan", "pytorch_gan", "eriklindernoren-pytorch"), _FORMAT_PRIORS["pytorch_gan"]),
    (("dcgan-tensorflow", "dcgan_tf", "carpedm20"), _FORMAT_PRIORS["dcgan_tf"]),
    (("pytorch-examples-dcgan", "pytorch-dcgan", "examples-dcgan"), _FORMAT_PRIORS["dcgan"]),
    (("stylegan",), _FORMAT_PRIORS["stylegan-stats"]),
    (("basicsr", "esrgan", "mmsr", "real-esrgan"),
     _Prior("bce_sum", ("bce_sum", "lsgan", "wgan", "hinge"),
            "BasicSR's default gan_type 'vanilla': l_d_real and l_d_fake are each a BCE mean, so the D loss "
            "(their sum) sits at 2 ln 2 at chance", False)),
    (("stargan",), _Prior("wgan", ("wgan", "lsgan", "bce_mean"), "StarGAN trains WGAN-GP", False)),
    (("ctgan", "sdv"), _Prior("wgan", ("wgan",), "CTGAN trains a WGAN-GP critic", True)),
    (("chainer",), _Prior("bce_sum", ("bce_sum", "bce_mean"),
                          "Chainer's DCGAN example: softplus(-y_real) + softplus(y_fake) per batch: BCE summed",
                          False)),
    (("dcgan",), _FORMAT_PRIORS["dcgan"]),
)


def resolve_loss_family(run: "Run", override: str | None = None) -> LossFamily:
    """Kept for old callers: the same as :func:`decide_family`."""
    return decide_family(run, override)


def infer_loss_family(run: "Run") -> LossFamily:
    """Kept for old callers: the family from the evidence alone."""
    return decide_family(run, None)


def decide_family(run: "Run", override: str | None = None) -> LossFamily:
    """The user's word when given, else the evidence in the order of the module's docstring."""
    if override:
        name = override.strip().lower().replace("-", "_")
        if name not in LOSS_FAMILIES:
            from .errors import UsageError

            raise UsageError(
                f"unknown loss family {override!r} (expected one of: {', '.join(LOSS_FAMILIES)})"
            )
        return LossFamily(name, "set by the user", "user")

    prior = _trainer_prior(run)
    if prior is not None and prior.family in {"bce_sum", "bce_mean"} and any(
            getattr(r, "role", "") in {"d_real_logit", "d_fake_logit"} and "leave [0, 1]" in getattr(r, "reason", "")
            and _says_probability(getattr(r, "printed", "")) for r in run.roles.values()):
        # the print says D(x) (a sigmoid's output), the values say raw scores: a D without sigmoid
        prior = _Prior(None, ("lsgan", "hinge", "wgan"),
                       f"{prior.reason.split(':')[0]}, but D's printed outputs leave [0, 1]: a D without a "
                       "sigmoid, so not BCE", False)
    if prior is not None and prior.fixed and prior.family is None and not prior.candidates:
        # an energy-based D (BEGAN's autoencoder): no family here has its chance level
        return LossFamily("unknown", prior.reason, "trainer", ())
    d, d_col = _d_loss(run)
    signs = _from_signs(run, d) if d.size else None
    if prior is not None and prior.fixed and prior.family is not None:
        if signs is not None and signs.name == "wgan" and prior.family in _BOUNDED:
            return LossFamily("wgan", f"{signs.reason}, against what the trainer implies ({prior.reason})")
        return LossFamily(prior.family, prior.reason, "trainer")

    allowed = prior.candidates if prior is not None else _ALL
    for step in (_from_names, _from_d_outputs):
        fam = step(run, d)
        if fam is not None:
            return fam
    if d.size == 0:
        if prior is not None and prior.family is not None:
            return LossFamily(prior.family, prior.reason + " (no D loss was logged to check it)", "trainer")
        return LossFamily("unknown", "no discriminator loss was logged", "default",
                          tuple(c for c in allowed) if prior is not None else ())
    if signs is not None:
        return signs
    return _from_levels(run, d, d_col, prior)


def _says_probability(printed: str) -> bool:
    """D(x)/D(G(z)) notation or a prob/sigmoid name: a sigmoid's output. Score/output names
    (BasicSR's out_d_real, GFPGAN's real_score) are raw logits even under a BCE-with-logits loss."""
    from .roles.names import tokenize

    t = set(tokenize(printed))
    return {"d", "x"} <= t or {"d", "g"} <= t or bool(t & {"prob", "probs", "probability", "sigmoid"})


def _trainer_prior(run: "Run") -> _Prior | None:
    fmt = (run.format or "").lower()
    trainer = str(run.meta.get("trainer", "") or "").lower()
    names = {str(v).lower() for v in run.original_names.values()}
    roles = {getattr(r, "role", "") for r in run.roles.values()}
    if names & {"kt", "k_t"} and names & {"measure", "m_global", "convergence"}:
        # BEGAN prints its equilibrium variable k_t and convergence measure M_global; its losses are L1
        # reconstruction energies of an autoencoder D, not cross-entropies: no chance level applies
        return _Prior(None, (), "BEGAN (k_t and the convergence measure are printed): D is an autoencoder "
                                "and its losses are L1 reconstruction energies, with no chance level", True)
    if not trainer and {"gan_feat", "kld"} <= names:
        trainer = "spade"  # SPADE/GauGAN prints KLD, GAN, GAN_Feat, VGG, D_Fake, D_real
    if not trainer and ({"kimg", "tick"} <= roles or {"d_real_logit", "d_real_sign"} <= roles):
        return _Prior("bce_sum", ("bce_sum",), "StyleGAN's tick/kimg progress or Loss/scores and Loss/signs: its "
                                               "logistic loss on logits, softplus(D(G(z))) + softplus(-D(x)), is "
                                               "BCE summed over real and fake", True)
    if (fmt == "cyclegan_loss_log" and "spade" not in trainer) or any(
            k in trainer for k in ("cyclegan", "pix2pix", "junyanz")):
        if names & {"g_l1", "d_real", "d_fake", "g_gan"}:
            return _Prior("bce_mean", ("bce_mean", "lsgan", "wgan"),
                          "pix2pix (pytorch-CycleGAN-and-pix2pix) trains --gan_mode vanilla by default, and "
                          "its loss_D = (D_real + D_fake) * 0.5: BCE averaged", False)
        return _Prior("lsgan", ("lsgan", "bce_mean", "wgan"),
                      "CycleGAN (pytorch-CycleGAN-and-pix2pix) trains --gan_mode lsgan by default", False)
    for keys, prior in _TRAINER_PRIORS:
        if trainer and any(k in trainer for k in keys):
            return prior
    return _FORMAT_PRIORS.get(fmt)


def _d_loss(run: "Run") -> "tuple[np.ndarray, str]":
    """The D loss the family is judged on: the total, else the domains' D losses together."""
    import numpy as np

    df = run.frame
    for cols in (("loss_d",), ("loss_d_a", "loss_d_b")):
        have = [c for c in cols if c in df.columns]
        if have:
            parts = [df[c].to_numpy() for c in have]  # in place when float already
            parts = [p if p.dtype == np.float64 else df[c].to_numpy(dtype=float, na_value=np.nan)
                     for p, c in zip(parts, have)]
            v = parts[0] if len(parts) == 1 else np.concatenate(parts)
            ok = np.isfinite(v)
            return (v if ok.all() else v[ok]), " and ".join(have)
    return np.zeros(0), ""


def _adversarial_tokens(run: "Run") -> tuple[set[str], str]:
    """Tokens of the names of adversarial columns (a G 'mse' pixel loss says nothing of the family)."""
    from .roles.names import tokenize

    words: set[str] = set()
    joined = []
    for col, role in run.roles.items():
        r = getattr(role, "role", "")
        if r.startswith(("loss_d", "d_")) or r in {"loss_g", "loss_g_a", "loss_g_b", "loss_g_total"}:
            printed = getattr(role, "printed", col)
            words |= set(tokenize(printed))
            joined.append(printed.lower().replace("/", "_").replace("-", "_").replace(" ", "_"))
    if not run.roles:  # not decided (an old caller): every column
        for col in run.frame.columns:
            printed = run.original_names.get(col, col)
            words |= set(tokenize(printed))
            joined.append(printed.lower().replace("/", "_").replace("-", "_").replace(" ", "_"))
    return words, " ".join(joined)


def _from_names(run: "Run", d: "np.ndarray") -> LossFamily | None:
    words, joined = _adversarial_tokens(run)
    for hint, family in _NAME_HINTS:
        if hint in words or (len(hint) > 3 and hint in joined):
            if hint == "gp" and "r1" in words:
                continue
            return LossFamily(family, f"the log names a '{hint}' value")
    if any(getattr(r, "role", "") == "loss_d_gp" for r in run.roles.values()):
        return LossFamily("wgan", "the log prints a gradient-penalty term (WGAN-GP)")
    bce = next((h for h in _BCE_HINTS if h in words or (len(h) > 3 and h in joined)), None)
    if bce is not None and d.size:
        level = float(_median(d))
        if level > 0:
            name = min(("bce_sum", "bce_mean"), key=lambda f: abs(math.log(level / CHANCE_LEVEL_D[f])))
            return LossFamily(name, f"the log names a '{bce}' value and the D loss median {level:.3f} "
                                    f"(whole run) is nearest {CHANCE_LEVEL_D[name]:.3f}")
    return None


def _median(v: "np.ndarray") -> float:
    import numpy as np

    return float(np.median(v)) if v.size else math.nan


def _from_signs(run: "Run", d: "np.ndarray") -> LossFamily | None:
    import numpy as np

    neg_frac = float(np.mean(d < -0.05))
    if neg_frac > 0.05:
        return LossFamily("wgan", f"the D loss is negative in {neg_frac:.0%} of records (a critic's loss)")
    if "loss_g" in run.frame.columns:
        g = run.frame["loss_g"].to_numpy(dtype=float, na_value=np.nan)
        g = g[np.isfinite(g)]
        if g.size and float(np.mean(g < -0.05)) > 0.05 and float(d.min()) >= 0:
            return LossFamily("hinge", "the G loss goes negative while the D loss never does (hinge)")
    return None


def _coarse(d: "np.ndarray") -> bool:
    """Every value a whole number of hundredths (printed with two decimals)."""
    import numpy as np

    return bool(np.all(np.abs(d * 100 - np.round(d * 100)) < 1e-6))


def _from_levels(run: "Run", d: "np.ndarray", d_col: str, prior: _Prior | None) -> LossFamily:
    """Shares of the whole run near each chance level; ambiguous is an answer with candidates."""
    import numpy as np

    allowed = list(prior.candidates) if prior is not None else list(_BOUNDED)
    allowed = [f for f in allowed if f in _BOUNDED]
    notes = []
    if "hinge" in allowed and _has_probabilities(run):
        allowed.remove("hinge")
        notes.append("D outputs are logged as probabilities, so not hinge")
    n = int(d.size)
    zeros = float(np.mean(d == 0))
    # a D loss printed with two decimals shows 0.00 for anything below 0.005: no exact zero
    coarse = bool(np.any(d != 0)) and _coarse(d[:4096]) and _coarse(d)  # the head refutes it cheaply
    if "hinge" in allowed and zeros >= 0.5 and n >= 3 and not coarse:
        return LossFamily("hinge", f"the D loss is exactly 0 in {zeros:.0%} of the {n} records and no D "
                                   "probabilities are logged: hinge's max(0, .) clamp reaches 0 exactly "
                                   "(a normal state there), BCE and LSGAN only approach it")
    shares: dict[str, float] = {}
    # |log(d / c)| <= band is c * e^-band <= d <= c * e^band: two comparisons per family,
    # no log over the run (10M values: 0.10 -> 0.04 s). Values <= 0 are near nothing.
    for f in allowed:
        if not n:
            shares[f] = math.nan
            continue
        c = CHANCE_LEVEL_D[f]
        lo, hi = c * math.exp(-_BAND), c * math.exp(_BAND)
        near = d >= lo
        near &= d <= hi
        shares[f] = float(np.count_nonzero(near)) / n
    ranked = sorted(shares, key=lambda f: -shares[f])
    note = ("; " + "; ".join(notes)) if notes else ""
    if prior is not None and prior.family in shares:
        # the trainer comes before levels: an excerpt may start mid-failure, and levels
        # only say where the run is, not what loss it computes
        default = prior.family
        return LossFamily(default, f"{prior.reason} ({shares[default]:.0%} of the D loss records lie near "
                                   f"its chance level {CHANCE_LEVEL_D[default]:.3f}){note}", "trainer")
    if ranked:
        best = ranked[0]
        second = shares[ranked[1]] if len(ranked) > 1 else 0.0
        if shares[best] >= 0.3 and shares[best] >= 1.5 * second:
            why = (f"{shares[best]:.0%} of the {n} D loss records ({d_col}, whole run) lie near "
                   f"{CHANCE_LEVEL_D[best]:.3f}, the chance level of {best}")
            if prior is not None:
                why = f"{prior.reason}; {why}"
            return LossFamily(best, why + note)
    near = [f for f in ranked if shares[f] > 0]
    candidates = tuple(f for f in _ALL if f in (near or allowed))
    if not candidates:
        candidates = tuple(allowed)
    where = ", ".join(f"{shares[f]:.0%} near {f}'s {CHANCE_LEVEL_D[f]:.3g}" for f in ranked) or "no family left"
    med = _median(d)  # only this message needs the median (a partition of the whole run)
    if math.isfinite(med) and abs(med) < 0.05 * min(CHANCE_LEVEL_D.values()):
        why = (f"the D loss ({d_col}) is near 0 over the whole run (median {med:.3g}, {n} records): "
               f"a D that has won under any of {', '.join(candidates)}")
    else:
        why = (f"the D loss ({d_col}, median {med:.3g} over the whole run, {n} records) sits near no single "
               f"chance level ({where})")
    if prior is not None:
        why = f"{prior.reason}; {why}"
    return LossFamily("unknown", why + note, "default", candidates)


def _from_d_outputs(run: "Run", d: "np.ndarray | None" = None) -> LossFamily | None:
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
