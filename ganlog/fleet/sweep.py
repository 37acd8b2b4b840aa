"""``sweep()``: discover runs, analyze the changed ones in parallel, write tables and the fleet report.

Exit codes follow ``ganlog check``: 2 when any run could not be read (or was read only in
part, or its worker died), else 1 when more than ``max_failing_runs`` runs have findings
at or above ``--fail-on`` (0 with ``exit_zero``), else 0.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .discover import Root, discover
from .worker import Settings, analyze_unit, fail_on_label


@dataclass
class SweepResult:
    root: str
    out: Path
    runs: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    units: int
    analyzed: int
    carried: int
    seconds: float
    fail_on: str
    max_failing_runs: int = 0
    exit_zero: bool = False
    notes: list[str] = field(default_factory=list)
    reports: dict[str, str] = field(default_factory=dict)  #: run id -> per-run report file (relative to out)

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [r for r in self.runs if r.get("error")]

    @property
    def failing(self) -> list[dict[str, Any]]:
        return [r for r in self.runs if not r.get("passed")]

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        if len(self.failing) > self.max_failing_runs and not self.exit_zero:
            return 1
        return 0

    def summary_line(self) -> str:
        n = len(self.runs)
        state = "FAILED" if len(self.failing) > self.max_failing_runs else "passed"
        text = (f"ganlog sweep {state}: {len(self.failing)} of {n} run{'s' if n != 1 else ''} failing "
                f"(findings at or above {self.fail_on}, or unreadable)")
        if self.max_failing_runs:
            text += f", {self.max_failing_runs} allowed"
        text += f"; {self.analyzed} analyzed, {self.carried} carried forward, {self.seconds:.1f} s"
        if self.errors:
            text += f"; {len(self.errors)} unreadable: exit 2"
        elif len(self.failing) > self.max_failing_runs and self.exit_zero:
            text += "; --exit-zero: exit 0"
        return text + "."


def sweep(root: str, out: str | Path, *, settings: Settings | None = None, workers: int | None = None,
          dask: str | None = None, since: str | Path | None = None,
          storage_options: dict[str, Any] | None = None, report: bool = True, worst: int = 5,
          max_failing_runs: int = 0, exit_zero: bool = False,
          on_result: Callable[[dict], None] | None = None) -> SweepResult:
    from .engines import run_units
    from .tables import read_results, write_results

    t0 = time.perf_counter()
    settings = settings or Settings()
    fail_on_label(settings)  # a bad --fail-on is a usage error before any work
    out = Path(out)
    r = Root.parse(root, storage_options)
    units = discover(r)
    notes: list[str] = []

    carried_runs: list[dict[str, Any]] = []
    carried_findings: list[dict[str, Any]] = []
    todo = units
    if since is not None:
        prev_runs, prev_findings, manifest = read_results(Path(since))
        if manifest.get("settings") != settings.key() or manifest.get("root") != r.url:
            notes.append(f"--since {since}: its root or settings differ from this sweep's; every run re-analyzed")
        else:
            by_unit: dict[str, list[dict[str, Any]]] = {}
            for row in prev_runs:
                by_unit.setdefault(row["unit"], []).append(row)
            keep = {u.rel for u in units
                    if u.rel in by_unit and not any(row.get("error_kind") == "WorkerDied" for row in by_unit[u.rel])
                    and all(row["fingerprint"] == u.fingerprint for row in by_unit[u.rel])}
            todo = [u for u in units if u.rel not in keep]
            carried_runs = [row for row in prev_runs if row["unit"] in keep]
            carried_findings = [f for f in prev_findings if f["unit"] in keep]
            if settings.frames_dir:
                _carry_frames(Path(since) / "frames", Path(settings.frames_dir), carried_runs)

    if settings.frames_dir:
        Path(settings.frames_dir).mkdir(parents=True, exist_ok=True)
    new_runs: list[dict[str, Any]] = []
    new_findings: list[dict[str, Any]] = []

    def collect(res: dict[str, Any]) -> None:
        new_runs.extend(res["runs"])
        new_findings.extend(res["findings"])
        notes.extend(res.get("notes", ()))
        if on_result is not None:
            on_result(res)

    run_units(analyze_unit, r, todo, settings, workers=workers, dask=dask, on_result=collect)

    result = SweepResult(
        root=r.url, out=out, runs=carried_runs + new_runs, findings=carried_findings + new_findings,
        units=len(units), analyzed=len(todo), carried=len(units) - len(todo), seconds=0.0,
        fail_on=fail_on_label(settings), max_failing_runs=max_failing_runs, exit_zero=exit_zero, notes=notes,
    )
    manifest = {"root": r.url, "settings": settings.key(), "units": len(units), "analyzed": result.analyzed,
                "carried": result.carried, "runs": len(result.runs), "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "fail_on": result.fail_on, "notes": notes[:200]}
    write_results(out, result.runs, result.findings, manifest)
    result.seconds = time.perf_counter() - t0
    if report:
        from .report import write_reports

        write_reports(result, r, {u.rel: u for u in units}, settings, worst=worst)
    result.seconds = time.perf_counter() - t0
    return result


def _carry_frames(src: Path, dest: Path, rows: list[dict[str, Any]]) -> None:
    """Frames of carried runs come along when --since names another results folder."""
    if src.resolve() == dest.resolve():
        return
    dest.mkdir(parents=True, exist_ok=True)
    for row in rows:
        name = row.get("frame_file")
        if name and (src / name).is_file():
            shutil.copy2(src / name, dest / name)

