"""A small seeded simulator of GAN training logs, healthy and failing, written in real log formats.

Detector tests must read real-format logs through ``ganlog.load``, so each
scenario is generated as noisy curves and written either in the PyTorch DCGAN
example's format (``[e/E][i/N]\\tLoss_D: ...\\tD(G(z)): a / b``, 4 decimals as
the example prints) or as JSON lines.

The curves start from the loss family's physics: D's mean outputs on real and
fake wander slowly (an AR(1) process) and jitter per batch, and the losses are
computed from them the way each family defines its loss (summed or averaged
BCE, LSGAN's halved squares, hinge on logits, WGAN-GP critic), plus batch
noise. A failure switches the outputs (or the losses) into its regime from
``onset`` (a fraction of the run) on.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FAMILIES = ("bce_sum", "bce_mean", "lsgan", "hinge", "wgan")


@dataclass
class SimRun:
    family: str
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    epochs: int = 5

    @property
    def n(self) -> int:
        return len(self.columns["loss_d"])


def _ar1(rng: np.random.Generator, n: int, phi: float, sigma: float) -> np.ndarray:
    e = rng.normal(0.0, sigma, n)
    out = np.empty(n)
    acc = 0.0
    for i in range(n):
        acc = phi * acc + e[i]
        out[i] = acc
    return out


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1 - p))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def healthy_outputs(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """D(x), D(G(z)) before and after D's step, in the reference shape (0.3..0.8)."""
    wander = _ar1(rng, n, 0.97, 0.04)
    dx = _sigmoid(0.35 + wander + rng.normal(0, 0.25, n))
    dgz1 = _sigmoid(-0.25 + 0.6 * wander + rng.normal(0, 0.25, n))
    dgz2 = dgz1 * (1 - rng.uniform(0.03, 0.2, n))
    return np.clip(dx, 0.3, 0.8), np.clip(dgz1, 0.2, 0.75), np.clip(dgz2, 0.15, 0.75)


