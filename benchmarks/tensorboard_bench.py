"""Event-file and .npy reading speed and memory: ganlog against tbparse and np.load.

Targets (issue 14): a 1,000,000-event file (4 scalar tags x 250,000 steps) read at
least 20x faster than tbparse's ``SummaryReader`` and than tensorboard's
``EventAccumulator`` with no sampling (``size_guidance`` 0), with no more peak
memory than either; 10,000,000 events measured (``--steps 250000,2500000``); a
10,000,000-element ``.npy`` within 2x of ``np.load`` plus building the DataFrame.

Usage::

    python benchmarks/tensorboard_bench.py [--steps 250000[,2500000]] [--repeat 3]
        [--baseline-python /tmp/tbvenv/bin/python] [--cache /tmp/ganlog_bench]

``--baseline-python``: an interpreter with tbparse and tensorboard installed (a
throwaway venv: ``python -m venv /tmp/tbvenv && /tmp/tbvenv/bin/pip install tbparse
tensorboard``); tbparse and EventAccumulator run there, ganlog in this one.

Each reader runs in a fresh subprocess, so its peak memory (``ru_maxrss``) is
its own (VmHWM): reported whole-process and as the increase over the same process
after its imports. Times are the read alone (imports, and one-time lazy imports
through a first read of a tiny file of the same kind, excluded), median of
``--repeat`` runs, and the whole process's CPU time (imports included); all readers
must return every point. The event file is written once by ``evwrite.py`` (what
tensorboardX writes, 20x faster; ``python benchmarks/evwrite.py --check``) and cached.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TAGS = ("Loss/D", "Loss/G", "D(x)", "D(G(z))")

_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {repo!r})
kind, path, warm = sys.argv[1], sys.argv[2], sys.argv[3]
def rss():
    # VmHWM: this process's peak resident memory. (ru_maxrss would carry the parent's
    # peak across fork+exec on Linux.)
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
if kind == "ganlog":
    import numpy, pandas
    from ganlog.readers import load_runs
    load_runs(warm)
    base = rss(); t = time.perf_counter(); c = time.process_time()
    run = load_runs(path)[0]
    dt = time.perf_counter() - t
    n = int(run.frame[[c for c in run.metrics if c != "wall_time"]].notna().sum().sum())
elif kind == "tbparse":
    import numpy, pandas
    from tbparse import SummaryReader
    SummaryReader(warm, pivot=False).scalars
    base = rss(); t = time.perf_counter(); c = time.process_time()
    df = SummaryReader(path, pivot=False).scalars
    dt = time.perf_counter() - t
    n = len(df)
elif kind == "accumulator":
    import numpy
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    def acc(p):
        ea = EventAccumulator(p, size_guidance={{"scalars": 0}})  # 0: keep every point
        ea.Reload()
        return sum(len(ea.Scalars(t)) for t in ea.Tags()["scalars"])
    acc(warm)
    base = rss(); t = time.perf_counter(); c = time.process_time()
    n = acc(path)
    dt = time.perf_counter() - t
elif kind == "np.load":
    import numpy as np
    np.load(warm)
    base = rss(); t = time.perf_counter(); c = time.process_time()
    a = np.load(path)
    dt = time.perf_counter() - t
    n = a.size
elif kind == "np.load+frame":
    import numpy as np, pandas as pd
    np.load(warm)
    base = rss(); t = time.perf_counter(); c = time.process_time()
    a = np.load(path)
    df = pd.DataFrame({{"step": np.arange(len(a)), "loss_d": a}})
    dt = time.perf_counter() - t
    n = a.size
elif kind == "ganlog-npy":
    import numpy, pandas
    from ganlog.readers import load_runs
    load_runs(warm)
    base = rss(); t = time.perf_counter(); c = time.process_time()
    run = load_runs(path)[0]
    dt = time.perf_counter() - t
    n = int(run.frame["loss_d"].notna().sum())
cpu = time.process_time() - c
print(json.dumps({{"seconds": dt, "cpu": cpu, "points": n, "peak_mb": rss(), "peak_increase_mb": rss() - base,
                  "process_cpu": time.process_time()}}))
"""


def write_events(cache: Path, steps: int) -> Path:
    d = cache / f"tb_{steps}"
    files = sorted(d.glob("events.out.tfevents.*"))
    if files:
        return files[0]
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from evwrite import write_events as fast_write

    print(f"writing {steps * len(TAGS):,} events into {d} (once) ...", file=sys.stderr)
    return fast_write(d / "events.out.tfevents.1.bench", steps, TAGS)


