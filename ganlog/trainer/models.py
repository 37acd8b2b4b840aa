"""The networks: an MLP GAN for 2-D data, the Dirac-GAN's one-parameter players,
and a small DCGAN for 16x16 images.

Every discriminator returns *logits* (one per sample); the loss functions in
``loop.py`` decide what a logit means (sigmoid probability, least-squares
target, hinge or Wasserstein score). Two faults live here because they are
architectural: ``output_relu`` (a ReLU after D's last layer: once every logit
is negative, D outputs 0 everywhere, sigmoid(0) = 0.5, and no gradient ever
flows again) and the crippled discriminator (``d_width=0``: a linear D).
"""

from __future__ import annotations

import copy

import torch
from torch import nn


def _sn(layer: nn.Module, on: bool) -> nn.Module:
    return nn.utils.parametrizations.spectral_norm(layer) if on else layer


class MLPGenerator(nn.Module):
    def __init__(self, z_dim: int = 8, width: int = 128, out_dim: int = 2) -> None:
        super().__init__()
        self.z_dim = z_dim
        self.net = nn.Sequential(
            nn.Linear(z_dim, width), nn.ReLU(),
            nn.Linear(width, width), nn.ReLU(),
            nn.Linear(width, out_dim),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class MLPDiscriminator(nn.Module):
    """``width=0`` is the crippled D: a single linear layer."""

    def __init__(self, in_dim: int = 2, width: int = 128, spectral_norm: bool = False,
                 output_relu: bool = False) -> None:
        super().__init__()
        if width <= 0:
            self.net = nn.Sequential(_sn(nn.Linear(in_dim, 1), spectral_norm))
        else:
            self.net = nn.Sequential(
                _sn(nn.Linear(in_dim, width), spectral_norm), nn.LeakyReLU(0.2),
                _sn(nn.Linear(width, width), spectral_norm), nn.LeakyReLU(0.2),
                _sn(nn.Linear(width, 1), spectral_norm),
            )
        self.output_relu = output_relu

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.net(x).view(-1)
        return torch.relu(out) if self.output_relu else out


class DiracGenerator(nn.Module):
    """G(z) = theta: the generator *is* its one point (the noise is ignored)."""

    def __init__(self, z_dim: int = 1, init: float = 1.5) -> None:
        super().__init__()
        self.z_dim = z_dim
        self.theta = nn.Parameter(torch.tensor([init, 0.0]))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.theta.expand(z.shape[0], 2)


class DiracDiscriminator(nn.Module):
    """D(x) = phi . x: linear, no bias (the Dirac-GAN's critic)."""

    def __init__(self) -> None:
        super().__init__()
        # phi = 0 with theta = (1.5, 0): the one-dimensional Dirac-GAN of the paper,
        # whose (theta, phi) circles the equilibrium (0, 0).
        self.phi = nn.Parameter(torch.zeros(2))
        self.output_relu = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.phi


class DCGANGenerator(nn.Module):
    """z -> 64x4x4 -> 32x8x8 -> 1x16x16, tanh output (the DCGAN recipe, scaled down)."""

    def __init__(self, z_dim: int = 32, ch: int = 32) -> None:
        super().__init__()
        self.z_dim = z_dim
        self.ch = ch
        self.fc = nn.Sequential(nn.Linear(z_dim, 2 * ch * 16), nn.BatchNorm1d(2 * ch * 16), nn.ReLU())
        self.net = nn.Sequential(
            nn.ConvTranspose2d(2 * ch, ch, 4, 2, 1, bias=False), nn.BatchNorm2d(ch), nn.ReLU(),
            nn.ConvTranspose2d(ch, 1, 4, 2, 1), nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.fc(z).view(z.shape[0], 2 * self.ch, 4, 4)
        return self.net(h)


class DCGANDiscriminator(nn.Module):
    """1x16x16 -> 32x8x8 -> 64x4x4 -> logit; ``width=0`` is the crippled D (linear on pixels)."""

    def __init__(self, ch: int = 32, spectral_norm: bool = False, output_relu: bool = False,
                 width: int = 1) -> None:
        super().__init__()
        if width <= 0:
            self.net = nn.Sequential(nn.Flatten(), _sn(nn.Linear(256, 1), spectral_norm))
        else:
            self.net = nn.Sequential(
                _sn(nn.Conv2d(1, ch, 4, 2, 1), spectral_norm), nn.LeakyReLU(0.2),
                _sn(nn.Conv2d(ch, 2 * ch, 4, 2, 1), spectral_norm), nn.LeakyReLU(0.2),
                nn.Flatten(), _sn(nn.Linear(2 * ch * 16, 1), spectral_norm),
            )
        self.output_relu = output_relu

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.net(x).view(-1)
        return torch.relu(out) if self.output_relu else out


def build_models(data_kind: str, *, z_dim: int, width: int, d_width: int,
                 spectral_norm: bool, output_relu: bool) -> tuple[nn.Module, nn.Module]:
    """(G, D) for a data set kind: ``mixture``, ``dirac`` or ``image``."""
    if data_kind == "dirac":
        return DiracGenerator(z_dim), DiracDiscriminator()
    if data_kind == "image":
        return (DCGANGenerator(z_dim, width),
                DCGANDiscriminator(width, spectral_norm, output_relu, width=d_width))
    return (MLPGenerator(z_dim, width),
            MLPDiscriminator(2, d_width, spectral_norm, output_relu))


class EMA:
    """An exponential moving average of G's weights (Karras et al. 2018; Yazici et al. 2019)."""

    def __init__(self, model: nn.Module, decay: float) -> None:
        self.decay = decay
        self.model = copy.deepcopy(model).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        for e, p in zip(self.model.parameters(), model.parameters()):
            e.lerp_(p, 1.0 - self.decay)
        for e, b in zip(self.model.buffers(), model.buffers()):
            e.copy_(b)
