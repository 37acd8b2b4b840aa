"""A generated fleet: small runs in three formats, in hive-style folders, with known failures.

Each run is written by a tiny writer of its own format (the PyTorch DCGAN example's
print line, a JSONL metrics file, a CSV metrics table); its scenario decides the
numbers: ``healthy`` (losses wander near chance), ``collapse`` (D loss falls to ~0 and
D(x) pins at 1 from an onset on) or ``nan`` (losses turn NaN from an onset on). Used by
tests/fleet and benchmarks/fleet_bench.py.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

FORMATS = ("dcgan", "jsonl", "csv")
SCENARIOS = ("healthy", "collapse", "nan")


@dataclass(frozen=True)
class Spec:
    rel: str  #: folder relative to the fleet root
    fmt: str
    scenario: str
    records: int
    seed: int
    onset: float  #: share of the run where the failure starts

    @property
    def file(self) -> str:
        return {"dcgan": "train.log", "jsonl": "metrics.jsonl", "csv": "metrics.csv"}[self.fmt]


def values(spec: Spec) -> list[tuple[float, float, float, float, float]]:
    """(loss_d, loss_g, d_x, d_g_z1, d_g_z2) per record."""
    rng = random.Random(spec.seed)
    start = int(spec.records * spec.onset)
    out = []
    for i in range(spec.records):
        ld = 1.25 + 0.15 * math.sin(i / 7) + rng.gauss(0, 0.08)
        lg = 1.1 + 0.2 * math.cos(i / 9) + rng.gauss(0, 0.1)
        dx = 0.6 + rng.gauss(0, 0.04)
        z1 = 0.38 + rng.gauss(0, 0.04)
        z2 = z1 - 0.03
        if i >= start and spec.scenario == "collapse":
            ld = abs(0.004 + rng.gauss(0, 0.001))
            lg = 9.0 + rng.gauss(0, 0.3)
            dx, z1, z2 = 0.9995, 0.0004, 0.0003
        if i >= start and spec.scenario == "nan":
            ld = lg = float("nan")
        out.append((ld, lg, dx, z1, z2))
    return out


def write_run(root: Path, spec: Spec) -> Path:
    d = root / spec.rel
    d.mkdir(parents=True, exist_ok=True)
    p = d / spec.file
    vals = values(spec)
    per_epoch = 100
    if spec.fmt == "dcgan":
        epochs = (spec.records + per_epoch - 1) // per_epoch
        lines = ["Starting Training Loop..."]
        for i, (ld, lg, dx, z1, z2) in enumerate(vals):
            lines.append(f"[{i // per_epoch}/{epochs}][{i % per_epoch}/{per_epoch}]\tLoss_D: {ld:.4f}\t"
                         f"Loss_G: {lg:.4f}\tD(x): {dx:.4f}\tD(G(z)): {z1:.4f} / {z2:.4f}")
        p.write_text("\n".join(lines) + "\n")
    elif spec.fmt == "jsonl":
        with open(p, "w") as fh:
            for i, (ld, lg, dx, z1, z2) in enumerate(vals):
                rec = {"step": i * 10, "loss_D": _j(ld), "loss_G": _j(lg), "D_x": round(dx, 4)}
                fh.write(json.dumps(rec, allow_nan=True) + "\n")
    else:
        with open(p, "w") as fh:
            fh.write("step,d_loss,g_loss\n")
            for i, (ld, lg, *_rest) in enumerate(vals):
                fh.write(f"{i * 10},{ld:.5f},{lg:.5f}\n")
    return p


def _j(v: float) -> float:
    return v if math.isnan(v) else round(v, 5)


def fleet_specs(n: int, *, records: int = 120, seed: int = 0) -> list[Spec]:
    """``n`` runs: formats and scenarios cycled, hive-style folders fmt=/lr=/seed=."""
    rng = random.Random(seed)
    specs = []
    lrs = ("1e-4", "2e-4", "1e-3")
    for k in range(n):
        fmt = FORMATS[k % 3]
        lr = lrs[(k // 3) % 3]
        # the large learning rate fails more often: a config effect the fleet report should show
        r = rng.random()
        scenario = ("collapse" if r < 0.5 else "nan" if r < 0.6 else "healthy") if lr == "1e-3" else \
            ("collapse" if r < 0.1 else "healthy")
        specs.append(Spec(rel=f"fmt={fmt}/lr={lr}/seed={k}", fmt=fmt, scenario=scenario, records=records,
                          seed=seed * 100_003 + k, onset=rng.uniform(0.3, 0.7)))
    return specs


def write_fleet(root: Path, n: int, **kwargs: object) -> list[Spec]:
    specs = fleet_specs(n, **kwargs)  # type: ignore[arg-type]
    for s in specs:
        write_run(root, s)
    return specs
