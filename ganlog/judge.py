"""Judging analyses for CI: which findings fail a check, and the exit code.

Detectors measure and grade (info / warning / error); ``ganlog check`` judges
the grades against ``--fail-on``. With a baseline, only regressions (see
:mod:`ganlog.baseline`) can fail a run: a known symptom the baseline also had
is reported, not failed. The machine reporters render a :class:`CheckResult`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .detectors.base import Finding, Severity

if TYPE_CHECKING:
    from .analysis import Analysis
    from .baseline import BaselineComparison

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


@dataclass
class RunJudgement:
    analysis: "Analysis"
    fail_on: Severity
    baseline: "BaselineComparison | None" = None
    #: an INCONCLUSIVE verdict (the core checks could not run) fails the check too
    fail_on_inconclusive: bool = False

    def counts_against(self, finding: Finding) -> bool:
        """True when this finding fails the check."""
        if finding.severity < self.fail_on:
            return False
        return self.baseline is None or self.baseline.regressed(finding.code)

    def in_baseline(self, finding: Finding) -> bool:
        """True when a baseline was given and this finding is not worse than it."""
        return self.baseline is not None and not self.baseline.regressed(finding.code)

    @property
    def input_errors(self) -> list[str]:
        """Damage the reader met (a truncated or corrupted file): what was readable is judged,
        and the check exits 2."""
        return [str(e) for e in self.analysis.run.meta.get("input_errors", ())]

    @property
    def failing(self) -> list[Finding]:
        return [f for f in self.analysis.findings if self.counts_against(f)]

    @property
    def fails_inconclusive(self) -> bool:
        """True when the run's verdict is INCONCLUSIVE and that fails the check."""
        return self.fail_on_inconclusive and self.analysis.verdict == "inconclusive"

    @property
    def passed(self) -> bool:
        return not self.failing and not self.fails_inconclusive

    @property
    def name(self) -> str:
        return self.analysis.run.name


@dataclass
class CheckResult:
    runs: list[RunJudgement]
    fail_on: Severity
    exit_zero: bool = False
    notes: list[str] = field(default_factory=list)
    fail_on_inconclusive: bool = False

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.runs)

    @property
    def input_errors(self) -> list[str]:
        return [e for r in self.runs for e in r.input_errors]

    @property
    def exit_code(self) -> int:
        """2 when an input was damaged (whatever --exit-zero says), else 1 on failing findings."""
        if self.input_errors:
            return EXIT_ERROR
        return EXIT_OK if self.passed or self.exit_zero else EXIT_FINDINGS

    def counts(self) -> dict[str, int]:
        out = {s.label: 0 for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)}
        for r in self.runs:
            for f in r.analysis.findings:
                out[f.severity.label] += 1
        return out

    def summary_line(self) -> str:
        """One line for stderr and the end of the text output."""
        n = len(self.runs)
        failed = [r for r in self.runs if not r.passed]
        c = self.counts()
        found = ", ".join(f"{v} {k}{'s' if v != 1 else ''}" for k, v in c.items() if v) or "no findings"
        state = "FAILED" if failed else "passed"
        text = (
            f"ganlog check {state}: {len(failed)} of {n} run{'s' if n != 1 else ''} "
            f"with findings at or above {self.fail_on.label}"
        )
        if self.fail_on_inconclusive:
            text += " or an inconclusive verdict"
        if any(r.baseline is not None for r in self.runs):
            text += " that the baseline did not have"
        inconclusive = sum(1 for r in self.runs if r.analysis.verdict == "inconclusive")
        if inconclusive:
            found += f"; {inconclusive} inconclusive"
        text += f" ({found})"
        errors = self.input_errors
        if errors:
            text += f"; {len(errors)} input error{'s' if len(errors) != 1 else ''}: exit 2"
        elif failed and self.exit_zero:
            text += "; --exit-zero: exit 0"
        return text + "."


def judge(
    analyses: "list[Analysis]",
    fail_on: Severity,
    *,
    baselines: "list[BaselineComparison | None] | None" = None,
    exit_zero: bool = False,
    fail_on_inconclusive: bool = False,
) -> CheckResult:
    baselines = baselines or [None] * len(analyses)
    return CheckResult(
        runs=[RunJudgement(a, fail_on, b, fail_on_inconclusive) for a, b in zip(analyses, baselines)],
        fail_on=fail_on,
        exit_zero=exit_zero,
        fail_on_inconclusive=fail_on_inconclusive,
    )
