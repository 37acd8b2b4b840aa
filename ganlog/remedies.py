"""The remedy catalog: what to change when a detector fires, with a sketch and references.

Detectors point at remedy ids, most likely to help first; reports look the
ids up here. (The full catalog is built on this structure.)
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reference:
    title: str
    authors: str
    year: int
    venue: str = ""

    def __str__(self) -> str:
        venue = f", {self.venue}" if self.venue else ""
        return f"{self.authors} ({self.year}). {self.title}{venue}."


@dataclass(frozen=True)
class Remedy:
    id: str
    title: str
    #: when this remedy applies (symptoms it helps with)
    applies: str
    #: what to change, in a sentence or two
    change: str
    #: a short PyTorch sketch of the change
    sketch: str = ""
    references: tuple[Reference, ...] = field(default_factory=tuple)


CATALOG: dict[str, Remedy] = {}


def _add(remedy: Remedy) -> None:
    if remedy.id in CATALOG:
        raise RuntimeError(f"remedy {remedy.id} defined twice")
    CATALOG[remedy.id] = remedy


def get(remedy_id: str) -> Remedy:
    try:
        return CATALOG[remedy_id]
    except KeyError:
        raise KeyError(f"unknown remedy id {remedy_id!r}") from None


_add(Remedy(
    id="ttur",
    title="Two time-scale update rule (separate learning rates)",
    applies="The discriminator wins too fast, or the two networks oscillate.",
    change="Give D and G their own learning rates, typically G's lower than D's "
           "(e.g. 1e-4 for G, 4e-4 for D with Adam betas (0, 0.9)), or lower D's when D dominates.",
    sketch="opt_d = torch.optim.Adam(D.parameters(), lr=4e-4, betas=(0.0, 0.9))\n"
           "opt_g = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.0, 0.9))",
    references=(Reference("GANs trained by a two time-scale update rule converge to a local Nash equilibrium",
                          "Heusel et al.", 2017, "NeurIPS"),),
))
