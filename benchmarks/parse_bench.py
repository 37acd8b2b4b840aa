"""Speed and memory of `ganlog parse` on million-record logs, against `grep -c` in the same run.

    python benchmarks/parse_bench.py [--records 1000000] [--repeat 3] [--dir /tmp/ganlog-bench]

Writes a 1,000,000-record log in the PyTorch DCGAN format and one in the forum
format (``Epoch 1/5 - Step: ...``), then times, as whole processes,
``grep -c Loss FILE`` and ``python -m ganlog parse FILE --to out.csv`` (the
known format, and ``--format generic``: the fallback on the same data).
Reports the median wall time of each, the ratio to grep, and the peak
resident memory of the ganlog process (``getrusage`` of the child) against
the file size. Targets: parse within 15x grep, generic within 40x, peak
memory under 3x the file size.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def write_dcgan(path: Path, n: int) -> None:
    rnd = random.Random(0)
    per = 1583
    with open(path, "w") as fh:
        fh.write("Random Seed:  999\nStarting Training Loop...\n")
        buf = []
        for k in range(n):
            e, i = divmod(k, per)
            buf.append(f"[{e}/{n // per + 1}][{i}/{per}]\tLoss_D: {rnd.uniform(0.2, 1.8):.4f}\t"
                       f"Loss_G: {rnd.uniform(0.5, 5):.4f}\tD(x): {rnd.random():.4f}\t"
                       f"D(G(z)): {rnd.random():.4f} / {rnd.random():.4f}\n")
            if len(buf) >= 10000:
                fh.write("".join(buf))
                buf.clear()
        fh.write("".join(buf))


def write_forum(path: Path, n: int) -> None:
    rnd = random.Random(1)
    per = 9338
    with open(path, "w") as fh:
        buf = []
        for k in range(n):
            e, i = divmod(k, per)
            buf.append(f"Epoch {e + 1}/{n // per + 1} - Step: {i}/{per} Loss G: {rnd.uniform(0.5, 5):.6f} "
                       f"Loss D: {rnd.uniform(0.01, 1.5):.6f} D(x): {rnd.random():.6f} "
                       f"D(G(z)): {rnd.random():.6f} / {rnd.random():.6f}"
                       f"Time for the last step: {rnd.uniform(50, 53):.2f} s Epoch ETA: 01:04:13\n")
            if len(buf) >= 10000:
                fh.write("".join(buf))
                buf.clear()
        fh.write("".join(buf))


_PROBE = (
    "import resource,subprocess,sys,time,tempfile\n"
    "out=tempfile.TemporaryFile()\n"
    "t=time.perf_counter()\n"
    # stdout to a file, not /dev/null: GNU grep stops at the first match when it sees /dev/null.
    "subprocess.run(sys.argv[1:],stdout=out,stderr=subprocess.DEVNULL)\n"
    "w=time.perf_counter()-t\n"
    "r=resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(w, r.ru_utime+r.ru_stime, r.ru_maxrss)\n"
)


def measure(cmd: list[str], repeat: int, env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Median wall seconds, median CPU seconds (user+sys) and peak RSS in MB of ``cmd``.

    Each run happens in a fresh helper process, so ``getrusage(RUSAGE_CHILDREN)`` is the
    command's own. CPU time is reported too because wall time on a shared machine
    includes waiting for a core.
    """
    walls, cpus, peaks = [], [], []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", _PROBE, *cmd], capture_output=True, text=True,
                             env=env, check=True).stdout.split()
        walls.append(float(out[0]))
        cpus.append(float(out[1]))
        peaks.append(int(out[2]) * 1024 / 1e6)
    return statistics.median(walls), statistics.median(cpus), max(peaks)


_INPROC = r"""
import sys, time, json
sys.path.insert(0, {repo!r})
import numpy as np, pandas as pd, pyarrow as pa, pyarrow.csv as pcsv
from ganlog.readers import load_runs
path, kind = sys.argv[1], sys.argv[2]

def hand(path):
    # The few lines a user would write for this one format: punctuation to spaces, then
    # pyarrow's CSV reader on the value columns, into a DataFrame.
    if kind == "forum":
        tab = bytes.maketrans(b"/:()T", b"     ")  # T: `0.4954Time for the last step` glued
        cols = [1, 6, 11, 15, 20, 27, 30, 37]  # epoch, step, G, D, D(x), D(G(z)) x2, time
    else:
        tab = bytes.maketrans(b"[]/:()\t", b"       ")
        cols = [1, 4, 9, 12, 17, 24, 27]  # epoch, iter, D, G, D(x), D(G(z)) x2
    parts = []
    with open(path, "rb") as fh:
        rest = b""
        while True:
            block = fh.read(8 << 20)
            if not block:
                break
            block = rest + block
            nl = block.rfind(b"\n")
            rest, block = block[nl + 1:], block[:nl + 1]
            t = pcsv.read_csv(pa.py_buffer(block.translate(tab)),
                              read_options=pcsv.ReadOptions(autogenerate_column_names=True, skip_rows=2 if not parts and kind == "dcgan" else 0),
                              parse_options=pcsv.ParseOptions(delimiter=" ", invalid_row_handler=lambda r: "skip"),
                              convert_options=pcsv.ConvertOptions(
                                  include_columns=[f"f{{i}}" for i in cols],
                                  column_types={{f"f{{i}}": pa.float64() for i in cols}}))
            parts.append(t)
    return pa.concat_tables(parts).to_pandas()

load_runs({warm!r})
res = {{}}
for name, fn in (("hand", lambda: hand(path)), ("ganlog", lambda: load_runs(path)[0].frame)):
    c = time.process_time(); w = time.perf_counter()
    n = len(fn())
    res[name] = (time.perf_counter() - w, time.process_time() - c, n)
print(json.dumps(res))
"""


