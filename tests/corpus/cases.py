"""The real-log corpus: load the cases, split them, and say which codes answer which label.

Each folder under ``tests/corpus/`` is one real GAN training log found in public
(an issue thread, a committed log, a notebook's output) with a ``case.toml``
giving its source, its labels and the evidence for them, and what a correct
reader must produce (record count, the printed names of its roles). See
``README.md`` beside this file for the schema.

The split is fixed by the case id, not chosen: a case is in the *check* part
when ``sha1(id) % 3 == 0``, else in the *tune* part. Thresholds are tuned on the
tune part only; the check part says whether they generalize.
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CORPUS = Path(__file__).resolve().parent

#: The label vocabulary, and the detector codes that answer each label. A label is
#: recalled when any of its codes is raised at warning or above.
LABEL_CODES: dict[str, tuple[str, ...]] = {
    "d_overpowering": ("GAN101", "GAN102"),
    "d_x_pinned": ("GAN201",),
    "d_not_updating": ("GAN202", "GAN203"),
    "g_fooling_d": ("GAN103",),
    "oscillation": ("GAN301",),
    "mode_collapse": ("GAN502",),
    "nan": ("GAN401",),
    "divergence": ("GAN402", "GAN102"),
    "vanishing_gradients": ("GAN403",),
    "exploding_gradients": ("GAN404",),
    "non_convergence": ("GAN303", "GAN501", "GAN504"),
    "saturation": ("GAN204", "GAN205", "GAN201"),
    # D overfits the training set while ADA's augment probability climbs past its useful range
    "ada_overfitting": ("GAN601", "GAN602"),
    # a quality metric outside what it can be (a negative FID, 1e57): the evaluation is broken
    "metric_invalid": ("GAN401", "GAN504"),
}

SOURCE_KINDS = ("issue", "repo-file", "notebook", "tutorial", "forum", "docs")
FAMILIES = ("bce_sum", "bce_mean", "lsgan", "hinge", "wgan", "unknown")


@dataclass(frozen=True)
class Case:
    id: str
    path: Path
    title: str
    source: str
    source_kind: str
    trainer: str
    format: str
    loss_family: str
    healthy: bool
    labels: tuple[str, ...]
    evidence: str
    files: tuple[str, ...]
    records: int | None
    roles: dict[str, str] = field(default_factory=dict)

    @property
    def split(self) -> str:
        return "check" if int(hashlib.sha1(self.id.encode()).hexdigest(), 16) % 3 == 0 else "tune"

    @property
    def target(self) -> Path:
        """What to hand ganlog: the one log file, or the folder when the case is a run folder."""
        if len(self.files) == 1:
            return self.path / self.files[0]
        return self.path

    @property
    def expected_codes(self) -> dict[str, tuple[str, ...]]:
        return {label: LABEL_CODES[label] for label in self.labels}


class CaseError(ValueError):
    pass


def _load(folder: Path) -> Case:
    meta_path = folder / "case.toml"
    try:
        meta: dict[str, Any] = tomllib.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CaseError(f"{meta_path}: {exc}") from None
    expect = meta.get("expect", {})
    labels = tuple(meta.get("labels", ()))
    unknown = [lab for lab in labels if lab not in LABEL_CODES]
    if unknown:
        raise CaseError(f"{meta_path}: unknown labels {unknown}")
    files = tuple(meta.get("files") or ())
    if not files:
        raise CaseError(f"{meta_path}: no files")
    missing = [f for f in files if not (folder / f).exists()]
    if missing:
        raise CaseError(f"{meta_path}: files not in the folder: {missing}")
    return Case(
        id=str(meta.get("id", folder.name)),
        path=folder,
        title=str(meta.get("title", "")),
        source=str(meta.get("source", "")),
        source_kind=str(meta.get("source_kind", "")),
        trainer=str(meta.get("trainer", "")),
        format=str(meta.get("format", "")),
        loss_family=str(meta.get("loss_family", "unknown")),
        healthy=bool(meta.get("healthy", False)),
        labels=labels,
        evidence=str(meta.get("evidence", "")),
        files=files,
        records=expect.get("records"),
        roles={str(k): str(v) for k, v in (expect.get("roles") or {}).items()},
    )


def load_cases(root: Path = CORPUS) -> list[Case]:
    """Every case under ``root``, sorted by id."""
    cases = [_load(d) for d in sorted(root.iterdir()) if d.is_dir() and (d / "case.toml").exists()]
    return sorted(cases, key=lambda c: c.id)


def same_name(printed: str, expected: str) -> bool:
    """A role was read from the expected printed name: equal ignoring case and punctuation, or the
    name plus a trailing position digit -- a name printed twice in one record (DCGAN's
    ``D(G(z)): a / b``) is told apart as ``D(G(z))1``/``D(G(z))2``."""
    p, e = (re.sub(r"[^0-9a-z]+", "", n.lower()) for n in (printed, expected))
    return p == e or (len(p) == len(e) + 1 and p.startswith(e) and p[-1].isdigit())
