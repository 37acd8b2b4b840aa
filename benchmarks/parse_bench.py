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
    "import resource,subprocess,sys,time\n"
    "t=time.perf_counter()\n"
    # stdout to a pipe, not /dev/null: GNU grep stops at the first match when it sees /dev/null.
    "subprocess.run(sys.argv[1:],stdout=subprocess.PIPE,stderr=subprocess.DEVNULL)\n"
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", default="/tmp/ganlog-bench")
    ap.add_argument("--no-generic", action="store_true", help="skip the --format generic runs")
    args = ap.parse_args()

    d = Path(args.dir)
    d.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    logs = {"dcgan": d / f"dcgan_{args.records}.log", "forum": d / f"forum_{args.records}.log"}
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
