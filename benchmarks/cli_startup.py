"""Whole-process time of the commands a new user runs first, against `python -c pass`.

    python benchmarks/cli_startup.py [--repeat 7] [--json]

Times, as separate processes and interleaved (so a busy machine slows every
command alike): ``python -c pass`` (the interpreter's own start, the
baseline), ``ganlog --help``, ``ganlog analyze sample_logs/forum_bce.log``
(31 records, terminal output only) and, for scale, the same with ``--html``.
Reports the median CPU time (user + system, from ``getrusage`` of the child:
on a shared 2-core machine wall time is mostly waiting for a core) and the
median wall time of each. Targets: analyze under 1 s of CPU, --help under 0.3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_logs" / "forum_bce.log"
TARGETS = {"ganlog analyze": 1.0, "ganlog --help": 0.3}


def commands(tmp: Path) -> dict[str, list[str]]:
    py = sys.executable
    return {
        "python -c pass": [py, "-c", "pass"],
        "ganlog --help": [py, "-m", "ganlog", "--help"],
        "ganlog analyze": [py, "-m", "ganlog", "analyze", str(SAMPLE)],
        "ganlog analyze --html": [py, "-m", "ganlog", "analyze", str(SAMPLE), "--html", str(tmp / "r.html")],
    }


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("FORCE_COLOR", None)
    with tempfile.TemporaryDirectory() as tmp:
        cmds = commands(Path(tmp))
        for cmd in cmds.values():  # warm the file cache and .pyc files
            run_once(cmd, env)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in cmds}
        for _ in range(args.repeat):  # interleaved: each round runs every command once
            for name, cmd in cmds.items():
                times[name].append(run_once(cmd, env))
    result = {}
    for name, samples in times.items():
        cpu = statistics.median(c for c, _ in samples)
        wall = statistics.median(w for _, w in samples)
        result[name] = {"cpu_s": round(cpu, 3), "wall_s": round(wall, 3)}
    base = result["python -c pass"]["cpu_s"]
    if args.json:
        print(json.dumps({"repeat": args.repeat, "results": result, "targets_cpu_s": TARGETS}, indent=2))
    else:
        print(f"median of {args.repeat} interleaved runs; CPU = user + system of the whole process")
        for name, r in result.items():
            target = TARGETS.get(name)
            verdict = "" if target is None else ("  ok" if r["cpu_s"] < target else "  OVER") + f" (target < {target} s)"
            extra = "" if name == "python -c pass" else f"  (+{r['cpu_s'] - base:.2f} s over the interpreter)"
            print(f"{name:<24} CPU {r['cpu_s']:.3f} s  wall {r['wall_s']:.3f} s{extra}{verdict}")
    if any(result[n]["cpu_s"] >= t for n, t in TARGETS.items()):
        sys.exit(1)


if __name__ == "__main__":
    main()
