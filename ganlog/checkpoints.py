"""The checkpoint advisor: which snapshot to keep, and whether training on is likely to beat it.

Where a quality metric is logged (FID, KID: lower is better; Inception Score: higher),
:func:`advise` names the evaluation with the best value, its step, and the snapshot file
that holds it: from StyleGAN's metric files (``snapshot_pkl``, in ``run.meta["snapshots"]``)
or from the run folder's snapshot files (``network-snapshot-*.pkl``, ``*.pth``, ``*.pt``,
matched by the number in the name). Values a metric cannot take (FID below 0 or past 1e5:
a failed computation) are no evaluation: with fewer than two valid ones there is no advice.
It says to stop when the best is ``patience``
evaluations or more behind the latest, or when the metric jumped after the best and never
came back.

``analysis.extras["checkpoint"]`` holds :meth:`CheckpointAdvice.to_dict`; the JSON output
and the terminal report show it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from .frame import Run

#: metric role -> True when higher is better, in order of preference
METRICS: tuple[tuple[str, bool], ...] = (("fid", False), ("kid", False), ("inception_score", True))
SNAPSHOT_FILE = re.compile(r"\.(pkl|pth|pt|ckpt)$", re.I)
_NUMBER = re.compile(r"(\d+)")
_STYLEGAN = re.compile(r"network-snapshot-(\d+)", re.I)
MAX_LISTED = 2000


@dataclass
class CheckpointAdvice:
    metric: str
    higher_is_better: bool
    best_value: float
    best_step: float
    #: the snapshot file of the best evaluation (None when none is named or found)
    best_file: str | None
    #: True when that file is in the run folder, False when only named (by a metric file), None unknown
    file_exists: bool | None
    evaluations: int
    #: evaluations after the best one
    since_best: int
    latest_value: float
    latest_step: float
    #: True: continuing is unlikely to beat the best
    stop: bool
    reason: str
    snapshot_files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        from .detectors.base import _plain

        return {k: _plain(v) for k, v in asdict(self).items()}


def describe(advice: dict[str, Any]) -> str:
    """One line for the terminal report, from :meth:`CheckpointAdvice.to_dict`."""
    from .detectors.stats import fmt

    what = f"{advice['metric']} {fmt(float(advice['best_value']))} at step {float(advice['best_step']):,.0f}"
    if advice.get("best_file"):
        keep = f"keep {advice['best_file']}"
        if advice.get("file_exists") is False:
            keep += " (named by the metric file, not in the folder)"
    else:
        keep = "no snapshot file found for it"
    reason = str(advice.get("reason", ""))
    verdict = f"Stop here: {reason}" if advice.get("stop") else reason[:1].upper() + reason[1:]
    return f"Best checkpoint: {what}; {keep}. {verdict}."


def _valid(role: str, v: "np.ndarray") -> "np.ndarray":
    """Finite values the metric can take at all (a FID of -3.1e+68 is a failed computation, no best)."""
    import numpy as np

    from .detectors.evidence import impossible

    return np.isfinite(v) & ~impossible(role, v)


def _metric_column(run: "Run") -> tuple[str, bool, str] | None:
    import numpy as np

    from .detectors.modern import _PATTERNS

    cols = [str(c) for c in run.frame.columns]
    for role, higher in METRICS:
        candidates = [role]
        pat = _PATTERNS.get(role)
        if pat is not None:
            candidates += [c for c in cols if pat.search(c) and not c.endswith("_std")]
        for c in candidates:
            if c in run.frame.columns:
                v = run.frame[c].to_numpy(dtype=float, na_value=np.nan)
                if _valid(role, v).sum() >= 2:
                    return c, higher, role
    return None


def _folder(run: "Run") -> Path | None:
    folder = run.meta.get("run_folder") if isinstance(run.meta, dict) else None
    if folder:
        return Path(folder)
    try:
        p = Path(run.source)
    except TypeError:
        return None
    if p.is_dir():
        return p
    if p.is_file():
        return p.parent
    return None


def _snapshot_files(folder: Path | None) -> list[Path]:
    if folder is None or not folder.is_dir():
        return []
    out: list[Path] = []
    for p in folder.rglob("*"):
        if len(out) >= MAX_LISTED:
            break
        if p.is_file() and SNAPSHOT_FILE.search(p.name):
            out.append(p)
    return sorted(out)


def _file_step(name: str) -> int | None:
    """The step a snapshot file holds: StyleGAN's kimg x 1000, else the last number in the name."""
    m = _STYLEGAN.search(name)
    if m:
        return int(m.group(1)) * 1000
    nums = _NUMBER.findall(Path(name).stem)
    return int(nums[-1]) if nums else None


