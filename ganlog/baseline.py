"""``--baseline``: what got worse than a known-good run.

A run is compared detector by detector with the analysis of a baseline run
made under the same configuration. A detector's finding is a *regression* when

* ``new``: the detector fires now and did not fire on the baseline at all;
* ``earlier``: it fired on both, but now first holds clearly earlier in the run
  (more than ``tolerance`` of the baseline's step range before, so that noise
  in where a span starts does not count);
* ``more-severe``: it fired on both, now with a higher severity.

Everything else the detector says is "also in the baseline": known, not worse,
and with ``--baseline`` it does not fail a check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .detectors.base import Finding, Severity

if TYPE_CHECKING:
    from .analysis import Analysis

#: how much earlier (as a fraction of the baseline run's step range) counts as "earlier"
DEFAULT_TOLERANCE = 0.10

KINDS = ("new", "earlier", "more-severe")


@dataclass(frozen=True)
class Regression:
    """One detector that is worse now than on the baseline."""

    code: str
    name: str
    kind: str  # one of KINDS
    severity: Severity
    #: first step where it holds now / held on the baseline (None: whole run or never)
    now_start: float | None
    baseline_start: float | None
    baseline_severity: Severity | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "severity": self.severity.label,
            "now_start": _num(self.now_start),
            "baseline_start": _num(self.baseline_start),
            "baseline_severity": self.baseline_severity.label if self.baseline_severity else None,
            "message": self.message,
        }


@dataclass
class BaselineComparison:
    """A run against its baseline: the regressions, and what the baseline was."""

    baseline_name: str
    baseline_source: str
    regressions: list[Regression]

    def regressed(self, code: str) -> bool:
        return any(r.code == code for r in self.regressions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.baseline_name,
            "source": self.baseline_source,
            "regressions": [r.to_dict() for r in self.regressions],
        }


def _num(v: float | None) -> Any:
    if v is None:
        return None
    return int(v) if float(v).is_integer() else float(v)


def _first_start(findings: list[Finding]) -> float | None:
    starts = [f.span.start for f in findings if f.span is not None]
    return min(starts) if starts else None


def _step_range(analysis: "Analysis") -> float:
    df = analysis.run.frame
    if df.empty or "step" not in df.columns:
        return 0.0
    return float(df["step"].max() - df["step"].min())


def compare(
    current: "Analysis", baseline: "Analysis", *, tolerance: float = DEFAULT_TOLERANCE
) -> BaselineComparison:
    """The regressions of ``current`` against ``baseline`` (both analyzed with one config)."""
    by_code_now: dict[str, list[Finding]] = {}
    for f in current.findings:
        by_code_now.setdefault(f.code, []).append(f)
    by_code_base: dict[str, list[Finding]] = {}
    for f in baseline.findings:
        by_code_base.setdefault(f.code, []).append(f)

    slack = tolerance * _step_range(baseline)
    describe_now = current.run.describe_step
    describe_base = baseline.run.describe_step
    regressions: list[Regression] = []
    for code, now in by_code_now.items():
        worst_now = max(f.severity for f in now)
        start_now = _first_start(now)
        before = by_code_base.get(code)
        if not before:
            where = f" from {describe_now(start_now)}" if start_now is not None else ""
            regressions.append(Regression(
                code, now[0].name, "new", worst_now, start_now, None, None,
                f"{code} fires now{where} and did not fire on the baseline",
            ))
            continue
        worst_before = max(f.severity for f in before)
        start_before = _first_start(before)
        if start_now is not None and start_before is not None and start_now < start_before - slack:
            regressions.append(Regression(
                code, now[0].name, "earlier", worst_now, start_now, start_before, worst_before,
                f"{code} now holds from {describe_now(start_now)}, earlier than on the baseline, "
                f"where it held from {describe_base(start_before)}",
            ))
        elif worst_now > worst_before:
            regressions.append(Regression(
                code, now[0].name, "more-severe", worst_now, start_now, start_before, worst_before,
                f"{code} is now {worst_now.label}, on the baseline it was {worst_before.label}",
            ))
    regressions.sort(key=lambda r: (-int(r.severity), r.code))
    return BaselineComparison(baseline.run.name, baseline.run.source, regressions)
