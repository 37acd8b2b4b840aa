"""Fleet benchmark: runs/s of ``ganlog sweep`` with 1 and 2 workers, against ``ganlog check`` per run.

Writes a generated fleet (tests/fleet/fleetgen.py: DCGAN prints, JSONL, CSV; healthy, D
collapse and NaN runs in hive-style folders), then times, on the same files:

1. check, one run after another in-process: what ``ganlog check RUN`` does for each run
   (read with check's collect_runs, analyze, judge), with no process start-up counted;
2. ``sweep(workers=1)``: the process pool with one worker (discovery, pickling, Parquet,
   no report), so the overhead of the sweep machinery shows against (1);
3. ``sweep(workers=2)``: the speed-up against (2);
4. a ``--since`` pass after 1% of the runs changed (a line appended to each).

    nice python benchmarks/fleet_bench.py [--runs 1000] [--records 10000]

Prints a JSON document and the Markdown rows the README quotes. The machine is shared:
run it when it is quiet, and read the numbers as of that machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))


def check_in_turn(root: Path, rels: list[str]) -> float:
    from ganlog.analysis import analyze
    from ganlog.cli.check import collect_runs
    from ganlog.config import load_config
    from ganlog.judge import judge

    config = load_config(None)
    for r in collect_runs([str(root / rels[0])], fmt=None, config=config):  # warm: imports not counted
        analyze(r, config)
    t0 = time.perf_counter()
    for rel in rels:
        runs = collect_runs([str(root / rel)], fmt=None, config=config)
        judge([analyze(r, config) for r in runs], config.fail_on)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--keep", default=None, help="write the fleet here and keep it")
    args = ap.parse_args()

    from fleet.fleetgen import write_fleet

    from ganlog.fleet.sweep import sweep

    work = Path(args.keep or tempfile.mkdtemp(prefix="ganlog-fleet-bench-"))
    root = work / "fleet"
    t0 = time.perf_counter()
    specs = write_fleet(root, args.runs, records=args.records, seed=7)
    gen_s = time.perf_counter() - t0
    size = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
    print(f"fleet: {args.runs} runs x {args.records} records, {size / 1e6:.0f} MB, written in {gen_s:.0f} s",
          file=sys.stderr)

    res: dict[str, object] = {"runs": args.runs, "records": args.records, "bytes": size,
                              "cpus": os.cpu_count(), "load_before": os.getloadavg()[0]}
    rels = [s.rel for s in specs]
    res["check_in_turn_s"] = check_in_turn(root, rels)
    print(f"check in turn: {res['check_in_turn_s']:.1f} s", file=sys.stderr)
    for w in (1, 2):
        t0 = time.perf_counter()
        out = sweep(str(root), work / f"out{w}", workers=w, report=False)
        res[f"sweep_{w}_s"] = time.perf_counter() - t0
        assert len(out.runs) == args.runs and not out.errors
        print(f"sweep, {w} worker(s): {res[f'sweep_{w}_s']:.1f} s", file=sys.stderr)
    changed = specs[: max(1, args.runs // 100)]
    for s in changed:
        p = root / s.rel / s.file
        with open(p, "a") as fh:
            fh.write({"dcgan": "[99/99][0/100]\tLoss_D: 1.0\tLoss_G: 1.0\tD(x): 0.5\tD(G(z)): 0.5 / 0.5\n",
                      "jsonl": '{"step": 999999, "loss_D": 1.0, "loss_G": 1.0, "D_x": 0.5}\n',
                      "csv": "999999,1.0,1.0\n"}[s.fmt])
    t0 = time.perf_counter()
    out = sweep(str(root), work / "since", workers=2, since=work / "out2", report=False)
    res["since_s"] = time.perf_counter() - t0
    res["since_analyzed"] = out.analyzed
    t0 = time.perf_counter()
    sweep(str(root), work / "report", workers=2, since=work / "since", report=True)
    res["since_with_report_s"] = time.perf_counter() - t0
    res["load_after"] = os.getloadavg()[0]
    n = args.runs
    res["check_runs_per_s"] = n / res["check_in_turn_s"]  # type: ignore[operator]
    res["sweep_1_runs_per_s"] = n / res["sweep_1_s"]  # type: ignore[operator]
    res["sweep_2_runs_per_s"] = n / res["sweep_2_s"]  # type: ignore[operator]
    res["speedup_2_vs_1"] = res["sweep_1_s"] / res["sweep_2_s"]  # type: ignore[operator]
    res["overhead_1_vs_check"] = res["sweep_1_s"] / res["check_in_turn_s"] - 1  # type: ignore[operator]
    print(json.dumps(res, indent=2))
    print(f"| check, one run after another (in-process) | {res['check_in_turn_s']:.0f} s | "
          f"{res['check_runs_per_s']:.2f} runs/s |")
    print(f"| sweep, 1 worker | {res['sweep_1_s']:.0f} s | {res['sweep_1_runs_per_s']:.2f} runs/s "
          f"({res['overhead_1_vs_check']:+.0%} vs check) |")
    print(f"| sweep, 2 workers | {res['sweep_2_s']:.0f} s | {res['sweep_2_runs_per_s']:.2f} runs/s "
          f"({res['speedup_2_vs_1']:.2f}x vs 1 worker) |")
    print(f"| sweep --since, {len(changed)} of {n} runs changed | {res['since_s']:.1f} s | "
          f"{out.analyzed} re-analyzed |")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
