"""The detector registry and the engine that runs them.

Detectors live in one module per family of symptoms (balance, saturation,
dynamics, numerics, quality). The registry imports those modules and
collects every :class:`Detector` subclass with a code. The engine runs the
selected ones on a run: one that lacks its columns is *skipped* with a reason,
one that raises is reported as *crashed* and the others go on.
"""

from __future__ import annotations

import importlib
import traceback
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from .base import Context, Detector, Finding, Params, Severity, Span

if TYPE_CHECKING:
    from ..frame import Run

_MODULES: tuple[str, ...] = (
    "ganlog.detectors.balance",
    "ganlog.detectors.saturation",
    "ganlog.detectors.dynamics",
    "ganlog.detectors.numerics",
    "ganlog.detectors.quality",
    "ganlog.detectors.modern", "ganlog.detectors.trends",  # issue 17: what modern trainers log
)

_registry: dict[str, type[Detector]] | None = None


def registry() -> dict[str, type[Detector]]:
    """code -> detector class, sorted by code."""
    global _registry
    if _registry is None:
        found: dict[str, type[Detector]] = {}
        for mod_name in _MODULES:
            try:
                mod = importlib.import_module(mod_name)
            except ModuleNotFoundError as exc:
                if exc.name == mod_name:
                    continue
                raise
            for obj in vars(mod).values():
                if isinstance(obj, type) and issubclass(obj, Detector) and obj.code and obj.__module__ == mod_name:
                    if obj.code in found and found[obj.code] is not obj:
                        raise RuntimeError(f"detector code {obj.code} registered twice")
                    found[obj.code] = obj
        _registry = dict(sorted(found.items()))
    return _registry


def get(code_or_name: str) -> type[Detector]:
    key = code_or_name.strip()
    reg = registry()
    if key.upper() in reg:
        return reg[key.upper()]
    for cls in reg.values():
        if cls.name == key.lower():
            return cls
    from ..errors import UsageError

    raise UsageError(f"no detector {code_or_name!r}; `ganlog rules` lists them")


def selected(select: Iterable[str] | None = None, ignore: Iterable[str] | None = None) -> list[type[Detector]]:
    """Detectors whose code starts with a ``select`` prefix and with no ``ignore`` prefix."""
    sel = [s.upper() for s in select] if select else [""]
    ign = [s.upper() for s in ignore] if ignore else []
    return [
        cls
        for code, cls in registry().items()
        if any(code.startswith(p) for p in sel) and not any(code.startswith(p) for p in ign)
    ]


@dataclass(frozen=True)
class SkippedDetector:
    code: str
    name: str
    reason: str


@dataclass(frozen=True)
class CrashedDetector:
    code: str
    name: str
    error: str
    traceback: str = ""


@dataclass
class DetectionResult:
    findings: list[Finding] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)
    skipped: list[SkippedDetector] = field(default_factory=list)
    crashed: list[CrashedDetector] = field(default_factory=list)


def run_detectors(
    run: "Run",
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    severities: Mapping[str, Severity] | None = None,
) -> DetectionResult:
    """Run the selected detectors on one run; findings ordered by severity, step, confidence.

    A two-domain run (``run.meta["pairs"]``, CycleGAN's D_A/G_A and D_B/G_B) is judged per
    pair as well: the detectors run again on a view of the run where the pair's columns
    are named ``loss_d``/``loss_g``, and what they find there says which pair.
    """
    params = params or {}
    severities = severities or {}
    result = _run_once(run, select, ignore, params, severities)
    pairs = run.meta.get("pairs") if isinstance(getattr(run, "meta", None), dict) else None
    if isinstance(pairs, dict) and pairs:
        seen = {(f.code, f.message) for f in result.findings}
        for name, cols in pairs.items():
            view = pair_view(run, cols)
            if view is None:
                continue
            sub = _run_once(view, select, ignore, params, severities)
            for f in sub.findings:
                if (f.code, f.message) in seen:
                    continue  # not about the pair's losses: found on the whole run already
                f.message = f"pair {name}: {f.message}"
                f.evidence["pair"] = str(name)
                result.findings.append(f)
            for code in sub.ran:
                if code not in result.ran:
                    result.ran.append(code)
            result.skipped = [s for s in result.skipped if s.code not in result.ran]
        result.findings.sort(key=_order)
    return result


def pair_view(run: "Run", cols: Mapping[str, str]) -> "Run | None":
    """The run with one D/G pair's columns renamed to the canonical ``loss_d``/``loss_g`` (a shallow copy)."""
    import copy

    df = run.frame
    rename = {src: dst for dst, src in cols.items() if isinstance(src, str) and src in df.columns}
    if not rename:
        return None
    frame = df.drop(columns=[c for c in rename.values() if c in df.columns and c not in rename])
    frame = frame.rename(columns=rename)
    view = copy.copy(run)
    view.frame = frame
    view.meta = {k: v for k, v in run.meta.items() if k != "pairs"}
    return view


def _order(f: Finding) -> tuple:
    # Worst first; within a severity, what began first; among findings that begin
    # together, the more certain one (a frozen D, a loop bug, before the collapse it causes).
    return (-int(f.severity), f.span.start if f.span else float("inf"), -f.confidence, f.code)


def _run_once(run: "Run", select: Iterable[str] | None, ignore: Iterable[str] | None,
              params: Mapping[str, Mapping[str, Any]], severities: Mapping[str, Severity]) -> DetectionResult:
    ctx = Context(run)
    result = DetectionResult()
    for cls in selected(select, ignore):
        det = cls.with_params(dict(params.get(cls.code, {})), severities.get(cls.code))
        reason = det.skip_reason(ctx)
        if reason:
            result.skipped.append(SkippedDetector(cls.code, cls.name, reason))
            continue
        try:
            found = list(det.detect(ctx))
        except Exception as exc:  # contained: one broken detector must not hide the others
            result.crashed.append(
                CrashedDetector(cls.code, cls.name, f"{type(exc).__name__}: {exc}", traceback.format_exc())
            )
            continue
        result.ran.append(cls.code)
        result.findings.extend(found)
    result.findings.sort(key=_order)
    return result


__all__ = [
    "Context", "CrashedDetector", "DetectionResult", "Detector", "Finding", "Params",
    "Severity", "SkippedDetector", "Span", "get", "registry", "run_detectors", "selected",
]