def losses_from_outputs(family: str, dx: np.ndarray, dgz1: np.ndarray, dgz2: np.ndarray,
                        rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The family's D and G losses implied by mean D outputs, with batch noise (Jensen: a bit above)."""
    n = dx.size
    jitter = 1 + np.abs(rng.normal(0.04, 0.03, n))
    eps = 1e-12
    if family in ("bce_sum", "bce_mean"):
        d = (-np.log(np.maximum(dx, eps)) - np.log(np.maximum(1 - dgz1, eps))) * jitter
        g = -np.log(np.maximum(dgz2, eps)) * jitter
        if family == "bce_mean":
            d = d / 2
        return d, g
    if family == "lsgan":
        d = 0.5 * ((1 - dx) ** 2 + dgz1**2) * jitter
        g = 0.5 * (dgz2 - 1) ** 2 * jitter
        return d, g
    raise ValueError(family)


def healthy(family: str, n: int = 600, seed: int = 0, extras: bool = False) -> SimRun:
    """A healthy run of the family; ``extras`` adds grad norms, FID every 20 records and a diversity stat."""
    rng = np.random.default_rng(seed)
    cols: dict[str, np.ndarray] = {}
    if family in ("bce_sum", "bce_mean", "lsgan"):
        dx, g1, g2 = healthy_outputs(rng, n)
        d, g = losses_from_outputs(family, dx, g1, g2, rng)
        cols.update(loss_d=d, loss_g=g, d_x=dx, d_g_z1=g1, d_g_z2=g2)
    elif family == "hinge":
        wander = _ar1(rng, n, 0.97, 0.05)
        r = 0.4 + wander + rng.normal(0, 0.3, n)  # mean logit on real
        f = -0.3 + 0.5 * wander + rng.normal(0, 0.3, n)  # on fake
        cols["loss_d"] = np.maximum(0, 1 - r) + np.maximum(0, 1 + f) + np.abs(rng.normal(0.05, 0.03, n))
        cols["loss_g"] = -f
    elif family == "wgan":
        t = np.linspace(0, 1, n)
        # WGAN-GP: the critic's loss is negative and shrinks in size as G improves;
        # the G loss (-D(G(z))) drifts far from 0 -- to 180 here -- and that is normal
        cols["loss_d"] = -8 * np.exp(-3 * t) - 0.5 + _ar1(rng, n, 0.9, 0.15) + rng.normal(0, 0.4, n)
        cols["loss_g"] = 180 * t + _ar1(rng, n, 0.95, 1.0) + rng.normal(0, 3, n)
    else:
        raise ValueError(family)
    if extras:
        cols["grad_norm_d"] = np.exp(rng.normal(0, 0.3, n)) * 2.0
        cols["grad_norm_g"] = np.exp(rng.normal(0, 0.3, n)) * 0.8
        fid = np.full(n, np.nan)
        k = np.arange(0, n, 20)
        fid[k] = 20 + 150 * np.exp(-k / (n / 4)) + rng.normal(0, 0.8, k.size)
        cols["fid"] = fid
        cols["diversity"] = np.clip(0.85 + rng.normal(0, 0.02, n), 0, 1)
    return SimRun(family, cols)


def failing(scenario: str, family: str = "bce_sum", n: int = 600, seed: int = 1, onset: float = 0.5) -> SimRun:
    """A run healthy until ``onset`` and then failing as ``scenario`` says."""
    run = healthy(family, n, seed, extras=scenario in ("vanishing", "exploding", "exploding-spikes",
                                                       "fid-degradation", "diversity-collapse",
                                                       "diversity-dip", "grad-zero-start",
                                                       "diversity-early-spread"))
    rng = np.random.default_rng(seed + 100)
    c = run.columns
    k = int(n * onset)
    m = n - k
    t = np.linspace(0, 1, m)
    if scenario in ("d-collapse", "d-frozen", "saturation", "d-failing") and family in FAMILIES[:3]:
        dx, g1, g2 = c["d_x"].copy(), c["d_g_z1"].copy(), c["d_g_z2"].copy()
        if scenario == "d-collapse":
            dx[k:] = 1 - np.exp(rng.normal(-9, 1, m))
            g1[k:] = _sigmoid(rng.normal(-3.5, 0.3, m))
            g2[k:] = g1[k:] * (1 - rng.uniform(0.05, 0.3, m))
        elif scenario == "d-frozen":
            dx[k:] = 1 - np.exp(rng.normal(-9, 1, m))
            g1[k:] = _sigmoid(rng.normal(-2.8, 0.25, m))
            g2[k:] = g1[k:]
        elif scenario == "saturation":
            dx[k:] = 1 - np.exp(rng.normal(-11, 1, m))
            g1[k:] = np.exp(rng.normal(-16, 1, m))
            g2[k:] = g1[k:] * 0.5
        elif scenario == "d-failing":
            dx[k:] = _sigmoid(rng.normal(-1.4, 0.2, m))
            g1[k:] = _sigmoid(rng.normal(1.5, 0.2, m))
            g2[k:] = np.minimum(0.99, g1[k:] * 1.02)
        d, g = losses_from_outputs(family, dx, g1, g2, rng)
        c.update(loss_d=d, loss_g=g, d_x=dx, d_g_z1=g1, d_g_z2=g2)
    elif scenario == "d-collapse" and family == "hinge":
        # hinge: D's margins satisfied on both sides -> D loss near 0, G loss (-D(G(z))) climbing
        c["loss_d"][k:] = np.abs(rng.normal(0.04, 0.03, m))
        c["loss_g"][k:] = 1.5 + 2 * t + rng.normal(0, 0.2, m)
    elif scenario == "g-runaway":
        base_d, base_g = float(np.median(c["loss_d"][:k])), float(np.median(c["loss_g"][:k]))
        c["loss_d"][k:] = base_d * (1 - 0.7 * t) * np.exp(rng.normal(0, 0.08, m))
        c["loss_g"][k:] = base_g + 4.0 * t + rng.normal(0, 0.15, m)
    elif scenario == "flatline":
        c["loss_d"][k:] = round(2 * math.log(2), 4) if family == "bce_sum" else float(np.median(c["loss_d"]))
        c["loss_g"][k:] = round(math.log(2), 4)
    elif scenario == "clamp":
        c["loss_g"][k:] = np.where(rng.random(m) < 0.9, 100.0, 30 + rng.normal(0, 5, m))
    elif scenario == "oscillation":
        period = 40
        idx = np.arange(m)
        amp = 0.5 * (family == "bce_sum") + 0.25 * (family != "bce_sum") + 0 * idx
        c["loss_d"][k:] = c["loss_d"][k:] + amp * np.sin(2 * np.pi * idx / period)
        c["loss_g"][k:] = c["loss_g"][k:] - amp * np.sin(2 * np.pi * idx / period)
    elif scenario == "oscillation-decaying":
        idx = np.arange(n)
        amp = 0.8 * np.exp(-idx / (n / 3))
        c["loss_d"] = c["loss_d"] + amp * np.sin(2 * np.pi * idx / 40)
    elif scenario == "oscillation-transient":
        # a steady cycle while the players settle, gone after the first quarter (onset = its end)
        idx = np.arange(k)
        c["loss_d"][:k] = c["loss_d"][:k] + 0.5 * np.sin(2 * np.pi * idx / 40)
        c["loss_g"][:k] = c["loss_g"][:k] - 0.5 * np.sin(2 * np.pi * idx / 40)
    elif scenario == "diversity-dip":
        # diversity falls for a stretch from onset and climbs back (a transient, not a collapse)
        dip = (np.arange(n) >= k) & (np.arange(n) < k + n // 6)
        c["diversity"][dip] = np.clip(0.25 + rng.normal(0, 0.02, int(dip.sum())), 0, 1)
    elif scenario == "diversity-early-spread":
        # an untrained G scatters samples (diversity 1.7x the data's) for the first stretch,
        # then training settles around 0.85 with an ordinary wobble down to ~0.6
        c["diversity"][:k] = np.clip(1.7 + rng.normal(0, 0.05, k), 0, None)
        wobble = (np.arange(n) >= n // 2) & (np.arange(n) < n // 2 + n // 8)
        c["diversity"][wobble] = np.clip(0.6 + rng.normal(0, 0.02, int(wobble.sum())), 0, 1)
    elif scenario == "grad-zero-start":
        # D's updates skipped at first (a gated loop logs a zero norm), then normal training
        c["grad_norm_d"][:k] = 0.0
    elif scenario == "plateau":
        for col in ("loss_d", "loss_g"):
            level = float(np.median(c[col][k - 20:k]))
            c[col][k:] = level + rng.normal(0, 1e-5 * max(1.0, abs(level)), m)
    elif scenario == "nan":
        for col in ("loss_d", "loss_g"):
            c[col][k:] = np.nan
    elif scenario == "divergence":
        for col in ("loss_d", "loss_g"):
            c[col][k:] = c[col][k:] * np.exp(12 * t)
    elif scenario == "vanishing":
        c["grad_norm_g"][k:] = c["grad_norm_g"][k:] * np.exp(-25 * np.minimum(1, 4 * t))
    elif scenario == "exploding":
        c["grad_norm_d"][k:] = c["grad_norm_d"][k:] * np.exp(8 * np.minimum(1, 3 * t))
    elif scenario == "exploding-spikes":
        spikes = rng.choice(np.arange(k, n), size=12, replace=False)
        c["grad_norm_d"][spikes] *= 60
    elif scenario == "fid-degradation":
        fid = c["fid"]
        idx = np.flatnonzero(np.isfinite(fid))
        late = idx[idx >= k]
        fid[late] = fid[late] + np.linspace(5, 60, late.size)
    elif scenario == "g-spread-collapse":
        # G's loss stops varying (G emits nearly the same samples) while D keeps moving
        c["loss_g"][k:] = float(np.median(c["loss_g"][:k])) + rng.normal(0, 0.003, m)
    elif scenario == "diversity-collapse":
        c["diversity"][k:] = np.clip(0.85 * np.exp(-6 * t) + 0.05 + rng.normal(0, 0.02, m), 0, 1)
    else:
        raise ValueError(scenario)
    return run


def write_dcgan(run: SimRun, path: Path, decimals: int = 4) -> Path:
    """The PyTorch DCGAN example's print format, as ``main.py`` writes it."""
    n = run.n
    per_epoch = math.ceil(n / run.epochs)
    c = run.columns
    f = f"{{:.{decimals}f}}"
    lines = []
    for i in range(n):
        ep, it = divmod(i, per_epoch)
        lines.append(
            f"[{ep}/{run.epochs}][{it}/{per_epoch}]\tLoss_D: {f.format(c['loss_d'][i])}\t"
            f"Loss_G: {f.format(c['loss_g'][i])}\tD(x): {f.format(c['d_x'][i])}\t"
            f"D(G(z)): {f.format(c['d_g_z1'][i])} / {f.format(c['d_g_z2'][i])}"
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def write_jsonl(run: SimRun, path: Path, every: int = 10) -> Path:
    """One JSON object per record (``step`` every ``every`` iterations); NaN gaps are left out."""
    with path.open("w") as fh:
        for i in range(run.n):
            rec: dict[str, object] = {"step": i * every}
            for name, col in run.columns.items():
                v = float(col[i])
                if math.isnan(v) and name in ("fid", "diversity"):
                    continue
                rec[name] = v if math.isfinite(v) else ("NaN" if math.isnan(v) else "Infinity")
            fh.write(json.dumps(rec) + "\n")
    return path
