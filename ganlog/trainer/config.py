"""The trainer's configuration: one frozen dataclass, torch-free.

A scenario is a :class:`TrainConfig` plus the codes it must and must not
trigger (``scenarios.py``). Every field is written into ``scenario.json`` so
a run can be reproduced from its manifest alone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

LOSSES = ("bce", "bce_sat", "mse", "lsgan", "hinge", "wgan", "wgan_gp")
DATASETS = ("ring8", "grid25", "dirac", "shapes16")


@dataclass(frozen=True)
class TrainConfig:
    """How to train, which fault to switch on, which remedy to apply."""

    # -- data and model -------------------------------------------------------
    data: str = "ring8"
    #: bce (non-saturating), bce_sat (saturating minimax G loss), mse (MSE on sigmoid
    #: outputs, the forum question's variant), lsgan, hinge, wgan (no constraint), wgan_gp
    loss: str = "bce"
    steps: int = 2000
    batch_size: int = 128
    z_dim: int = 8
    width: int = 128
    #: D's hidden width; 0 makes a linear (crippled) D; None means ``width``
    d_width: int | None = None
    # -- optimisation ---------------------------------------------------------
    optimizer: str = "adam"  # adam | sgd
    lr_d: float = 2e-4
    lr_g: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    #: D steps per G step (the training ratio)
    d_steps: int = 1
    #: compute G's gradient against D *before* D's update (plain simultaneous play)
    simultaneous: bool = False
    # -- remedies ---------------------------------------------------------------
    label_smoothing: float = 0.0  #: one-sided: real target 1 - s
    instance_noise: float = 0.0  #: std of Gaussian noise on D's inputs, annealed to 0
    spectral_norm: bool = False
    r1_gamma: float = 0.0  #: zero-centred gradient penalty on real data
    gp_lambda: float = 10.0  #: WGAN-GP weight (loss wgan_gp only)
    ema_decay: float = 0.0  #: EMA of G's weights for evaluation; 0 is off
    grad_clip: float = 0.0  #: clip both networks' gradient norms; 0 is off
    # -- faults -----------------------------------------------------------------
    #: skip the backward of each D loss part that is below this (the forum's gate); 0 is off
    d_gate: float = 0.0
    #: a ReLU after D's last layer (the dead discriminator)
    d_output_relu: bool = False
    #: from this step on, multiply both learning rates by ``lr_growth`` at every step
    #: (an exponential schedule with gamma > 1: a sign slip in a decay); -1 is off
    lr_growth_from: int = -1
    lr_growth: float = 1.0
    #: images in the shapes16 pool (0: the default 4,096); a small pool is what D overfits
    n_images: int = 0
    # -- ADA-like adaptive augmentation (Karras et al. 2020) ----------------------
    #: target for r_t = E[sign(D(real))]; 0 switches augmentation off
    ada_target: float = 0.0
    #: p moves by batch * ada_interval / (ada_kimg * 1000) per adjustment (0 -> 1 in ada_kimg kimg)
    ada_kimg: float = 5.0
    ada_interval: int = 4
    # -- logging ------------------------------------------------------------------
    log_every: int = 5
    iters_per_epoch: int = 500
    eval_samples: int = 512

    def replace(self, **changes: Any) -> "TrainConfig":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @property
    def data_kind(self) -> str:
        return {"dirac": "dirac", "shapes16": "image"}.get(self.data, "mixture")

    @property
    def sigmoid_outputs(self) -> bool:
        """True when D's output is read as a probability (D(x) in [0, 1])."""
        return self.loss in ("bce", "bce_sat", "mse")

    def validate(self) -> None:
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r} (expected one of {', '.join(LOSSES)})")
        if self.data not in DATASETS:
            raise ValueError(f"unknown data set {self.data!r} (expected one of {', '.join(DATASETS)})")
        if self.steps < 1 or self.batch_size < 2 or self.d_steps < 1:
            raise ValueError("steps >= 1, batch_size >= 2 and d_steps >= 1 are required")
        if self.optimizer not in ("adam", "sgd"):
            raise ValueError(f"unknown optimizer {self.optimizer!r} (expected adam or sgd)")
