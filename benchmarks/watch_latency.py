"""ganlog watch: latency from a record being written to its finding being announced, and
watch's CPU share of one core while it follows a log growing at a fixed rate.

A writer (this process) appends a healthy DCGAN-format log at ``--rate`` records/s
for ``--seconds``, then writes records that go NaN; ``ganlog watch --fail-on error``
runs as a child process following the file. The latency is the time from the first
NaN record's write to the ``finding`` event in watch's JSONL (its wall-clock stamp).
CPU is the child's user+system time (``resource.getrusage(RUSAGE_CHILDREN)``) over its
wall time while following, so 1.0 = one core busy.

    python benchmarks/watch_latency.py                 # 1,000 records/s, 20 s, --every 1s
    python benchmarks/watch_latency.py --every 30s     # the default evaluation interval
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINE = "[{e}/100][{i}/1000]\tLoss_D: {d:.4f}\tLoss_G: {g:.4f}\tD(x): {x:.4f}\tD(G(z)): {z1:.4f} / {z2:.4f}\n"


def record(k: int, bad: bool = False) -> str:
    if bad:
        return LINE.format(e=k // 1000, i=k % 1000, d=math.nan, g=math.nan, x=math.nan, z1=math.nan, z2=math.nan)
    return LINE.format(e=k // 1000, i=k % 1000, d=1.3 + random.gauss(0, 0.08), g=0.8 + random.gauss(0, 0.1),
                       x=0.52 + random.gauss(0, 0.03), z1=0.45 + random.gauss(0, 0.03),
                       z2=0.44 + random.gauss(0, 0.03))


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rate", type=float, default=1000.0, help="records per second written")
    ap.add_argument("--seconds", type=float, default=20.0, help="healthy records written for this long")
    ap.add_argument("--every", default="1s", help="watch --every")
    ap.add_argument("--dir", default=None, help="working folder (default: a temporary one)")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args(argv)
    import tempfile

    random.seed(0)
    work = Path(args.dir or tempfile.mkdtemp(prefix="ganlog-watch-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    log, events = work / "train.log", work / "events.jsonl"
    for p in (log, events):
        if p.exists():
            p.unlink()
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    fh = open(log, "w")
    child = subprocess.Popen([sys.executable, "-m", "ganlog", "watch", str(log), "--every", args.every,
                              "--fail-on", "error", "--jsonl", str(events)],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t_start = time.time()
    k = 0
    batch = max(1, int(args.rate / 100))  # written in 100 bursts a second
    n_healthy = int(args.rate * args.seconds)
    t_bad = None
    while child.poll() is None:
        due = int((time.time() - t_start) * args.rate)
        while k < due:
            bad = k >= n_healthy
            if bad and t_bad is None:
                fh.flush()
                t_bad = time.time()
            fh.write(record(k, bad))
            k += 1
            if k % batch == 0:
                fh.flush()
        fh.flush()
        if t_bad is not None and time.time() - t_bad > 300:
            child.terminate()
            break
        time.sleep(0.01)
    fh.close()
    wall = time.time() - t_start
    child.wait()
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = ru.ru_utime + ru.ru_stime
    evs = [json.loads(x) for x in events.read_text().splitlines()] if events.exists() else []
    found = [e for e in evs if e["event"] == "finding"]
    latency = None
    if found and t_bad is not None:
        from datetime import datetime

        t_found = datetime.fromisoformat(found[0]["time"]).timestamp()
        latency = t_found - t_bad
    result = {
        "rate_records_per_s": args.rate, "every": args.every, "records_written": k,
        "healthy_seconds": args.seconds, "watch_wall_s": round(wall, 2),
        "watch_cpu_s": round(cpu, 2), "cpu_share_of_one_core": round(cpu / wall, 3),
        "latency_s": round(latency, 2) if latency is not None else None,
        "finding": found[0]["code"] if found else None, "exit_code": child.returncode,
        "max_rss_mb": round(ru.ru_maxrss / 1024, 1),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, v in result.items():
            print(f"{key:>22}: {v}")
    return result


if __name__ == "__main__":
    main()
