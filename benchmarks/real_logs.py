"""Real-log benchmark: read and judge every case of the real-log corpus against its labels.

The corpus (``tests/corpus``) holds GAN training logs found in public, each labelled
from the evidence of its thread or its numbers. For every case this prints what a
user would get (records read, roles mapped, the verdict, the codes raised) against
what the case says, and then, for the *tune* and *check* parts separately:

* label recall: labels answered by one of their codes at warning or above;
* failing runs flagged: unhealthy cases with at least one warning or error;
* healthy runs with a warning or error (must be 0);
* HEALTHY verdicts on a run whose D and G losses were not both read (must be 0);
* records and roles: cases read with the expected record count, roles mapped.

Targets (issue 11): recall >= 0.90, every failing run flagged, no healthy alarm,
no HEALTHY without D and G. Usage::

    python benchmarks/real_logs.py                 # every case, a table and the totals
    python benchmarks/real_logs.py --split tune    # only the tune part
    python benchmarks/real_logs.py --case ID -v    # one case, with its findings
    python benchmarks/real_logs.py --json out.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "corpus"))

from cases import LABEL_CODES, Case, load_cases, same_name  # noqa: E402

ALARM = 2  # Severity.WARNING


@dataclass
class CaseResult:
    id: str
    split: str
    healthy: bool
    labels: list[str]
    expected_records: int | None
    records: int | None = None
    error: str | None = None
    verdict: str = "unread"
    family: str = ""
    roles_expected: int = 0
    roles_mapped: int = 0
    roles_missing: list[str] = field(default_factory=list)
    dg_read: bool = False
    alarms: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)
    labels_hit: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def flagged(self) -> bool:
        return bool(self.alarms)


def _printed_names(run) -> dict[str, str]:
    """column -> the name the log printed, from the roles when decided, else the reader's map."""
    roles = getattr(run, "roles", None) or {}
    out = {col: getattr(role, "printed", None) or run.original_names.get(col, col) for col, role in roles.items()}
    for col in run.frame.columns:
        out.setdefault(col, run.original_names.get(col, col))
    return out


def _has_dg(run) -> bool:
    if run.has("loss_d", "loss_g"):
        return True
    pairs = (run.meta or {}).get("pairs") or {}
    return bool(pairs) and all(run.has(p.get("loss_d", ""), p.get("loss_g", "")) for p in pairs.values())


def judge_case(case: Case) -> CaseResult:
    import ganlog
    from ganlog.errors import GanlogError

    res = CaseResult(case.id, case.split, case.healthy, list(case.labels), case.records,
                     roles_expected=len(case.roles))
    t0 = time.perf_counter()
    try:
        runs = ganlog.load_runs(case.target)
    except GanlogError as exc:
        res.error = str(exc)
        res.seconds = time.perf_counter() - t0
        return res
    except Exception as exc:  # a crash is a result here, not the end of the benchmark
        res.error = f"CRASH {type(exc).__name__}: {exc}"
        res.seconds = time.perf_counter() - t0
        return res
    run = max(runs, key=lambda r: len(r.frame))
    res.records = len(run.frame)
    res.family = run.loss_family.name
    printed = _printed_names(run)
    for role, name in case.roles.items():
        col = next((c for c, p in printed.items() if same_name(p, name)), None)
        if role in run.frame.columns and same_name(printed.get(role, ""), name):
            res.roles_mapped += 1
        else:
            res.roles_missing.append(f"{role}={name!r} (got {col or 'nothing'})")
    res.dg_read = _has_dg(run)
    try:
        analysis = ganlog.analyze(run)
    except Exception as exc:
        res.error = f"CRASH in analyze {type(exc).__name__}: {exc}"
        res.seconds = time.perf_counter() - t0
        return res
    res.verdict = str(analysis.verdict).lower()
    for f in analysis.findings:
        (res.alarms if int(f.severity) >= ALARM else res.infos).append(f.code)
        res.messages.append(f"{f.code} {f.severity.label} {f.confidence:.2f}: {f.message}")
    for label in case.labels:
        if any(code in res.alarms for code in LABEL_CODES[label]):
            res.labels_hit.append(label)
    res.seconds = time.perf_counter() - t0
    return res


