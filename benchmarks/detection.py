"""Detection benchmark: every trainer scenario x several seeds, scored against ground truth.

Each scenario is trained with the reference trainer (``ganlog.trainer``),
written in every format, read back with ``ganlog.load`` and analyzed with the
default configuration. The scenario's manifest is the label:

* a failure run must trigger its expected codes (recall per code),
* no run may trigger its must-not codes (precision per code counts those),
* a healthy run must raise no warning or error at all (false alarms),
* for failures with a known onset, how many steps after the trainer's ground
  truth the detector's first span begins (negative: before the onset).

Targets (issue 6): recall >= 0.9 per code; no warning or error on a healthy run.
Runs on CPU or GPU unchanged (``--device``). Usage::

    python benchmarks/detection.py                    # 5 seeds, every scenario, 2 workers
    python benchmarks/detection.py --seeds 2 --scenario gated-d --scenario healthy-bce
    python benchmarks/detection.py --source log       # analyze train.log instead of metrics.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ALARM = 2  # Severity.WARNING


def one_run(job: tuple[str, int, str, str, str, int | None, bool]) -> dict:
    """Train one scenario/seed, analyze the chosen file, return what fired."""
    name, seed, out_root, device, source, steps, infer_family = job
    import ganlog
    from ganlog.trainer import run_scenario

    out = Path(out_root) / f"{name}-s{seed}"
    t0 = time.perf_counter()
    res = run_scenario(name, out, seed=seed, device=device, threads=1, steps=steps)
    train_s = time.perf_counter() - t0
    path = out / res.manifest["files"]["jsonl" if source == "jsonl" else "log"]
    t1 = time.perf_counter()
    family = None if infer_family else res.manifest.get("loss_family")
    analysis = ganlog.analyze(path, loss_family=family)
    analyze_s = time.perf_counter() - t1
    findings = [
        {"code": f.code, "severity": int(f.severity), "start": f.span.start if f.span else None,
         "message": f.message}
        for f in analysis.findings
    ]
    return {
        "scenario": name, "seed": seed, "kind": res.manifest["kind"],
        "expected": res.manifest["expected_codes"], "must_not": res.manifest["must_not_codes"],
        "onset": res.manifest["onset"]["step"], "findings": findings, "family": analysis.run.loss_family.name,
        "crashed": [c.code for c in analysis.crashed], "train_s": train_s, "analyze_s": analyze_s,
        "steps_per_s": res.result.steps_per_s,
    }


def score(results: list[dict]) -> dict:
    per_code: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fn": 0, "fp": 0})
    leads: dict[str, list[float]] = defaultdict(list)
    misses: list[str] = []
    false_alarms: list[str] = []
    healthy_alarms: list[str] = []
    for r in results:
        fired = {}
        for f in r["findings"]:
            if f["code"] not in fired or (f["start"] is not None and (fired[f["code"]]["start"] is None
                                                                     or f["start"] < fired[f["code"]]["start"])):
                fired[f["code"]] = f
        worst = {}
        for f in r["findings"]:
            if f["code"] not in worst or f["severity"] > worst[f["code"]]["severity"]:
                worst[f["code"]] = f
        tag = f"{r['scenario']} seed {r['seed']}"
        for code in r["expected"]:
            if code in fired:
                per_code[code]["tp"] += 1
                if r["onset"] is not None and fired[code]["start"] is not None:
                    leads[code].append(fired[code]["start"] - r["onset"])
            else:
                per_code[code]["fn"] += 1
                misses.append(f"{tag}: {code} not raised (raised: {', '.join(sorted(fired)) or 'nothing'})")
        for code in r["must_not"]:
            # An alarm is a warning or an error; an info note (a decaying cycle) is context.
            if code in worst and worst[code]["severity"] >= ALARM:
                per_code[code]["fp"] += 1
                false_alarms.append(f"{tag}: {code} raised: {worst[code]['message']}")
        if r["kind"] == "healthy":
            for f in r["findings"]:
                if f["severity"] >= ALARM:
                    healthy_alarms.append(f"{tag}: {f['code']} ({'warning' if f['severity'] == 2 else 'error'}): "
                                          f"{f['message']}")
    return {"per_code": dict(per_code), "leads": dict(leads), "misses": misses,
            "false_alarms": false_alarms, "healthy_alarms": healthy_alarms}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--scenario", action="append", help="only this scenario (repeatable)")
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--source", default="jsonl", choices=["jsonl", "log"],
                    help="which written file to analyze (jsonl has every logged column)")
    ap.add_argument("--steps", type=int, default=None, help="override every scenario's steps (quick runs)")
    ap.add_argument("--infer-family", action="store_true",
                    help="let ganlog infer the loss family instead of telling it the trainer's (as a user would)")
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--out", default=None, help="keep the runs here (default: a temporary directory)")
    ap.add_argument("--json", default=None, help="write the raw results and scores to this file")
    args = ap.parse_args(argv)

    from ganlog.trainer.scenarios import SCENARIOS

    names = args.scenario or list(SCENARIOS)
    tmp = None
    if args.out:
        out_root = args.out
        Path(out_root).mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="ganlog-detect-")
        out_root = tmp.name
    jobs = [(n, s, out_root, args.device, args.source, args.steps, args.infer_family) for n in names for s in range(args.seeds)]
    t0 = time.perf_counter()
    if args.workers > 1 and args.device != "cuda":
        with ProcessPoolExecutor(args.workers) as pool:
            results = list(pool.map(one_run, jobs))
    else:
        results = [one_run(j) for j in jobs]
    wall = time.perf_counter() - t0
    sc = score(results)

    print(f"detection benchmark: {len(names)} scenarios x {args.seeds} seeds = {len(jobs)} runs, "
          f"analyzing {args.source}, {wall:.0f} s wall ({args.workers} workers)")
    print(f"{'code':<8}{'recall':>8}{'precision':>11}{'tp':>5}{'fn':>5}{'fp':>5}{'lead median':>13}  target")
    ok = True
    for code in sorted(sc["per_code"]):
        c = sc["per_code"][code]
        pos = c["tp"] + c["fn"]
        recall = c["tp"] / pos if pos else float("nan")
        prec = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else float("nan")
        lead = sc["leads"].get(code)
        lead_s = f"{statistics.median(lead):+.0f}" if lead else "-"
        met = "ok" if (not pos or recall >= 0.9) else "MISS"
        ok &= met == "ok"
        if pos or c["fp"]:
            print(f"{code:<8}{recall:>8.2f}{prec:>11.2f}{c['tp']:>5}{c['fn']:>5}{c['fp']:>5}{lead_s:>13}  {met}")
    print(f"healthy runs with a warning or error: {len({a.split(':')[0] for a in sc['healthy_alarms']})} "
          f"of {sum(r['kind'] == 'healthy' for r in results)}")
    for title, items in (("missed", sc["misses"]), ("false alarms (must-not codes)", sc["false_alarms"]),
                         ("healthy-run alarms", sc["healthy_alarms"])):
        if items:
            print(f"\n{title}:")
            for line in items:
                print(f"  {line}")
    crashed = [f"{r['scenario']} seed {r['seed']}: {', '.join(r['crashed'])}" for r in results if r["crashed"]]
    if crashed:
        print("\ndetectors that crashed:")
        for line in crashed:
            print(f"  {line}")
    train_total = sum(r["train_s"] for r in results)
    print(f"\ntraining {train_total:.0f} s, analysis {sum(r['analyze_s'] for r in results):.0f} s (summed over runs)")
    print("targets met" if ok and not sc["healthy_alarms"] else "targets NOT met")
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results, "score": sc}, indent=1, default=str))
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