def write_npy(cache: Path, n: int) -> Path:
    p = cache / f"npy_{n}" / "d_loss.npy"
    if not p.exists():
        import numpy as np

        p.parent.mkdir(parents=True, exist_ok=True)
        np.save(p, np.random.default_rng(0).random(n))
    return p


def measure(kind: str, path: Path, warm: Path, repeat: int, python: str = sys.executable) -> dict[str, float]:
    """Median read time in fresh processes; each first reads ``warm`` (a tiny file of the same
    kind) so that one-time lazy imports are not counted against either side."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run([python, "-c", _CHILD.format(repo=str(REPO)), kind, str(path), str(warm)],
                             capture_output=True, text=True)
        if out.returncode:
            sys.exit(f"{kind} failed on {path}:\n{out.stderr}")
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "cpu": statistics.median(r["cpu"] for r in runs),
        "points": runs[0]["points"],
        "peak_mb": max(r["peak_mb"] for r in runs),
        "peak_increase_mb": max(r["peak_increase_mb"] for r in runs),
        "process_cpu": statistics.median(r["process_cpu"] for r in runs),
    }


def line(name: str, r: dict[str, float]) -> str:
    return (f"  {name:<13} read {r['seconds']:7.2f} s wall {r['cpu']:7.2f} s CPU, {r['process_cpu']:7.2f} s process CPU  "
            f"{int(r['points']):>11,} points   "
            f"peak {r['peak_mb']:7.0f} MB (+{r['peak_increase_mb']:.0f} MB over imports)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", default="250000", help="comma-separated steps (x 4 tags = events)")
    ap.add_argument("--npy", type=int, default=10_000_000, help="elements in the .npy benchmark")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tbparse-repeat", type=int, default=1, help="tbparse is slow: 1 run by default")
    ap.add_argument("--baseline-python", default=sys.executable,
                    help="interpreter with tbparse and tensorboard (EventAccumulator) installed")
    ap.add_argument("--no-accumulator", action="store_true")
    ap.add_argument("--baseline-max-steps", type=int, default=0,
                    help="run the baselines only up to this many steps (0: all; tbparse takes minutes per 10M)")
    ap.add_argument("--no-npy", action="store_true")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/ganlog_bench"))
    args = ap.parse_args()

    ev_warm = write_events(args.cache, 10)
    import os

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (timings are noisy when busy)")
    for steps in (int(x) for x in args.steps.split(",")):
        ev = write_events(args.cache, steps)
        print(f"event file: {ev} ({ev.stat().st_size / 1e6:.1f} MB, {steps * len(TAGS):,} events)")
        g = measure("ganlog", ev, ev_warm, args.repeat if steps <= 250_000 else 1)
        print(line("ganlog", g), flush=True)
        if args.baseline_max_steps and steps > args.baseline_max_steps:
            continue
        bases = [("tbparse", measure("tbparse", ev, ev_warm, args.tbparse_repeat, args.baseline_python))]
        print(line("tbparse", bases[-1][1]), flush=True)
        if not args.no_accumulator:
            bases.append(("accumulator", measure("accumulator", ev, ev_warm, args.tbparse_repeat,
                                                 args.baseline_python)))
            print(line("accumulator", bases[-1][1]), flush=True)
        for name, t in bases:
            print(f"  vs {name}: read {t['cpu'] / g['cpu']:.1f}x less CPU ({t['seconds'] / g['seconds']:.1f}x wall), whole process "
                  f"{t['process_cpu'] / g['process_cpu']:.1f}x less CPU (target >= 20x); peak memory "
                  f"ganlog/{name} {g['peak_mb'] / t['peak_mb']:.2f} (target <= 1)")
            if g["points"] != t["points"]:
                print(f"  WARNING: point counts differ ({int(g['points']):,} vs {int(t['points']):,})")
    if args.no_npy:
        return

    npy = write_npy(args.cache, args.npy)
    npy_warm = write_npy(args.cache, 10)
    print(f"\n.npy file: {npy} ({npy.stat().st_size / 1e6:.0f} MB, {args.npy:,} float64)")
    a = measure("np.load", npy, npy_warm, args.repeat)
    f = measure("np.load+frame", npy, npy_warm, args.repeat)
    b = measure("ganlog-npy", npy, npy_warm, args.repeat)
    print(line("np.load", a))
    print(line("np.load+frame", f))
    print(line("ganlog", b))
    print(f"  ganlog / (np.load + DataFrame): read {b['cpu'] / f['cpu']:.1f}x CPU ({b['seconds'] / f['seconds']:.1f}x wall), whole process CPU "
          f"{b['process_cpu'] / f['process_cpu']:.1f}x (target <= 2x; ganlog also builds the Run: "
          f"step, segment, loss family)")


if __name__ == "__main__":
    main()
