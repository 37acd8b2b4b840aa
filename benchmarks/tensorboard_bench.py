"""Event-file and .npy reading speed and memory: ganlog against tbparse and np.load.

Targets (issue 5): a 1,000,000-event file (4 scalar tags x 250,000 steps,
written by tensorboardX) read at least 5x faster than tbparse's
``SummaryReader``, with no more peak memory; a 10,000,000-element ``.npy``
loaded at the speed of ``np.load``.

Usage::

    python benchmarks/tensorboard_bench.py [--steps 250000] [--repeat 3] [--cache /tmp/ganlog_bench]

Each reader runs in a fresh subprocess, so its peak memory (``ru_maxrss``) is
its own (VmHWM): reported whole-process and as the increase over the same process
after its imports. Times are the read alone (imports, and one-time lazy imports
through a first read of a tiny file of the same kind, excluded), median of
``--repeat`` runs; both readers must return every point. The event file is
written once with tensorboardX and cached (writing it takes about a minute).
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
    base = rss(); t = time.perf_counter()
    run = load_runs(path)[0]
    dt = time.perf_counter() - t
    n = int(run.frame[[c for c in run.metrics if c != "wall_time"]].notna().sum().sum())
elif kind == "tbparse":
    import numpy, pandas
    from tbparse import SummaryReader
    SummaryReader(warm, pivot=False).scalars
    base = rss(); t = time.perf_counter()
    df = SummaryReader(path, pivot=False).scalars
    dt = time.perf_counter() - t
    n = len(df)
elif kind == "np.load":
    import numpy as np
    np.load(warm)
    base = rss(); t = time.perf_counter()
    a = np.load(path)
    dt = time.perf_counter() - t
    n = a.size
elif kind == "ganlog-npy":
    import numpy, pandas
    from ganlog.readers import load_runs
    load_runs(warm)
    base = rss(); t = time.perf_counter()
    run = load_runs(path)[0]
    dt = time.perf_counter() - t
    n = int(run.frame["loss_d"].notna().sum())
print(json.dumps({{"seconds": dt, "points": n, "peak_mb": rss(), "peak_increase_mb": rss() - base}}))
"""


def write_events(cache: Path, steps: int) -> Path:
    d = cache / f"tb_{steps}"
    files = sorted(d.glob("events.out.tfevents.*"))
    if files:
        return files[0]
    import numpy as np
    from tensorboardX import SummaryWriter

    print(f"writing {steps * len(TAGS):,} events with tensorboardX into {d} (once) ...", file=sys.stderr)
    rng = np.random.default_rng(0)
    vals = rng.random((steps, len(TAGS)))
    w = SummaryWriter(str(d), flush_secs=3600, max_queue=10_000)
    for s in range(steps):
        for k, tag in enumerate(TAGS):
            w.add_scalar(tag, float(vals[s, k]), s)
    w.close()
    return sorted(d.glob("events.out.tfevents.*"))[0]


def write_npy(cache: Path, n: int) -> Path:
    p = cache / f"npy_{n}" / "d_loss.npy"
    if not p.exists():
        import numpy as np

        p.parent.mkdir(parents=True, exist_ok=True)
        np.save(p, np.random.default_rng(0).random(n))
    return p


def measure(kind: str, path: Path, warm: Path, repeat: int) -> dict[str, float]:
    """Median read time in fresh processes; each first reads ``warm`` (a tiny file of the same
    kind) so that one-time lazy imports are not counted against either side."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", _CHILD.format(repo=str(REPO)), kind, str(path), str(warm)],
                             capture_output=True, text=True)
        if out.returncode:
            sys.exit(f"{kind} failed on {path}:\n{out.stderr}")
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "points": runs[0]["points"],
        "peak_mb": max(r["peak_mb"] for r in runs),
        "peak_increase_mb": max(r["peak_increase_mb"] for r in runs),
    }


def line(name: str, r: dict[str, float]) -> str:
    return (f"  {name:<10} {r['seconds']:8.2f} s   {int(r['points']):>10,} points   "
            f"peak {r['peak_mb']:7.0f} MB (+{r['peak_increase_mb']:.0f} MB over imports)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=250_000)
    ap.add_argument("--npy", type=int, default=10_000_000, help="elements in the .npy benchmark")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tbparse-repeat", type=int, default=1, help="tbparse is slow: 1 run by default")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/ganlog_bench"))
    args = ap.parse_args()

    ev = write_events(args.cache, args.steps)
    ev_warm = write_events(args.cache, 10)
    import os

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (timings are noisy when busy)")
    print(f"event file: {ev} ({ev.stat().st_size / 1e6:.1f} MB, {args.steps * len(TAGS):,} events)")
    g = measure("ganlog", ev, ev_warm, args.repeat)
    t = measure("tbparse", ev, ev_warm, args.tbparse_repeat)
    print(line("ganlog", g))
    print(line("tbparse", t))
    print(f"  speed-up {t['seconds'] / g['seconds']:.1f}x (target >= 5x); peak memory ganlog/tbparse "
          f"{g['peak_mb'] / t['peak_mb']:.2f} (target <= 1)")
    if g["points"] != t["points"]:
        print(f"  WARNING: point counts differ ({int(g['points']):,} vs {int(t['points']):,})")

    npy = write_npy(args.cache, args.npy)
    npy_warm = write_npy(args.cache, 10)
    print(f"\n.npy file: {npy} ({npy.stat().st_size / 1e6:.0f} MB, {args.npy:,} float64)")
    a = measure("np.load", npy, npy_warm, args.repeat)
    b = measure("ganlog-npy", npy, npy_warm, args.repeat)
    print(line("np.load", a))
    print(line("ganlog", b))
    print(f"  ganlog / np.load time {b['seconds'] / a['seconds']:.1f}x "
          f"(ganlog also builds the Run: step, segment, loss family)")


if __name__ == "__main__":
    main()
