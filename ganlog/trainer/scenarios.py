"""Named scenarios: a training configuration plus the codes it must and must not trigger.

Each scenario is labelled ground truth for the detectors. ``kind`` is
``healthy`` (no warning or error expected), ``failure`` (a known way to break
a GAN) or ``remedy`` (the same failing run with its remedy applied, which
must not show the failure's codes). ``onset`` says when the failure begins
according to the trainer: ``start`` for a configuration that is wrong from the
first step, or the name of a ground-truth event the loop records (the first
skipped D update, the step D died, the learning-rate spike, the first step
with fewer than a quarter of the modes covered).

This module does not import torch: ``ganlog train --list`` and the benchmark
read it without the trainer's dependencies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .config import TrainConfig

#: Codes that are a warning or an error on any healthy run (what "no false alarm" means).
ALARM_CODES_NONE: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    name: str
    kind: str  # healthy | failure | remedy
    demonstrates: str
    config: TrainConfig
    #: codes the run must trigger (at any severity)
    expect: tuple[str, ...] = ()
    #: codes the run must not trigger
    must_not: tuple[str, ...] = ()
    #: "start", or a ground-truth event name recorded by the loop
    onset: str = "start"
    #: for a failure, the scenario that applies its remedy; for a remedy, the failure it fixes
    remedy: str | None = None
    remedy_of: str | None = None
    notes: str = ""

    def manifest(self, seed: int, events: dict[str, int] | None = None,
                 extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """The ``scenario.json`` content: what ran and what a detector must say about it."""
        events = dict(events or {})
        onset_step: int | None
        if self.kind != "failure":
            onset_step = None
        elif self.onset == "start":
            onset_step = 0
        elif self.onset == "lr_spike":
            onset_step = self.config.lr_spike_at
        else:
            onset_step = events.get(self.onset)
        out: dict[str, Any] = {
            "scenario": self.name,
            "kind": self.kind,
            "demonstrates": self.demonstrates,
            "seed": seed,
            "expected_codes": list(self.expect),
            "must_not_codes": list(self.must_not),
            "onset": {"rule": self.onset, "step": onset_step},
            "events": events,
            "remedy": self.remedy,
            "remedy_of": self.remedy_of,
            "config": self.config.to_dict(),
        }
        if extra:
            out.update(extra)
        return out


#: Every code a detector may raise as a warning or error; a healthy run must raise none.
ALL_FAILURE_CODES: tuple[str, ...] = (
    "GAN101", "GAN102", "GAN103", "GAN201", "GAN202", "GAN203", "GAN204", "GAN205",
    "GAN301", "GAN302", "GAN303", "GAN401", "GAN402", "GAN403", "GAN404", "GAN501", "GAN502",
)

_RING = TrainConfig(data="ring8", loss="bce", steps=2000, lr_d=1e-3, lr_g=1e-3)
_IMG = TrainConfig(data="shapes16", loss="bce", steps=800, batch_size=64, z_dim=32, width=32,
                   lr_d=2e-4, lr_g=2e-4, log_every=4, iters_per_epoch=200)


def _scenarios() -> list[Scenario]:
    s: list[Scenario] = []
    # -- healthy runs, one per loss family ------------------------------------------
    s.append(Scenario(
        "healthy-bce", "healthy",
        "Non-saturating BCE on the ring of 8: D loss near 2 ln 2, all modes covered.",
        _RING, must_not=ALL_FAILURE_CODES))
    s.append(Scenario(
        "healthy-lsgan", "healthy",
        "LSGAN on the ring of 8: D loss near its chance level 0.25.",
        _RING.replace(loss="lsgan"), must_not=ALL_FAILURE_CODES))
    s.append(Scenario(
        "healthy-hinge", "healthy",
        "Hinge loss on the ring of 8: D loss near 2, G loss around 0 and negative.",
        _RING.replace(loss="hinge", lr_d=4e-4, lr_g=1e-4, beta1=0.0, beta2=0.9), must_not=ALL_FAILURE_CODES))
    s.append(Scenario(
        "healthy-wgan-gp", "healthy",
        "WGAN-GP on the 5x5 grid: a negative critic loss shrinking towards 0, 5 critic steps per G step.",
        _RING.replace(data="grid25", loss="wgan_gp", d_steps=5, lr_d=1e-4, lr_g=1e-4, beta1=0.0,
                      beta2=0.9, steps=1200),
        must_not=ALL_FAILURE_CODES))
    s.append(Scenario(
        "healthy-dcgan", "healthy",
        "A small DCGAN on 16x16 shapes with BCE: conv-net dynamics of D(x) and D(G(z)).",
        _IMG, must_not=ALL_FAILURE_CODES))
    return s


SCENARIOS: dict[str, Scenario] = {sc.name: sc for sc in _scenarios()}


def get(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        from ..errors import UsageError

        raise UsageError(f"unknown scenario {name!r}; `ganlog train --list` shows them") from None


def names(kind: str | None = None) -> list[str]:
    return [n for n, sc in SCENARIOS.items() if kind is None or sc.kind == kind]
