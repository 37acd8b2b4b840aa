"""All detectors on a 1,000,000-record run, timed against the parse of the same run.

Target (issue 3): every detector together under 3 s on the 2-core dev machine.
The parse of the same log is timed in the same process for scale, so the
numbers can be compared across machines.

Usage::

    python benchmarks/detectors_bench.py [--records 1000000] [--repeat 3] [--keep PATH]

The log is the PyTorch DCGAN example's format (every canonical column the
detectors read: losses, D(x), D(G(z)) a / b), a healthy first half and a
D collapse with a frozen D in the second, so the detectors that search for
runs, periods and change points all have work to do. Timings are the median of
``--repeat`` runs; per-detector times are printed too.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def write_log(path: Path, n: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    half = n // 2
    dx = np.clip(1 / (1 + np.exp(-(0.35 + rng.normal(0, 0.25, n)))), 0.3, 0.8)
    g1 = np.clip(1 / (1 + np.exp(-(-0.25 + rng.normal(0, 0.25, n)))), 0.2, 0.75)
    g2 = g1 * (1 - rng.uniform(0.03, 0.2, n))
    dx[half:] = 1 - np.exp(rng.normal(-9, 1, n - half))
    g1[half:] = 1 / (1 + np.exp(-rng.normal(-2.8, 0.25, n - half)))
    g2[half:] = g1[half:]
    d = (-np.log(dx) - np.log1p(-g1)) * (1 + np.abs(rng.normal(0.04, 0.03, n)))
    g = -np.log(g2) * (1 + np.abs(rng.normal(0.04, 0.03, n)))
    epochs = 25
    per = math.ceil(n / epochs)
    idx = np.arange(n)
    ep, it = idx // per, idx % per
    with path.open("w") as fh:
        chunk = 100_000
        for a in range(0, n, chunk):
            b = min(n, a + chunk)
            fh.write("".join(
                f"[{ep[i]}/{epochs}][{it[i]}/{per}]\tLoss_D: {d[i]:.4f}\tLoss_G: {g[i]:.4f}\t"
                f"D(x): {dx[i]:.4f}\tD(G(z)): {g1[i]:.4f} / {g2[i]:.4f}\n"
                for i in range(a, b)
            ))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="write the log here (and reuse it if present)")
    args = ap.parse_args()

    import ganlog
    from ganlog.detectors import Context, registry, run_detectors

    tmp = tempfile.TemporaryDirectory()
    path = args.keep or Path(tmp.name) / "bench_dcgan.log"
    if not path.exists():
        t = time.perf_counter()
        write_log(path, args.records)
        print(f"wrote {args.records:,} records ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")

    parse_times, detect_times, detect_cpu = [], [], []
    run = None
    for _ in range(args.repeat):
        t = time.perf_counter()
        run = ganlog.load(path)
        parse_times.append(time.perf_counter() - t)
        t, c = time.perf_counter(), time.process_time()
        result = run_detectors(run)
        detect_times.append(time.perf_counter() - t)
        detect_cpu.append(time.process_time() - c)
    assert run is not None
    print(f"records parsed: {len(run.frame):,}; loss family {run.loss_family.name}")
    print(f"findings: {sorted({f.code for f in result.findings})}; crashed: {[c.code for c in result.crashed]}")
    print(f"parse (ganlog.load)     median {statistics.median(parse_times):6.2f} s  of {parse_times}")
    print(f"all detectors           median {statistics.median(detect_times):6.2f} s wall, "
          f"{statistics.median(detect_cpu):6.2f} s CPU  (target < 3 s at 1M, linear in n)")

    # per detector, each with a fresh context (shared caches built by the first user count there)
    ctx = Context(run)
    for code, cls in registry().items():
        det = cls()
        t, c = time.perf_counter(), time.process_time()
        if det.skip_reason(ctx) is None:
            list(det.detect(ctx))
        print(f"  {code} {cls.name:26s} {time.perf_counter() - t:6.3f} s wall {time.process_time() - c:6.3f} s CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
