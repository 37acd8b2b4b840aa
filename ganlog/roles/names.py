"""What a logged name says a column is: tokens, then a role decided from the token set.

This is the name half of the role resolver (:mod:`ganlog.roles`); values confirm or
refute it there. A name is split into lower-case tokens at case changes, underscores,
slashes, brackets and spaces (``Loss/D/loss`` -> ``loss d loss``, ``errD_real`` ->
``err d real``, ``netD`` -> ``d``, ``closs`` -> ``critic loss``), synonyms are folded
(``disc``, ``dis``, ``discriminator``, ``critic`` are all D; ``cost``, ``err`` and
BasicSR's ``l_`` prefix are all "loss"), and the token set decides the role.

Pure functions of the name, no pandas: readers call :func:`column_for_name` while
they read (to find the step/epoch/iter counters) and it must stay cheap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

# -- the vocabulary --------------------------------------------------------

#: role -> what it means. Roles whose name is a canonical column take that column;
#: the others (``loss_g_part``, ``time``, ``other`` ...) keep the column's own snake_case name.
ROLES: dict[str, str] = {
    # counters and time
    "step": "global step counter",
    "epoch": "epoch counter",
    "iter": "iteration within the epoch (or a global iteration counter)",
    "kimg": "thousands of images shown (StyleGAN Progress/kimg)",
    "tick": "StyleGAN tick counter",
    "wall_time": "wall-clock timestamp",
    "time": "a duration (time per iteration, data loading, elapsed)",
    "sec_per_step": "seconds per training step",
    "sec_per_kimg": "seconds per thousand images",
    "throughput": "images or iterations per second",
    # discriminator losses
    "loss_d": "discriminator (critic) total loss",
    "loss_d_real": "discriminator loss on real samples",
    "loss_d_fake": "discriminator loss on generated samples",
    "loss_d_gp": "gradient penalty term of the D loss",
    "loss_d_r1": "R1 regularization term of the D loss",
    "loss_d_cls": "auxiliary classifier term of the D loss",
    "loss_d_part": "another term of the D loss",
    "loss_d_total": "discriminator total loss, when its adversarial term is printed apart as loss_d "
                    "(ACGAN's loss beside its generation_loss); keeps its own column name",
    "loss_d_a": "discriminator loss of domain A (two-domain models)",
    "loss_d_b": "discriminator loss of domain B (two-domain models)",
    # generator losses
    "loss_g": "generator adversarial loss (the G total when no adversarial term is printed apart)",
    "loss_g_total": "generator total loss, when the adversarial term is printed apart as loss_g",
    "loss_g_part": "a non-adversarial generator term (L1, pixel, perceptual, cycle, identity, ...)",
    "loss_g_pl": "StyleGAN path-length penalty",
    "loss_g_a": "generator adversarial loss of domain A (two-domain models)",
    "loss_g_b": "generator adversarial loss of domain B (two-domain models)",
    "loss": "a loss that is neither D's nor G's",
    "loss_epoch_mean": "a loss averaged per epoch (Lightning's *_epoch), a column of its own",
    # discriminator outputs
    "d_x": "D(x): mean D output on real data, a probability",
    "d_g_z1": "D(G(z)) during the D step, before D's update (probability)",
    "d_g_z2": "D(G(z)) during the G step, after D's update (probability)",
    "d_real_logit": "D's raw score (logit) on real data",
    "d_fake_logit": "D's raw score (logit) on generated data",
    "d_real_sign": "mean sign of D's score on real data (StyleGAN Loss/signs/real)",
    "d_fake_sign": "mean sign of D's score on generated data (StyleGAN Loss/signs/fake)",
    "d_acc": "D accuracy, as a fraction 0..1",
    "d_acc_real": "D accuracy on real data, as a fraction 0..1",
    "d_acc_fake": "D accuracy on generated data, as a fraction 0..1",
    # optimisation
    "grad_norm_d": "gradient norm of D's parameters",
    "grad_norm_g": "gradient norm of G's parameters",
    "grad_norm": "a gradient norm of neither D nor G",
    "lr_d": "D learning rate",
    "lr_g": "G learning rate",
    "lr": "a learning rate shared or unnamed",
    # quality
    "fid": "Frechet Inception Distance (lower is better)",
    "kid": "Kernel Inception Distance (lower is better)",
    "inception_score": "Inception Score (higher is better)",
    "precision": "precision (sample quality, 0..1)",
    "recall": "recall (sample coverage, 0..1)",
    "psnr": "PSNR (higher is better)",
    "ssim": "SSIM (higher is better)",
    "lpips": "LPIPS distance",
    "diversity": "a diversity measure of the samples",
    "aug_p": "augmentation probability (ADA p)",
    "spectral": "a layer's leading singular value or spectral norm (BigGAN's get_SVs *_sv0, sigma); "
                "keeps its own column name (GAN406 reads them)",
    # the rest
    "other": "a logged value with no GAN role",
    "unresolved": "looks like a D/G loss, but what it is could not be decided",
}

#: roles whose column is named by the role itself (the canonical names of the contract)
CANONICAL_ROLES: frozenset[str] = frozenset(
    r for r in ROLES
    if r not in {"time", "throughput", "spectral", "loss_d_part", "loss_d_total", "loss_g_part", "loss", "loss_epoch_mean",
                 "grad_norm", "lr", "other", "unresolved", "tick"}
)

# -- tokens ----------------------------------------------------------------

D_WORDS = frozenset({"d", "dis", "disc", "discr", "discrim", "discriminator", "discriminators",
                     "critic", "critics"})
G_WORDS = frozenset({"g", "gen", "generator", "generators"})
LOSS_WORDS = frozenset({"loss", "losses", "cost", "err", "error", "l", "obj", "objective"})
REAL_WORDS = frozenset({"real", "true"})
FAKE_WORDS = frozenset({"fake", "generated", "gen_fake"})
#: ACGAN (Keras example) calls its real/fake term the "generation" loss
ADV_WORDS = frozenset({"adv", "adversarial", "gan", "advers", "generation"})
TOTAL_WORDS = frozenset({"total", "sum", "full", "all", "overall"})
CLS_WORDS = frozenset({"cls", "class", "classification", "classifier", "aux", "auxiliary", "ac", "label"})
#: words that add nothing to a name's meaning
FILLER = frozenset({"running", "avg", "average", "mean", "train", "training", "batch", "value",
                    "val", "valid", "validation", "test", "eval", "trn", "ema", "smooth", "smoothed", "curr", "current", "net", "model", "step",
                    "metrics", "metric", "scalar", "scalars", "tb", "log", "iter", "it"})
#: non-adversarial G terms -> the words a reason uses
G_PARTS: dict[str, str] = {
    "l1": "L1", "l2": "L2", "pix": "pixel", "pixel": "pixel", "mse": "MSE", "rec": "reconstruction",
    "recon": "reconstruction", "reconstruction": "reconstruction", "reconst": "reconstruction",
    "percep": "perceptual", "perceptual": "perceptual", "vgg": "VGG", "lpips": "LPIPS",
    "feat": "feature matching", "fm": "feature matching", "feature": "feature matching",
    "matching": "feature matching", "cycle": "cycle", "cyc": "cycle", "idt": "identity",
    "identity": "identity", "id": "identity", "content": "content", "kl": "KL", "kld": "KL",
    "style": "style", "tv": "total variation", "mel": "mel", "stft": "STFT", "ssim": "SSIM",
    "latent": "latent", "cx": "contextual", "contextual": "contextual", "semantic": "semantic",
    "mask": "mask", "attr": "attribute", "seg": "segmentation", "edge": "edge", "color": "color",
    "info": "InfoGAN mutual information", "cat": "categorical code", "cont": "continuous code",
    "vq": "VQ", "commit": "commitment", "l1loss": "L1", "nll": "NLL", "sr": "super-resolution",
    "fea": "feature", "features": "feature", "comp": "component", "eye": "component", "mouth": "component",
}
#: words that mark a validation/test copy of a training value: the same role, less sure
VALIDATION = frozenset({"val", "valid", "validation", "test", "eval", "evaluation"})

#: whole squashed names a token split cannot read (glued words)
_GLUED: dict[str, tuple[str, ...]] = {
    "errd": ("err", "d"), "errg": ("err", "g"), "dloss": ("d", "loss"), "gloss": ("g", "loss"),
    "closs": ("critic", "loss"), "lossd": ("loss", "d"), "lossg": ("loss", "g"),
    "netd": ("d",), "netg": ("g",), "dx": ("d", "x"), "dgz": ("d", "g", "z"),
    "dgz1": ("d", "g", "z1"), "dgz2": ("d", "g", "z2"), "gradnorm": ("grad", "norm"),
    "gnorm": ("grad", "norm"), "dnorm": ("d", "norm"), "advloss": ("adv", "loss"),
    "ganloss": ("gan", "loss"), "gploss": ("gp", "loss"), "discloss": ("disc", "loss"),
    "genloss": ("gen", "loss"), "dacc": ("d", "acc"), "lrd": ("lr", "d"), "lrg": ("lr", "g"),
    "dlr": ("d", "lr"), "glr": ("g", "lr"), "globalstep": ("global", "step"),
    "trainstep": ("train", "step"), "walltime": ("wall", "time"), "niter": ("n", "iter"),
    "idta": ("idt", "a"), "idtb": ("idt", "b"), "cyclea": ("cycle", "a"), "cycleb": ("cycle", "b"),
    "realacc": ("real", "acc"), "fakeacc": ("fake", "acc"), "genacc": ("gen", "acc"),
    "realscore": ("real", "score"), "fakescore": ("fake", "score"), "dreal": ("d", "real"),
    "dfake": ("d", "fake"),
}

_CAMEL1 = re.compile(r"([a-z0-9])([A-Z])")
_CAMEL2 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_SPLIT = re.compile(r"[^0-9A-Za-z]+")


def squash(name: str) -> str:
    """Lower case, letters and digits only: the key aliases and pins are compared by."""
    return re.sub(r"[^0-9a-z]+", "", name.lower())


def tokenize(name: str) -> list[str]:
    """``Loss/D/loss`` -> ``[loss, d, loss]``; ``errD_real`` -> ``[err, d, real]``."""
    s = _CAMEL2.sub(r"\1 \2", _CAMEL1.sub(r"\1 \2", name.strip()))
    out: list[str] = []
    for tok in _SPLIT.split(s):
        if not tok:
            continue
        low = tok.lower()
        out.extend(_GLUED.get(low, (low,)))
    if len(out) > 1 and squash(name) in _GLUED:  # "errD" splits by case already; keep one reading
        return list(_GLUED[squash(name)])
    return out


def snake_case(name: str) -> str:
    """A name with no canonical column keeps a snake_case name of its own."""
    s = _CAMEL1.sub(r"\1_\2", name.strip())
    s = re.sub(r"[^0-9A-Za-z]+", "_", s).strip("_").lower()
    if not s:
        return "value"
    if s[0].isdigit():
        s = "m_" + s
    return s


# -- the name's verdict ----------------------------------------------------


@dataclass(frozen=True)
class NameGuess:
    """What the name alone says: a role, how sure, why, and details the context rules use."""

    role: str
    confidence: float
    reason: str
    #: "adv" (explicitly adversarial), "total", "generic", or a part's kind ("L1", "cycle", ...)
    kind: str = ""
    #: "a" / "b" for two-domain names (D_A, loss_gen_adv_b)
    domain: str = ""


_EXACT_COUNTERS: dict[str, str] = {
    "step": "step", "steps": "step", "globalstep": "step", "iteration": "step", "iterations": "step",
    "totaliters": "step", "totalsteps": "step", "niter": "step", "trainstep": "step",
    "totalstep": "step", "curstep": "step", "currentstep": "step", "optimizerstep": "step",
    "epoch": "epoch", "ep": "epoch", "epochs": "epoch", "curepoch": "epoch",
    "iter": "iter", "iters": "iter", "batch": "iter", "batchidx": "iter", "epochiter": "iter",
    "i": "iter", "it": "iter", "itr": "iter", "batchindex": "iter",
    "kimg": "kimg", "progresskimg": "kimg", "tick": "tick", "progresstick": "tick",
    "walltime": "wall_time", "timestamp": "wall_time",
}
_DOMAINS = frozenset({"a", "b"})
_OUTPUT_WORDS = frozenset({"prob", "probs", "probability", "score", "out", "output", "outputs",
                           "pred", "preds", "sigmoid", "p", "mean", "avg", "d"})


def guess_from_name(name: str) -> NameGuess:
    """The role a logged name alone suggests (values may still refute it)."""
    g = _guess(name)
    t = set(tokenize(name))
    if t & VALIDATION and g.role not in {"other", "unresolved"} and not g.role.startswith(("fid", "kid")):
        word = sorted(t & VALIDATION)[0]
        return NameGuess(g.role, round(max(0.3, g.confidence - 0.2), 2),
                         g.reason + f" (a '{word}' copy: the training value wins where both are printed)",
                         g.kind, g.domain)
    return g


def _guess(name: str) -> NameGuess:
    key = squash(name)
    toks = tokenize(name)
    t = set(toks)
    if not toks:
        return NameGuess("other", 0.2, "the name has no letters or digits")
    if toks[-1] == "std" and len(toks) > 1:
        return NameGuess("other", 0.6, "the standard deviation of another value", kind="std")

    if key in _EXACT_COUNTERS:
        role = _EXACT_COUNTERS[key]
        return NameGuess(role, 0.95, f"'{name}' names the {role} counter")
    has_d, has_g = bool(t & D_WORDS), bool(t & G_WORDS)
    has_loss = bool(t & LOSS_WORDS)

    # ---- singular values (before anything with a D in it reads as a loss) ----
    if any(re.fullmatch(r"sv\d*", tok) for tok in toks) or ({"singular", "value"} <= t) \
            or ({"spectral", "norm"} <= t) or ("sigma" in t and not has_loss):
        side = " of D" if has_d and not has_g else " of G" if has_g and not has_d else ""
        return NameGuess("spectral", 0.9, f"a layer's leading singular value{side} (BigGAN's get_SVs, "
                                          "spectral norm): not a loss")

    # ---- D outputs (before anything with a D in it reads as a loss) ----
    if {"d", "g", "z"} <= t or {"d", "g", "z1"} <= t or {"d", "g", "z2"} <= t or key.startswith("dgz"):
        if "z2" in t or key.endswith("2"):
            return NameGuess("d_g_z2", 0.9, "D(G(z)) printed second: after D's update, during the G step")
        sure = 0.9 if ("z1" in t or key.endswith("1")) else 0.75
        return NameGuess("d_g_z1", sure, "D(G(z)): D's output on generated data, during the D step")
    rf = t & (REAL_WORDS | FAKE_WORDS)
    if rf and t & {"scores", "logit", "logits"}:
        role = "d_real_logit" if t & REAL_WORDS else "d_fake_logit"
        return NameGuess(role, 0.9, "D's raw scores (logits), as StyleGAN's Loss/scores/* print them")
    if rf and t & {"signs", "sign"}:
        role = "d_real_sign" if t & REAL_WORDS else "d_fake_sign"
        return NameGuess(role, 0.9, "the mean sign of D's scores (StyleGAN's Loss/signs/*)")
    if t == {"d", "x"} or key in {"dx", "dxmean", "dxreal"}:
        return NameGuess("d_x", 0.95, "D(x): D's output on real data")
    if len(rf) == 1 and not has_loss and not has_g and not t & {"acc", "accuracy", "accu"}:
        outputish = t & (_OUTPUT_WORDS - {"d", "mean", "avg"})
        if outputish or (t & {"mean", "avg"} and t <= rf | {"d", "mean", "avg"}):
            role = "d_x" if t & REAL_WORDS else "d_g_z1"
            return NameGuess(role, 0.8, f"D's output on {'real' if role == 'd_x' else 'generated'} data "
                                        "(a score/probability name)")

    # ---- D accuracy ----
    if t & {"acc", "accuracy", "accu"}:
        if has_g and not has_d and "gen" not in t:
            return NameGuess("other", 0.6, "an accuracy on G's side, not D's")
        if t & REAL_WORDS:
            return NameGuess("d_acc_real", 0.85, "D's accuracy on real data")
        if t & FAKE_WORDS or "gen" in t:
            return NameGuess("d_acc_fake", 0.85, "D's accuracy on generated data")
        return NameGuess("d_acc", 0.8 if has_d else 0.65, "an accuracy in a GAN log is D's (real vs fake)")

    # ---- counters, time, throughput ----
    if not has_d and not has_g and not has_loss:
        if toks[-1] == "step" and set(toks[:-1]) <= {"train", "training", "global", "total", "cur",
                                                      "current", "opt", "optimizer", "optim", "n"}:
            return NameGuess("step", 0.85, f"'{name}' ends in 'step': the step counter")
        if "kimg" in t and t & {"sec", "s", "time", "seconds"}:
            return NameGuess("sec_per_kimg", 0.9, "seconds per thousand images")
        if "kimg" in t:
            return NameGuess("kimg", 0.85, "thousands of images shown")
        if t & {"img", "imgs", "images", "samples", "it", "its", "iters", "steps"} and t & {"s", "sec", "second", "per"} and not t & {"time", "sec_per"}:
            if "per" in t and toks.index("per") > 0 and toks[toks.index("per") - 1] in {"sec", "s", "seconds", "time"}:
                return NameGuess("sec_per_step", 0.7, "seconds per step")
            if t & {"s", "sec", "second"}:
                return NameGuess("throughput", 0.7, "items per second")
        if t & {"time", "sec", "seconds", "elapsed", "duration", "timing", "eta", "secs"}:
            if t & {"iter", "step", "it", "batch"} and ("per" in t or t & {"sec", "seconds"}):
                return NameGuess("sec_per_step", 0.75, "time per iteration")
            return NameGuess("time", 0.8, "a duration")

    # ---- learning rates and gradient norms ----
    if "lr" in t or {"learning", "rate"} <= t:
        if has_d and not has_g:
            return NameGuess("lr_d", 0.9, "D's learning rate")
        if has_g and not has_d:
            return NameGuess("lr_g", 0.9, "G's learning rate")
        return NameGuess("lr", 0.8, "a learning rate")
    penalty = bool(t & {"gp", "penalty"}) or {"grad", "pen"} <= t
    explicit_norm = bool(t & {"grad", "gradient", "grads"}) and "norm" in t
    if explicit_norm and (has_d != has_g) and not penalty:
        sure = 0.7 if t & {"reg", "r1", "pl"} else 0.9
        side = "d" if has_d else "g"
        return NameGuess(f"grad_norm_{side}", sure, f"the gradient norm of {side.upper()}"
                         + (" (of a regularization step)" if sure < 0.9 else ""))
    if (t & {"grad", "gradient", "grads", "norm"}) and not penalty and not has_loss:
        if has_d and not has_g:
            return NameGuess("grad_norm_d", 0.85, "a gradient norm of D")
        if has_g and not has_d:
            return NameGuess("grad_norm_g", 0.85, "a gradient norm of G")
        if t & {"grad", "gradient", "grads"}:
            return NameGuess("grad_norm", 0.6, "a gradient norm")

    # ---- quality metrics ----
    if not has_loss and not has_g and not has_d:
        metric = _metric(toks, t)
        if metric:
            return metric
        if t & {"augment", "aug", "ada", "aa"} and (("p" in t) or t & {"augment", "prob", "probability"}):
            return NameGuess("aug_p", 0.9, "the augmentation probability (ADA's p)")
        if t & {"augment", "aug", "ada"} and len(t) <= 2:
            return NameGuess("aug_p", 0.7, "an augmentation strength (ADA's p)")
        if t & {"diversity", "div", "modes"}:
            return NameGuess("diversity", 0.7, "a diversity measure of the samples")
        if key == "p":
            return NameGuess("aug_p", 0.45, "a bare 'p' in a GAN log is usually ADA's augmentation probability")
    if t & {"lpips"} and (has_loss or has_g):
        return NameGuess("loss_g_part", 0.8, "the LPIPS term of G's loss", kind="LPIPS")

    # ---- losses ----
    return _loss_guess(name, toks, t, has_d, has_g, has_loss)


def _metric(toks: list[str], t: set[str]) -> NameGuess | None:
    for tok in toks:
        if tok.startswith("fid"):
            return NameGuess("fid", 0.95, "a Frechet Inception Distance")
        if tok.startswith("kid"):
            return NameGuess("kid", 0.95, "a Kernel Inception Distance")
        if tok == "is" or re.fullmatch(r"is\d+k?", tok) or tok == "inception":
            return NameGuess("inception_score", 0.9, "an Inception Score")
        if tok.startswith("precision"):
            return NameGuess("precision", 0.85, "precision (sample quality)")
        if tok.startswith("recall"):
            return NameGuess("recall", 0.85, "recall (sample coverage)")
        if tok == "psnr":
            return NameGuess("psnr", 0.9, "PSNR")
        if tok == "msssim" or ({"ms", "ssim"} <= t):
            return NameGuess("diversity", 0.6, "MS-SSIM between samples (a diversity measure)")
        if tok == "ssim":
            return NameGuess("ssim", 0.9, "SSIM")
        if tok == "lpips":
            return NameGuess("lpips", 0.8, "LPIPS distance")
    return None


def _extra_words(t: set[str], *known: Iterable[str]) -> set[str]:
    used: set[str] = set(FILLER) | set(LOSS_WORDS) | set(D_WORDS) | set(G_WORDS) | _DOMAINS
    for k in known:
        used |= set(k)
    return {w for w in t - used if not w.isdigit()}


def _conf(base: float, extra: set[str]) -> float:
    return round(max(0.4, base - 0.1 * len(extra)), 2)


def _loss_guess(name: str, toks: list[str], t: set[str], has_d: bool, has_g: bool,
                has_loss: bool) -> NameGuess:
    domain = ""
    if has_d or has_g:
        doms = t & _DOMAINS
        if len(doms) == 1:
            domain = next(iter(doms))
    part_words = [w for w in toks if w in G_PARTS]
    gp = bool(t & {"gp"}) or ("penalty" in t and not t & {"r1", "pl", "r2"}) or {"grad", "pen"} <= t
    r1 = bool(t & {"r1", "r2"}) or ("reg" in t and has_d)
    if "epoch" in t and (has_loss or has_d or has_g):
        return NameGuess("loss_epoch_mean", 0.7, "a per-epoch mean of a loss (a column of its own)")
    if has_d and has_g and not (t & {"z", "z1", "z2"}):
        # "D_G" ... could be either network's; a domain pair like G_AB / D_B never gets here
        return NameGuess("unresolved", 0.0, "the name speaks of both D and G")
    if has_d:
        if gp:
            return NameGuess("loss_d_gp", 0.9, "the gradient penalty term of D's loss")
        if r1:
            if "reg" in t and not t & {"r1", "r2"}:
                return NameGuess("loss_d_r1", 0.7, "D's regularization term (StyleGAN2's lazy R1)")
            return NameGuess("loss_d_r1", 0.9, "the R1 term of D's loss")
        if t & CLS_WORDS:
            return NameGuess("loss_d_cls", 0.85, "D's auxiliary classifier term")
        if t & REAL_WORDS and not t & FAKE_WORDS:
            sure = 0.9 if has_loss else 0.7
            why = "D's loss on real data" + ("" if has_loss else
                                             " (a 'D_real' with no 'loss' word: pix2pix prints its loss parts so)")
            return NameGuess("loss_d_real", sure, why, domain=domain)
        if t & FAKE_WORDS and not t & REAL_WORDS:
            sure = 0.9 if has_loss else 0.7
            why = "D's loss on generated data" + ("" if has_loss else
                                                  " (a 'D_fake' with no 'loss' word: pix2pix prints its loss parts so)")
            return NameGuess("loss_d_fake", sure, why, domain=domain)
        if part_words:
            return NameGuess("loss_d_part", 0.6, f"the {G_PARTS[part_words[0]]} term on D's side",
                             kind=G_PARTS[part_words[0]])
        extra = _extra_words(t, ADV_WORDS, TOTAL_WORDS)
        if domain:
            return NameGuess(f"loss_d_{domain}", _conf(0.85, extra),
                             f"D's loss of domain {domain.upper()}", kind="total", domain=domain)
        why = "D's loss" if has_loss or "critic" in t else "a bare D in a loss list is D's loss"
        if extra:
            why += f" (extra word{'s' if len(extra) > 1 else ''}: {', '.join(sorted(extra))})"
        base = 0.95 if (has_loss or "critic" in t) else 0.75
        if t & ADV_WORDS:
            return NameGuess("loss_d", _conf(0.9, extra), "D's adversarial (real/fake) term", kind="adv")
        return NameGuess("loss_d", _conf(base, extra), why,
                         kind="total" if t & TOTAL_WORDS else "generic")
    if has_g:
        if "pl" in t:
            return NameGuess("loss_g_pl", 0.9, "StyleGAN's path-length penalty")
        if t & ADV_WORDS or (t & FAKE_WORDS and not part_words):
            if domain:
                return NameGuess(f"loss_g_{domain}", 0.9, f"G's adversarial loss of domain {domain.upper()}",
                                 kind="adv", domain=domain)
            return NameGuess("loss_g", 0.9, "G's adversarial loss", kind="adv")
        if t & CLS_WORDS:
            return NameGuess("loss_g_part", 0.8, "G's auxiliary classifier term", kind="classifier")
        if part_words:
            kind = G_PARTS[part_words[0]]
            return NameGuess("loss_g_part", 0.85, f"the {kind} term of G's loss (not adversarial)", kind=kind)
        if t & TOTAL_WORDS:
            return NameGuess("loss_g", 0.85, "G's total loss", kind="total", domain=domain)
        extra = _extra_words(t)
        if domain:
            return NameGuess(f"loss_g_{domain}", _conf(0.85, extra),
                             f"G's loss of domain {domain.upper()} (CycleGAN's G_{domain.upper()} is its adversarial term)",
                             kind="adv", domain=domain)
        why = "G's loss" if has_loss else "a bare G in a loss list is G's loss"
        if extra:
            why += f" (extra word{'s' if len(extra) > 1 else ''}: {', '.join(sorted(extra))})"
        return NameGuess("loss_g", _conf(0.95 if has_loss else 0.75, extra), why, kind="generic")
    # neither D nor G named
    if gp:
        return NameGuess("loss_d_gp", 0.8, "a gradient penalty (a D term)")
    if t & {"r1"}:
        return NameGuess("loss_d_r1", 0.85, "an R1 penalty (a D term)")
    if "pl" in t and "penalty" in t:
        return NameGuess("loss_g_pl", 0.8, "a path-length penalty (a G term)")
    if t == {"a", "loss"}:
        return NameGuess("loss_g", 0.6, "'A loss' is the adversarial model's loss (Keras DCGAN tutorials): G's",
                         kind="generic")
    if t & ADV_WORDS and not part_words and (has_loss or len(t - FILLER) == 1):
        return NameGuess("loss_g", 0.6, "an adversarial loss named without its network is usually G's",
                         kind="adv")
    if has_loss and t & REAL_WORDS and not t & FAKE_WORDS:
        return NameGuess("loss_d_real", 0.75, "a loss on real data is D's")
    if has_loss and t & FAKE_WORDS and not t & REAL_WORDS:
        return NameGuess("loss_d_fake", 0.7, "a loss on generated data, taken as D's")
    if part_words and (has_loss or len(t - FILLER - _DOMAINS - ADV_WORDS) == len(set(part_words))):
        kind = G_PARTS[part_words[0]]
        return NameGuess("loss_g_part", 0.65, f"the {kind} term of a generator (not adversarial)", kind=kind)
    if has_loss:
        return NameGuess("loss", 0.6, "a loss that names neither D nor G")
    return NameGuess("other", 0.3, "no GAN role in the name")


def looks_adversarial(name: str) -> bool:
    """A name with a D/G/critic word and a loss word: it must never be dropped silently."""
    t = set(tokenize(name))
    return bool(t & (D_WORDS | G_WORDS)) and bool(t & (LOSS_WORDS | ADV_WORDS))


def column_for_role(role: str, printed: str) -> str:
    """The column a role gives: the canonical name, or the printed name in snake_case."""
    if role in CANONICAL_ROLES:
        return role
    return snake_case(printed)


def column_for_name(name: str) -> str:
    """The column a logged name gets from its name alone (values are not looked at)."""
    g = guess_from_name(name)
    if g.kind == "std":
        base = re.sub(r"[/_. -]*std$", "", name.strip(), flags=re.I)
        col = column_for_name(base) if base and base != name else snake_case(name)
        return col + "_std" if col in CANONICAL_ROLES else snake_case(name)
    if g.role in {"loss_d_a", "loss_d_b", "loss_g_a", "loss_g_b"}:
        # domain columns are decided with the whole log in view (one domain alone is the
        # pair): roles.decide names them; from the name alone they keep their own
        return snake_case(name)
    if g.role in _CORE:
        return g.role
    return snake_case(name)


#: the columns a name alone maps to while reading (the counters and the columns the core
#: detectors read); every other canonical name is given by roles.decide, values in view
_CORE = frozenset({"step", "epoch", "iter", "wall_time", "loss_d", "loss_g", "d_x", "d_g_z1", "d_g_z2",
                   "loss_d_real", "loss_d_fake", "grad_norm_d", "grad_norm_g", "lr_d", "lr_g", "fid",
                   "inception_score"})
