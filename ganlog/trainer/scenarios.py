"""Named scenarios: a training configuration plus the codes it must and must not trigger.

Each scenario is labelled ground truth for the detectors. ``kind`` is
``healthy`` (no warning or error expected), ``failure`` (a known way to break
a GAN) or ``remedy`` (the same failing run with its remedy applied, which
must not show the failure's codes). ``onset`` says when the failure begins
according to the trainer: ``start`` for a configuration that is wrong from the
first step, or the name of a ground-truth event the loop records (the first
skipped D update, the step D died, the first non-finite loss, the first step
after a short warm-up where G's samples spread less than 0.3 of the data's).

This module does not import torch: ``ganlog train --list`` and the benchmark
read it without the trainer's dependencies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .config import TrainConfig

#: The ganlog loss family of each trainer loss (how ``loss_d`` is composed); None where
#: no family has its chance level (MSE on sigmoid outputs, summed: 0.5 at chance).
LOSS_FAMILY: dict[str, str | None] = {
    "bce": "bce_sum", "bce_sat": "bce_sum", "mse": None, "lsgan": "lsgan", "hinge": "hinge",
    "wgan": "wgan", "wgan_gp": "wgan",
}


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
        else:
            onset_step = events.get(self.onset)
        out: dict[str, Any] = {
            "scenario": self.name,
            "kind": self.kind,
            "loss_family": LOSS_FAMILY.get(self.config.loss),
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
    # issue 17: what modern trainers log
    "GAN104", "GAN405", "GAN406", "GAN503", "GAN504", "GAN601", "GAN602",
)

_RING = TrainConfig(data="ring8", loss="bce", steps=2000, lr_d=1e-3, lr_g=1e-3)
_IMG = TrainConfig(data="shapes16", loss="bce", steps=400, batch_size=64, z_dim=32, width=16,
                   lr_d=2e-4, lr_g=2e-4, log_every=4, iters_per_epoch=100)
_DIRAC = TrainConfig(data="dirac", loss="wgan", optimizer="sgd", lr_d=0.02, lr_g=0.02, simultaneous=True,
                     steps=2000, batch_size=64, z_dim=1)


def _pair(failure: Scenario, remedy_name: str, demonstrates: str, config: TrainConfig,
          must_not_extra: tuple[str, ...] = ()) -> list[Scenario]:
    """A failure and the same run with its remedy applied (which must not show the failure's codes)."""
    fixed = Scenario(
        remedy_name, "remedy", demonstrates, config,
        must_not=tuple(dict.fromkeys(failure.expect + must_not_extra)), remedy_of=failure.name)
    return [Scenario(**{**failure.__dict__, "remedy": remedy_name}), fixed]


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
        _RING.replace(loss="hinge", lr_d=5e-4, lr_g=5e-4), must_not=ALL_FAILURE_CODES))
    s.append(Scenario(
        "healthy-wgan-gp", "healthy",
        "WGAN-GP on the ring of 8: 5 critic steps per G step and two time scales (critic lr 1e-3, "
        "G lr 1e-4); the critic loss stays a small negative number while G spreads over the ring.",
        # With G as fast as the critic (lr 1e-3, 3e-4, or 1e-4 for both) most seeds swing
        # between spreading and collapsing: a critic that is not kept near its optimum gives
        # G a misleading gradient. Measured over seeds 0-4: diversity 0.84-0.97 of the data's
        # all run, no warning.
        _RING.replace(loss="wgan_gp", d_steps=5, beta2=0.9, lr_g=1e-4, steps=2000),
        must_not=ALL_FAILURE_CODES))

    # -- failures, each followed by the same run with its remedy -----------------------
    s += _pair(Scenario(
        "d-overpowers", "failure",
        "DCGAN on 16x16 shapes with D's learning rate x10 and 2 D steps per G step: "
        "D loss collapses to ~0, D(x) pinned at 1, G loss climbs; D's real - fake logit gap runs away "
        "(0.15 -> ~19).",
        _IMG.replace(lr_d=2e-3, d_steps=2), expect=("GAN101", "GAN201", "GAN104"), must_not=("GAN401",)),
        "d-overpowers-remedied",
        "The same over-strong D with spectral normalization, instance noise and one-sided label smoothing.",
        _IMG.replace(lr_d=2e-3, d_steps=2, spectral_norm=True, instance_noise=0.5, label_smoothing=0.2))
    s += _pair(Scenario(
        "gated-d", "failure",
        "The forum question's loop: each D loss part is back-propagated only when above 0.3, so D "
        "stops updating and the two D(G(z)) values print identical.",
        _RING.replace(lr_d=1e-2, lr_g=5e-5, d_gate=0.3, steps=1500),
        expect=("GAN202",), must_not=("GAN401",), onset="d_update_skipped"),
        "gated-d-remedied",
        "The gate removed (D steps every iteration) and the learning rates balanced.",
        _RING.replace(steps=1500))
    s += _pair(Scenario(
        "mse-saturation", "failure",
        "The forum question's MSE variant: MSE on sigmoid outputs with a fast D; D(G(z)) saturates at "
        "0, G's gradient vanishes and its loss sits at 1.",
        _RING.replace(loss="mse", lr_d=1e-2, lr_g=1e-4, d_steps=2, steps=1500),
        expect=("GAN205",), must_not=("GAN401",)),
        "mse-saturation-remedied",
        "Least squares on D's raw output (LSGAN) instead of MSE on a sigmoid: no saturation.",
        _RING.replace(loss="lsgan", lr_d=1e-2, lr_g=1e-4, d_steps=2, steps=1500))
    s += _pair(Scenario(
        "oscillation", "failure",
        "The Dirac-GAN: a WGAN critic and generator with plain simultaneous gradient steps circle the "
        "equilibrium with a growing amplitude instead of converging.",
        _DIRAC, expect=("GAN301",), must_not=("GAN401",)),
        "oscillation-remedied",
        "The same Dirac-GAN with a zero-centred gradient penalty (R1, gamma 1): it converges.",
        _DIRAC.replace(r1_gamma=1.0))
    s += _pair(Scenario(
        "nan-divergence", "failure",
        "SGD whose learning rate grows 1% per step from step 1,000 (a schedule with gamma > 1): "
        "the weights blow up within a few steps and every value turns NaN.",
        _RING.replace(optimizer="sgd", lr_d=0.02, lr_g=0.02, lr_growth_from=1000, lr_growth=1.01, steps=1600),
        expect=("GAN401",), onset="non_finite_loss"),
        "nan-divergence-remedied",
        "The schedule decays as intended (gamma < 1) and gradients are clipped at norm 1.",
        _RING.replace(optimizer="sgd", lr_d=0.02, lr_g=0.02, lr_growth_from=1000, lr_growth=0.999,
                      grad_clip=1.0, steps=1600))
    s += _pair(Scenario(
        "mode-collapse", "failure",
        "The ring of 8 with a fast D (lr x10, 2 D steps) and a slow G: G's samples collapse onto one "
        "mode while the losses look calm.",
        _RING.replace(lr_d=1e-2, lr_g=1e-4, d_steps=2, steps=1500),
        expect=("GAN502",), must_not=("GAN401",), onset="mode_collapse"),
        "mode-collapse-remedied",
        "The same learning rates with R1 (gamma 1) on D: G spreads over the modes.",
        _RING.replace(lr_d=1e-2, lr_g=1e-4, d_steps=2, steps=1500, r1_gamma=1.0))
    s += _pair(Scenario(
        "dead-d", "failure",
        "A ReLU after D's last layer: once every logit is negative D outputs 0 everywhere, the losses sit "
        "at exactly 1.386 / 0.693 and no gradient flows.",
        _RING.replace(d_output_relu=True, optimizer="sgd", lr_d=0.5, lr_g=0.02),
        expect=("GAN203", "GAN403"), must_not=("GAN401",), onset="d_dead"),
        "dead-d-remedied",
        "The ReLU removed from D's output.",
        _RING.replace(optimizer="sgd", lr_d=0.5, lr_g=0.02))
    s += _pair(Scenario(
        "g-fools-d", "failure",
        "A crippled D (linear, learning rate 1e-5): G walks off to where D says 'real'; D loss far above "
        "chance while G loss sinks to 0.",
        _RING.replace(d_width=0, lr_d=1e-5), expect=("GAN103",), must_not=("GAN401",)),
        "g-fools-d-remedied",
        "D gets its hidden layers back and a learning rate twice G's (TTUR).",
        _RING.replace(lr_d=2e-3))
    # -- issue 17: what modern trainers log ----------------------------------------------
    s += _pair(Scenario(
        "ada-overfits", "failure",
        "ADA's feedback loop on 16 images of 16x16 shapes with an over-strong D (lr x10, 2 D steps): "
        "E[sign(D(real))] stays above the 0.6 target under any augmentation and p climbs to 1.",
        _IMG.replace(n_images=16, lr_d=2e-3, d_steps=2, ada_target=0.6, ada_kimg=10),
        expect=("GAN601",), must_not=("GAN401",)),
        "ada-overfits-remedied",
        "The full 4,096-image pool and D's learning rate back at G's: ADA holds r_t near its target and "
        "p settles below 0.8.",
        _IMG.replace(ada_target=0.6, ada_kimg=10))
    s += _pair(Scenario(
        "penalty-too-strong", "failure",
        "R1 with gamma 100 on the ring of 8: the penalty flattens D, whose scores on real and fake "
        "become equal and whose loss sits at chance.",
        _RING.replace(r1_gamma=100.0, steps=1500), expect=("GAN405",), must_not=("GAN401",)),
        "penalty-too-strong-remedied",
        "R1 with gamma 1: D keeps telling real from fake.",
        _RING.replace(r1_gamma=1.0, steps=1500))
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