def inprocess(path: Path, kind: str, warm: Path, repeat: int) -> dict[str, tuple[float, float]]:
    """In-process read time of ganlog's reader and of a hand-written pyarrow parse (median)."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", _INPROC.format(repo=str(REPO), warm=str(warm)), str(path), kind],
                             capture_output=True, text=True, check=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    return {k: (statistics.median(r[k][0] for r in runs), statistics.median(r[k][1] for r in runs))
            for k in ("hand", "ganlog")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", default="/tmp/ganlog-bench")
    ap.add_argument("--no-generic", action="store_true", help="skip the --format generic runs")
    ap.add_argument("--scale", default="", help="comma-separated larger record counts (e.g. 5000000,10000000): "
                    "time and memory exponents of `ganlog parse` against --records")
    ap.add_argument("--kinds", default="forum,dcgan")
    ap.add_argument("--check", action="store_true", help="also `ganlog check` end to end (target <= 25x grep)")
    ap.add_argument("--inprocess", action="store_true",
                    help="also ganlog's reader against a hand-written pyarrow parse, in-process")
    args = ap.parse_args()
    kinds = args.kinds.split(",")

    d = Path(args.dir)
    d.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    logs = {k: d / f"{k}_{args.records}.log" for k in kinds}
    for kind, path in logs.items():
        if not path.exists():
            print(f"writing {path} ...", file=sys.stderr)
            (write_dcgan if kind == "dcgan" else write_forum)(path, args.records)

    print(f"{'log':<6} {'MB':>5} | {'grep wall/cpu s':>15} | {'parse wall/cpu s':>16} {'ratio wall/cpu':>14} "
          f"{'peak MB':>7} {'x size':>6} | {'generic wall/cpu s':>18} {'ratio wall/cpu':>14}")
    for kind, path in logs.items():
        size_mb = path.stat().st_size / 1e6
        gw, gc, _ = measure(["grep", "-c", "Loss", str(path)], args.repeat)
        out = d / f"{kind}.csv"
        parse_cmd = [sys.executable, "-m", "ganlog", "parse", str(path), "--to", str(out)]
        pw, pc, peak = measure(parse_cmd, args.repeat, env)
        gen = ""
        if not args.no_generic:
            xw, xc, _ = measure(parse_cmd + ["--format", "generic"], args.repeat, env)
            gen = f"{xw:8.2f}/{xc:<9.2f} {xw / gw:6.1f}x/{xc / gc:<6.1f}x"
        print(f"{kind:<6} {size_mb:5.0f} | {gw:7.3f}/{gc:<7.3f} | {pw:7.2f}/{pc:<8.2f} {pw / gw:6.1f}x/{pc / gc:<6.1f}x "
              f"{peak:7.0f} {peak / size_mb:5.2f}x | {gen}", flush=True)
        if args.check:
            cw, cc, cpeak = measure([sys.executable, "-m", "ganlog", "check", str(path)], args.repeat, env)
            gw2, gc2, _ = measure(["grep", "-c", "Loss", str(path)], args.repeat)
            print(f"  check {kind}: {cw:.2f}/{cc:.2f} s wall/cpu = {cw / gw2:.1f}x/{cc / max(gc2, 1e-3):.1f}x grep "
                  f"(grep {gw2:.3f}/{gc2:.3f} s), peak {cpeak:.0f} MB (target <= 25x)", flush=True)
        if args.inprocess:
            warm = d / f"{kind}_warm.log"
            if not warm.exists():
                (write_dcgan if kind == "dcgan" else write_forum)(warm, 50)
            r = inprocess(path, kind, warm, args.repeat)
            print(f"  in-process read {kind}: ganlog {r['ganlog'][0]:.2f}/{r['ganlog'][1]:.2f} s, hand-written "
                  f"pyarrow {r['hand'][0]:.2f}/{r['hand'][1]:.2f} s wall/cpu: ratio "
                  f"{r['ganlog'][0] / r['hand'][0]:.2f}/{r['ganlog'][1] / r['hand'][1]:.2f} (target <= 1)", flush=True)
    if args.scale:
        for kind in kinds:
            pts = []
            for n in [args.records] + [int(x) for x in args.scale.split(",")]:
                path = d / f"{kind}_{n}.log"
                if not path.exists():
                    print(f"writing {path} ...", file=sys.stderr)
                    (write_dcgan if kind == "dcgan" else write_forum)(path, n)
                out = d / f"{kind}_{n}.csv"
                w, c, peak = measure([sys.executable, "-m", "ganlog", "parse", str(path), "--to", str(out)], 1, env)
                out.unlink(missing_ok=True)
                pts.append((n, w, c, peak, path.stat().st_size / 1e6))
                print(f"  scale {kind} {n:>10,}: {w:6.2f}/{c:<6.2f} s wall/cpu, peak {peak:6.0f} MB "
                      f"({peak / pts[-1][4]:.2f}x the file)", flush=True)
            (n0, _, c0, p0, _), (n1, _, c1, p1, _) = pts[0], pts[-1]
            print(f"  exponents {kind} {n0:,} -> {n1:,}: cpu time n^{math.log(c1 / c0) / math.log(n1 / n0):.2f}, "
                  f"peak memory n^{math.log(p1 / p0) / math.log(n1 / n0):.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
