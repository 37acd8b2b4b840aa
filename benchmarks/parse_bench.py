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
import resource
import statistics
import subprocess
import sys
import time
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


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """Wall seconds, peak RSS of the child in MiB, exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode:
        sys.stderr.write(proc.stderr.decode(errors="replace"))
    # ru_maxrss of children is the max over all children so far: measure each kind in its own process.
    return wall, max(after, before) / 1024.0, proc.returncode


def measure(cmd: list[str], repeat: int, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Median wall time over ``repeat`` runs and the peak RSS (run in a fresh helper process)."""
    walls = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
        walls.append(time.perf_counter() - t0)
    probe = subprocess.run(
        [sys.executable, "-c",
         "import resource,subprocess,sys;"
         "subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)", *cmd],
        capture_output=True, text=True, env=env,
    )
    peak_mib = int(probe.stdout.strip() or 0) / 1024.0
    return statistics.median(walls), peak_mib


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

    print(f"{'log':<8} {'size MB':>8} {'grep s':>7} {'parse s':>8} {'ratio':>6} {'peak MB':>8} "
          f"{'mem/size':>8} {'generic s':>9} {'ratio':>6}")
    for kind, path in logs.items():
        size_mb = path.stat().st_size / 1e6
        grep_s, _ = measure(["grep", "-c", "Loss", str(path)], args.repeat)
        out = d / f"{kind}.csv"
        parse_cmd = [sys.executable, "-m", "ganlog", "parse", str(path), "--to", str(out)]
        parse_s, peak = measure(parse_cmd, args.repeat, env)
        gen = ""
        if not args.no_generic:
            gen_s, _ = measure(parse_cmd + ["--format", "generic"], max(1, args.repeat - 1), env)
            gen = f"{gen_s:9.2f} {gen_s / grep_s:5.1f}x"
        print(f"{kind:<8} {size_mb:8.1f} {grep_s:7.3f} {parse_s:8.2f} {parse_s / grep_s:5.1f}x "
              f"{peak:8.0f} {peak / size_mb:7.2f}x {gen}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