def totals(results: list[CaseResult]) -> dict[str, float | int | list[str]]:
    labels = sum(len(r.labels) for r in results)
    hit = sum(len(r.labels_hit) for r in results)
    failing = [r for r in results if not r.healthy]
    healthy = [r for r in results if r.healthy]
    per_label: dict[str, list[int]] = {}
    for r in results:
        for lab in r.labels:
            per_label.setdefault(lab, [0, 0])
            per_label[lab][1] += 1
            per_label[lab][0] += lab in r.labels_hit
    with_records = [r for r in results if r.expected_records is not None]
    return {
        "cases": len(results),
        "read": sum(r.error is None for r in results),
        "records_right": sum(r.records == r.expected_records for r in with_records),
        "records_expected": len(with_records),
        "roles_mapped": sum(r.roles_mapped for r in results),
        "roles_expected": sum(r.roles_expected for r in results),
        "dg_read": sum(r.dg_read for r in results),
        "labels": labels,
        "labels_hit": hit,
        "label_recall": hit / labels if labels else float("nan"),
        "per_label": {k: f"{v[0]}/{v[1]}" for k, v in sorted(per_label.items())},
        "failing": len(failing),
        "failing_flagged": sum(r.flagged for r in failing),
        "healthy": len(healthy),
        "healthy_alarmed": sum(r.flagged for r in healthy),
        "healthy_alarmed_ids": [r.id for r in healthy if r.flagged],
        "healthy_verdict_without_dg": sum(r.verdict == "healthy" and not r.dg_read for r in results),
        "unflagged_failing_ids": [r.id for r in failing if not r.flagged],
    }


def _fmt_totals(name: str, t: dict) -> list[str]:
    rec = t["label_recall"]
    return [
        f"{name}: {t['cases']} cases, {t['read']} read; records right {t['records_right']}/{t['records_expected']}; "
        f"roles mapped {t['roles_mapped']}/{t['roles_expected']}; D and G read {t['dg_read']}/{t['cases']}",
        f"  label recall {t['labels_hit']}/{t['labels']} = {rec:.2f} (target >= 0.90)   per label: "
        + ", ".join(f"{k} {v}" for k, v in t["per_label"].items()),
        f"  failing runs flagged {t['failing_flagged']}/{t['failing']} (target all)"
        + (f"   not flagged: {', '.join(t['unflagged_failing_ids'])}" if t["unflagged_failing_ids"] else ""),
        f"  healthy runs with a warning or error {t['healthy_alarmed']}/{t['healthy']} (target 0)"
        + (f"   {', '.join(t['healthy_alarmed_ids'])}" if t["healthy_alarmed_ids"] else ""),
        f"  HEALTHY verdicts without D and G read: {t['healthy_verdict_without_dg']} (target 0)",
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=["tune", "check", "all"], default="all")
    ap.add_argument("--case", action="append", help="only this case id (repeatable)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print each case's findings")
    ap.add_argument("--json", default=None, help="write per-case results and totals here")
    args = ap.parse_args(argv)

    cases = load_cases()
    if args.case:
        cases = [c for c in cases if c.id in set(args.case)]
    if args.split != "all":
        cases = [c for c in cases if c.split == args.split]
    t0 = time.perf_counter()
    results = [judge_case(c) for c in cases]
    wall = time.perf_counter() - t0

    print(f"{'case':<44}{'split':<6}{'rec':>9}  {'roles':>5}  {'verdict':<13}{'labels -> codes':<}")
    for r in results:
        rec = "err" if r.records is None else f"{r.records}/{r.expected_records}"
        roles = f"{r.roles_mapped}/{r.roles_expected}"
        want = ",".join(r.labels) or "healthy"
        got = ",".join(sorted(set(r.alarms))) or "-"
        mark = ""
        if r.healthy and r.flagged:
            mark = "  FALSE ALARM"
        elif not r.healthy and not r.flagged:
            mark = "  MISSED"
        elif set(r.labels) - set(r.labels_hit):
            mark = "  partial"
        print(f"{r.id[:43]:<44}{r.split:<6}{rec:>9}  {roles:>5}  {r.verdict:<13}{want} -> {got}{mark}")
        if r.error:
            print(f"    error: {r.error}")
        if args.verbose or r.roles_missing:
            for m in r.roles_missing:
                print(f"    role not mapped: {m}")
        if args.verbose:
            print(f"    family: {r.family}")
            for m in r.messages:
                print(f"    {m}")
    print()
    out = {"cases": [asdict(r) for r in results], "seconds": wall}
    for part in ("tune", "check"):
        sub = [r for r in results if r.split == part]
        if sub:
            t = totals(sub)
            out[part] = t
            print("\n".join(_fmt_totals(part, t)))
    t = totals(results)
    out["all"] = t
    print("\n".join(_fmt_totals("all", t)))
    print(f"\n{len(results)} cases in {wall:.1f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
