"""Generated data sets with exact quality measures: nothing is ever downloaded.

* 2-D Gaussian mixtures (a ring of 8, a 5x5 grid): every generated point can be
  assigned to its nearest mode, so *mode coverage* is exact, and a sliced
  Wasserstein distance to fresh real samples measures sample quality.
* ``dirac``: the Dirac-GAN of Mescheder et al. (2018), a real distribution that
  is (almost) one point at the origin; the simplest system that shows the
  undamped oscillation of simultaneous gradient play.
* 16x16 synthetic images (discs, squares and strokes at random places and
  sizes), drawn with coordinate grids, so the conv-net dynamics of D(x) and
  D(G(z)) are real; the diversity statistic compares generated batches' mean
  pairwise distance with the real data's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

#: A generated point is "on" a mode when it lies within this many standard
#: deviations of the mode's centre (a high-quality sample).
QUALITY_SIGMAS = 3.0


@dataclass
class Mixture2D:
    """An equal-weight mixture of isotropic 2-D Gaussians."""

    name: str
    centers: torch.Tensor  # (K, 2)
    std: float
    _real_div: float | None = None

    @property
    def dim(self) -> int:
        return 2

    def to(self, device: torch.device | str) -> "Mixture2D":
        return Mixture2D(self.name, self.centers.to(device), self.std)

    def sample(self, n: int, gen: torch.Generator) -> torch.Tensor:
        """``n`` real points, drawn on the generator's device."""
        dev = gen.device
        k = torch.randint(0, len(self.centers), (n,), generator=gen, device=dev)
        return self.centers[k] + self.std * torch.randn(n, 2, generator=gen, device=dev)

    def coverage(self, fake: torch.Tensor, min_share: float = 0.25) -> tuple[torch.Tensor, torch.Tensor]:
        """(modes covered, share of high-quality samples), as 0-d tensors on ``fake``'s device.

        A mode counts as covered when it holds at least ``min_share`` of its
        fair share (1/K) of the high-quality samples, so a handful of stray
        points does not count as coverage. A non-finite sample is never near a
        mode (NaN compares false), so a diverged G covers nothing.
        """
        fake = fake.detach().float()
        d = torch.cdist(fake, self.centers.to(fake.device))  # (n, K)
        dmin, idx = d.min(dim=1)
        good = dmin <= QUALITY_SIGMAS * self.std
        n = max(int(fake.shape[0]), 1)
        # scatter_add rather than bincount(idx[good]): a boolean mask would synchronise with a GPU
        counts = torch.zeros(len(self.centers), device=fake.device).scatter_add_(0, idx, good.float())
        covered = (counts >= min_share * n / len(self.centers)).sum().float()
        return covered, good.float().mean()

    def diversity(self, fake: torch.Tensor) -> torch.Tensor:
        """Mean pairwise distance of generated points over the real data's (1.0 = as spread)."""
        if self._real_div is None:
            ref = self.sample(512, torch.Generator(device=self.centers.device).manual_seed(1))
            self._real_div = float(mean_pairwise_distance(ref))
        return mean_pairwise_distance(fake) / self._real_div

    def distance(self, fake: torch.Tensor, gen: torch.Generator, n_proj: int = 32) -> torch.Tensor:
        """Sliced Wasserstein-1 distance between ``fake`` and as many fresh real samples (NaN
        when a sample is not finite)."""
        fake = fake.detach().float()
        real = self.sample(fake.shape[0], gen).to(fake.device)
        theta = torch.randn(2, n_proj, generator=gen, device=gen.device).to(fake.device)
        theta = theta / theta.norm(dim=0, keepdim=True)
        pf, pr = _sorted_rows(theta.T @ fake.T), _sorted_rows(theta.T @ real.T)  # (n_proj, n)
        swd = (pf - pr).abs().mean()
        return torch.where(torch.isfinite(fake).all(), swd, torch.full_like(swd, math.nan))


def _sorted_rows(x: torch.Tensor) -> torch.Tensor:
    """Sort each row. On CPU through numpy: torch 2.x's CPU sort of a few hundred values per row
    is ~20x slower than numpy's and was the largest cost of logging a 2-D run."""
    if x.device.type == "cpu":
        return torch.from_numpy(np.sort(x.numpy(), axis=1))
    return torch.sort(x, dim=1).values


