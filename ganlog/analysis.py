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

#: the four verdicts, worst first. BROKEN: an error; DEGRADED: warnings only; HEALTHY: the core
#: checks ran on the D and G losses and found nothing; INCONCLUSIVE: they could not run.
VERDICTS = ("broken", "degraded", "inconclusive", "healthy")

#: the core checks: the D/G balance and the losses' gross failures, read on the D and G losses
CORE_CODES: tuple[str, ...] = ("GAN101", "GAN102", "GAN103", "GAN301", "GAN402")

#: records that must hold both losses before a run can be called healthy. Two records can
#: convict (a D loss printed 0.0000 twice with D(x) 1.0000 is decisive), but acquittal needs a
#: blip told apart from a state: with fewer than three records there is no "persisted" to see.
MIN_RECORDS_HEALTHY = 3


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
        """``broken`` with any error, ``degraded`` with warnings only; without either,
        ``healthy`` when the core checks ran on the D and G losses, else ``inconclusive``."""
        worst = self.worst_severity
        if worst is not None and worst >= Severity.ERROR:
            return "broken"
        if worst is not None and worst >= Severity.WARNING:
            return "degraded"
        return "inconclusive" if self.missing else "healthy"

    @property
    def missing(self) -> list[str]:
        """What kept the core checks from running (empty when they ran): plain phrases."""
        if "missing" not in self.extras:
            self.extras["missing"] = core_missing(self)
        return list(self.extras["missing"])

    @property
    def verdict_reason(self) -> str:
        """One plain sentence: why this verdict."""
        v = self.verdict
        if v in ("broken", "degraded"):
            sev = Severity.ERROR if v == "broken" else Severity.WARNING
            top = [f for f in self.findings if f.severity >= sev]
            first = top[0]
            n = len(top)
            what = "an error" if v == "broken" else "a warning"
            more = f" (and {n - 1} more {'error' if v == 'broken' else 'warning'}{'s' if n > 2 else ''})" \
                if n > 1 else ""
            tail = "" if v == "broken" else "; no error"
            return f"{what.capitalize()} was found: {first.code} {first.name}{more}{tail}."
        if v == "inconclusive":
            return "The core checks could not run: " + "; ".join(self.missing) + "."
        n = _both_losses_records(self)
        short = [s for s in self.skipped if s.code in CORE_CODES and s.reason.startswith("too short")]
        text = (f"The core checks ran on the D and G losses ({n:,} record{'s' if n != 1 else ''}) "
                f"and found no warning or error")
        if short:
            text += "; " + "; ".join(s.reason for s in short)
        return text + "."

    @property
    def verdict_remedies(self) -> list[str]:
        """For an INCONCLUSIVE verdict: the what-to-log cards (remedy ids), most useful first."""
        if self.verdict != "inconclusive":
            return []
        out = []
        text = " ".join(self.missing)
        if "loss" in text and "records" not in text:
            out.append("log-both-losses")
        if "records" in text:
            out.append("log-more-records")
        run = self.run
        if not (run.has("d_x") or run.has("d_g_z1")):
            out.append("log-d-outputs")
        if run.loss_family.name == "unknown":
            out.append("say-loss-family")
        return out

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

    def _repr_html_(self) -> str:
        """The HTML report in a notebook cell (an isolated frame: its CSS stays out of the notebook)."""
        from .report.html import notebook_frame

        return notebook_frame(self)

    def to_dict(self) -> dict[str, Any]:
        from .report.machine import analysis_to_dict

        return analysis_to_dict(self)


def _pairs(run: "Run") -> dict[str, dict[str, str]]:
    pairs = run.meta.get("pairs") if isinstance(getattr(run, "meta", None), dict) else None
    return pairs if isinstance(pairs, dict) else {}


def _both_losses_records(analysis: Analysis) -> int:
    """Records holding both the D and the G loss (the fewest over a two-domain run's pairs)."""
    import numpy as np

    run = analysis.run
    df = run.frame
    pairs = _pairs(run) or {"": {"loss_d": "loss_d", "loss_g": "loss_g"}}
    counts = []
    for cols in pairs.values():
        d, g = cols.get("loss_d", ""), cols.get("loss_g", "")
        if d not in df.columns or g not in df.columns:
            counts.append(0)
            continue
        dv = df[d].to_numpy(dtype=float, na_value=np.nan)
        gv = df[g].to_numpy(dtype=float, na_value=np.nan)
        counts.append(int(np.sum(np.isfinite(dv) & np.isfinite(gv))))
    if not counts:
        return 0
    if "loss_d" in df.columns and "loss_g" in df.columns and _pairs(run):
        dv = df["loss_d"].to_numpy(dtype=float, na_value=np.nan)
        gv = df["loss_g"].to_numpy(dtype=float, na_value=np.nan)
        counts.append(int(np.sum(np.isfinite(dv) & np.isfinite(gv))))
        return max(counts)
    return min(counts)


def core_missing(analysis: Analysis) -> list[str]:
    """Why the core checks could not run on this analysis (empty when they ran)."""
    run = analysis.run
    df = run.frame
    out: list[str] = []
    pairs = _pairs(run)
    if pairs and not (run.has("loss_d") and run.has("loss_g")):
        for name, cols in pairs.items():
            for role, label in (("loss_d", "D loss"), ("loss_g", "G loss")):
                col = cols.get(role)
                if not col or not run.has(col):
                    out.append(f"no {label} was identified for pair {name}")
    else:
        if not run.has("loss_d"):
            out.append("no D (discriminator) loss was identified in this log")
        if not run.has("loss_g"):
            out.append("no G (generator) loss was identified in this log")
    if out:
        return out
    n = _both_losses_records(analysis)
    if n < MIN_RECORDS_HEALTHY:
        out.append(f"only {n} record{'s' if n != 1 else ''} hold{'s' if n == 1 else ''} both the D and the G "
                   f"loss, too few to tell a state from a blip (at least {MIN_RECORDS_HEALTHY} needed)")
        return out
    ran_core = [c for c in analysis.ran if c in CORE_CODES]
    if not ran_core and len(df):
        reasons = sorted({s.reason for s in analysis.skipped if s.code in CORE_CODES})
        crashed = [c.code for c in analysis.crashed if c.code in CORE_CODES]
        why = "; ".join(reasons) if reasons else ("they crashed: " + ", ".join(crashed) if crashed else "")
        out.append("none of the core checks ran" + (f" ({why})" if why else ""))
    return out


def analyze(
    run: "Run | str | os.PathLike[str]",
    config: "Config | None" = None,
    **read_options: Any,
) -> Analysis:
    """Run every selected detector on ``run`` (a Run or a path to read)."""
    from .config import Config
    from .consolidate import tidy
    from .readers import load

    config = config or Config()
    if not hasattr(run, "frame"):
        opts = dict(read_options)
        opts.setdefault("loss_family", config.loss_family)
        opts.setdefault("extra_aliases", config.aliases)
        run = load(run, **opts)  # type: ignore[arg-type]
    else:  # a Run built some other way (Run.from_frame): decide its roles now, once
        from .roles import decide

        decide(run, config.aliases or None, config.loss_family)  # type: ignore[arg-type]
    result = run_detectors(
        run,  # type: ignore[arg-type]
        select=config.select,
        ignore=config.ignore,
        params=config.params,
        severities=config.severity,
    )
    return Analysis(
        run=run,  # type: ignore[arg-type]
        findings=tidy(result.findings, run),  # type: ignore[arg-type]
        ran=result.ran,
        skipped=result.skipped,
        crashed=result.crashed,
        extras=checkpoint_extras(run),  # type: ignore[arg-type]
    )
