"""Analysis: a Run, the findings the detectors made on it, and the verdict.

Reporters render an :class:`Analysis` and nothing else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .checkpoints import checkpoint_extras
from .detectors import CrashedDetector, SkippedDetector, run_detectors
from .detectors.base import Finding, Severity

if TYPE_CHECKING:
    from .config import Config
    from .frame import Run

VERDICTS = ("healthy", "needs attention", "broken")


@dataclass
class Analysis:
    run: "Run"
    findings: list[Finding] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)
    skipped: list[SkippedDetector] = field(default_factory=list)
    crashed: list[CrashedDetector] = field(default_factory=list)
    #: other runs given for comparison (reference runs), analyzed the same way
    comparisons: list["Analysis"] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        """``broken`` with any error, ``needs attention`` with any warning, else ``healthy``."""
        worst = self.worst_severity
        if worst is None or worst < Severity.WARNING:
            return "healthy"
        return "broken" if worst >= Severity.ERROR else "needs attention"

    @property
    def worst_severity(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)

    @property
    def partial(self) -> bool:
        return self.run.partial

    @property
    def healthy_until(self) -> float | None:
        """The first step where a warning or error holds, when the run was fine before it."""
        starts = [
            f.span.start
            for f in self.findings
            if f.severity >= Severity.WARNING and f.span is not None
        ]
        if not starts or self.run.frame.empty:
            return None
        first = min(starts)
        return first if first > float(self.run.frame["step"].iloc[0]) else None

    def at_or_above(self, severity: Severity) -> list[Finding]:
        return [f for f in self.findings if f.severity >= severity]

    def to_dict(self) -> dict[str, Any]:
        from .report.machine import analysis_to_dict

        return analysis_to_dict(self)


def analyze(
    run: "Run | str | os.PathLike[str]",
    config: "Config | None" = None,
    **read_options: Any,
) -> Analysis:
    """Run every selected detector on ``run`` (a Run or a path to read)."""
    from .config import Config
    from .readers import load

    config = config or Config()
    if not hasattr(run, "frame"):
        opts = dict(read_options)
        opts.setdefault("loss_family", config.loss_family)
        opts.setdefault("extra_aliases", config.aliases)
        run = load(run, **opts)  # type: ignore[arg-type]
    elif config.loss_family:
        from .lossfamily import resolve_loss_family

        run.loss_family = resolve_loss_family(run, config.loss_family)  # type: ignore[union-attr]
    result = run_detectors(
        run,  # type: ignore[arg-type]
        select=config.select,
        ignore=config.ignore,
        params=config.params,
        severities=config.severity,
    )
    return Analysis(
        run=run,  # type: ignore[arg-type]
        findings=result.findings,
        ran=result.ran,
        skipped=result.skipped,
        crashed=result.crashed,
        extras=checkpoint_extras(run),  # type: ignore[arg-type]
    )