def ring8(radius: float = 2.0, std: float = 0.1) -> Mixture2D:
    """Eight Gaussians on a circle: the standard mode-collapse test bed."""
    a = torch.arange(8, dtype=torch.float32) * (2 * math.pi / 8)
    return Mixture2D("ring8", torch.stack([radius * torch.cos(a), radius * torch.sin(a)], 1), std)


def grid25(spacing: float = 1.0, std: float = 0.05) -> Mixture2D:
    """A 5x5 grid of Gaussians, centred on the origin."""
    g = (torch.arange(5, dtype=torch.float32) - 2) * spacing
    xx, yy = torch.meshgrid(g, g, indexing="ij")
    return Mixture2D("grid25", torch.stack([xx.reshape(-1), yy.reshape(-1)], 1), std)


def dirac(std: float = 0.01) -> Mixture2D:
    """The Dirac-GAN's real distribution: one (slightly blurred) point at the origin."""
    return Mixture2D("dirac", torch.zeros(1, 2), std)


@dataclass
class Shapes16:
    """A pool of 16x16 grey images of discs, squares and strokes, values in [-1, 1]."""

    images: torch.Tensor  # (N, 1, 16, 16)
    real_diversity: float

    name = "shapes16"
    size = 16

    def to(self, device: torch.device | str) -> "Shapes16":
        return Shapes16(self.images.to(device), self.real_diversity)

    def sample(self, n: int, gen: torch.Generator) -> torch.Tensor:
        """``n`` images from the pool, drawn on the generator's device."""
        idx = torch.randint(0, self.images.shape[0], (n,), generator=gen, device=gen.device)
        return self.images[idx.to(self.images.device)]

    def diversity(self, fake: torch.Tensor) -> torch.Tensor:
        """Mean pairwise L2 distance of generated images over the real data's (1.0 = as diverse)."""
        return mean_pairwise_distance(fake) / self.real_diversity


def mean_pairwise_distance(x: torch.Tensor) -> torch.Tensor:
    """A 0-d tensor on ``x``'s device (NaN for fewer than two points or a non-finite one).

    Quality measures stay on the device so a logged record costs one
    device-to-host copy, not one synchronisation per number.
    """
    x = x.detach().float().reshape(x.shape[0], -1)
    n = x.shape[0]
    if n < 2:
        return torch.tensor(math.nan, device=x.device)
    mean = torch.cdist(x, x).sum() / (n * (n - 1))
    return torch.where(torch.isfinite(x).all(), mean, torch.full_like(mean, math.nan))


def shapes16(n: int = 4096, seed: int = 0) -> Shapes16:
    """Draw ``n`` images: a third discs, a third squares, a third strokes (thick line segments)."""
    gen = torch.Generator().manual_seed(10_000 + seed)
    size = 16
    ax = torch.arange(size, dtype=torch.float32) + 0.5
    yy, xx = torch.meshgrid(ax, ax, indexing="ij")
    yy, xx = yy.expand(n, size, size), xx.expand(n, size, size)
    kind = torch.randint(0, 3, (n, 1, 1), generator=gen)
    cx = 3 + 10 * torch.rand(n, 1, 1, generator=gen)
    cy = 3 + 10 * torch.rand(n, 1, 1, generator=gen)
    r = 2 + 3 * torch.rand(n, 1, 1, generator=gen)
    disc = ((xx - cx) ** 2 + (yy - cy) ** 2 <= r**2).float()
    square = (((xx - cx).abs() <= r * 0.8) & ((yy - cy).abs() <= r * 0.8)).float()
    ang = math.pi * torch.rand(n, 1, 1, generator=gen)
    ux, uy = torch.cos(ang), torch.sin(ang)
    along = (xx - cx) * ux + (yy - cy) * uy
    across = -(xx - cx) * uy + (yy - cy) * ux
    stroke = ((along.abs() <= r + 2) & (across.abs() <= 1.0)).float()
    img = torch.where(kind == 0, disc, torch.where(kind == 1, square, stroke))
    images = (img * 2 - 1).unsqueeze(1)
    real_div = float(mean_pairwise_distance(images[:256]))
    return Shapes16(images, real_div)


def make_dataset(name: str, seed: int = 0, n_images: int = 0) -> "Mixture2D | Shapes16":
    if name == "ring8":
        return ring8()
    if name == "grid25":
        return grid25()
    if name == "dirac":
        return dirac()
    if name == "shapes16":
        return shapes16(n=n_images or 4096, seed=seed)
    raise ValueError(f"unknown data set {name!r} (expected ring8, grid25, dirac or shapes16)")