def _best_file(run: "Run", step: float, files: list[Path], folder: Path | None) -> tuple[str | None, bool | None]:
    named = run.meta.get("snapshots") if isinstance(run.meta, dict) else None
    for s in named or []:
        if float(s.get("step", -1)) == float(step):
            return str(s["file"]), bool(s.get("exists")) if "exists" in s else None
    exact = [p for p in files if _file_step(p.name) == int(step)]
    if exact:
        return _rel(exact[0], folder), True
    return None, None


def _rel(p: Path, folder: Path | None) -> str:
    try:
        return p.relative_to(folder).as_posix() if folder else p.name
    except ValueError:
        return p.name


def advise(run: "Run", patience: int = 3, jump: float = 1.5) -> CheckpointAdvice | None:
    """The best snapshot by the logged quality metric; None when no metric is logged."""
    import numpy as np

    found = _metric_column(run)
    if found is None:
        return None
    col, higher, role = found
    v = run.frame[col].to_numpy(dtype=float, na_value=np.nan)
    steps = run.frame["step"].to_numpy(dtype=float)
    ok = _valid(role, v)
    v, steps = v[ok], steps[ok]
    kb = int(np.argmax(v) if higher else np.argmin(v))
    best, best_step = float(v[kb]), float(steps[kb])
    since = int(v.size - 1 - kb)
    folder = _folder(run)
    files = _snapshot_files(folder)
    best_file, exists = _best_file(run, best_step, files, folder)
    # worse-by factor of each later evaluation against the best (1 = as good)
    later = v[kb + 1:]
    worse = (best / np.where(later > 0, later, np.nan)) if higher else (later / best if best > 0 else later * np.nan)
    label = col
    if since == 0:
        stop, reason = False, f"it is the latest of {v.size} evaluations: the run may still improve"
    elif later.size and np.all(np.nan_to_num(worse, nan=np.inf) >= jump):
        stop = True
        reason = (f"{label} jumped to {float(later[0]):.4g} right after it and never came back within "
                  f"{jump:g}x over {later.size} evaluation{'s' if later.size != 1 else ''} "
                  f"(latest {float(v[-1]):.4g}): continuing is unlikely to beat it")
    elif since >= patience:
        stop = True
        reason = (f"no improvement over the last {since} evaluations (latest {float(v[-1]):.4g}): "
                  f"continuing is unlikely to beat it")
    else:
        stop = False
        reason = (f"{since} evaluation{'s' if since != 1 else ''} since the best (latest {float(v[-1]):.4g}); "
                  f"not yet {patience} without improvement")
    return CheckpointAdvice(
        metric=col, higher_is_better=higher, best_value=best, best_step=best_step, best_file=best_file,
        file_exists=exists, evaluations=int(v.size), since_best=since, latest_value=float(v[-1]),
        latest_step=float(steps[-1]), stop=stop, reason=reason,
        snapshot_files=[_rel(p, folder) for p in files[:50]],
    )


def checkpoint_extras(run: "Run") -> dict[str, Any]:
    """``{"checkpoint": advice}`` for :attr:`Analysis.extras`, or ``{}`` without a metric."""
    try:
        adv = advise(run)
    except Exception:  # advice is an extra: it must never break an analysis
        return {}
    return {"checkpoint": adv.to_dict()} if adv is not None else {}
