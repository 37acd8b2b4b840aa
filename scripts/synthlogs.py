"""Small, seeded synthetic GAN logs for screenshots and benchmarks (no torch needed).

The numbers follow the shape of real BCE runs: D(x) and D(G(z)) wander around
0.3-0.8 while healthy, and the losses are the BCE losses those outputs imply.
``troubled`` strings several failures together (D overpowering G, G's
gradients vanishing, FID getting worse, then NaN) so a report shows many
findings at once.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np


def _ar1(rng: np.random.Generator, n: int, phi: float, sigma: float) -> np.ndarray:
    out = np.empty(n)
    acc = 0.0
    noise = rng.normal(0, sigma, n)
    for i in range(n):
        acc = phi * acc + noise[i]
        out[i] = acc
    return out


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def healthy_columns(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    wander = _ar1(rng, n, 0.97, 0.04)
    dx = np.clip(_sigmoid(0.35 + wander + rng.normal(0, 0.25, n)), 0.3, 0.8)
    g1 = np.clip(_sigmoid(-0.25 + 0.6 * wander + rng.normal(0, 0.25, n)), 0.2, 0.75)
    g2 = np.clip(g1 * (1 - rng.uniform(0.03, 0.2, n)), 0.15, 0.75)
    return {"d_x": dx, "d_g_z1": g1, "d_g_z2": g2, **bce_losses(dx, g1, g2, rng)}


def bce_losses(dx: np.ndarray, g1: np.ndarray, g2: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    jitter = 1 + np.abs(rng.normal(0.04, 0.03, dx.size))
    eps = 1e-12
    return {
        "loss_d": (-np.log(np.maximum(dx, eps)) - np.log(np.maximum(1 - g1, eps))) * jitter,
        "loss_g": -np.log(np.maximum(g2, eps)) * jitter,
    }


def write_dcgan(cols: dict[str, np.ndarray], path: Path, epochs: int = 5) -> Path:
    """The PyTorch DCGAN example's print format."""
    n = len(cols["loss_d"])
    per = math.ceil(n / epochs)
    with path.open("w") as fh:
        for i in range(n):
            ep, it = divmod(i, per)
            fh.write(f"[{ep}/{epochs}][{it}/{per}]\tLoss_D: {cols['loss_d'][i]:.4f}\tLoss_G: {cols['loss_g'][i]:.4f}\t"
                     f"D(x): {cols['d_x'][i]:.4f}\tD(G(z)): {cols['d_g_z1'][i]:.4f} / {cols['d_g_z2'][i]:.4f}\n")
    return path


def healthy(path: Path, n: int = 3000, seed: int = 0) -> Path:
    return write_dcgan(healthy_columns(n, seed), path)


def troubled(path: Path, n: int = 3000, seed: int = 1) -> Path:
    """Healthy for 40%, then D wins (D(x) pinned at 1, G loss climbing, G's gradients vanish,
    FID worsens), and the last 8% is NaN. JSON lines with a step every 10 iterations."""
    rng = np.random.default_rng(seed)
    c = healthy_columns(n, seed)
    k = int(n * 0.4)
    m = n - k
    t = np.linspace(0, 1, m)
    dx, g1, g2 = c["d_x"], c["d_g_z1"], c["d_g_z2"]
    dx[k:] = 1 - np.exp(rng.normal(-9, 1, m))
    g1[k:] = _sigmoid(rng.normal(-3.5, 0.3, m) - 1.5 * t)
    g2[k:] = g1[k:] * (1 - rng.uniform(0.05, 0.3, m))
    c.update(bce_losses(dx, g1, g2, rng))
    c["grad_norm_d"] = np.exp(rng.normal(0, 0.3, n)) * 2.0
    c["grad_norm_g"] = np.exp(rng.normal(0, 0.3, n)) * 0.8
    c["grad_norm_g"][k:] *= np.exp(-25 * np.minimum(1, 4 * t))
    fid = np.full(n, np.nan)
    idx = np.arange(0, n, 20)
    fid[idx] = 20 + 150 * np.exp(-idx / (n / 4)) + rng.normal(0, 0.8, idx.size)
    late = idx[idx >= k]
    fid[late] += np.linspace(5, 80, late.size)
    c["fid"] = fid
    nan_from = int(n * 0.92)
    for col in ("loss_d", "loss_g"):
        c[col][nan_from:] = np.nan
    with path.open("w") as fh:
        for i in range(n):
            rec: dict[str, object] = {"step": i * 10}
            for name, col in c.items():
                v = float(col[i])
                if math.isnan(v) and name == "fid":
                    continue
                rec[name] = v if math.isfinite(v) else "NaN"
            fh.write(json.dumps(rec) + "\n")
    return path
