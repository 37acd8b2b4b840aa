"""Load test of the paste page on 127.0.0.1: throughput, p50/p99, errors and memory, with and
without a pathological paste in the mix.

Starts ``ganlog serve --port 0`` (always on 127.0.0.1; this script never contacts any other
address), then for ``--seconds`` per phase runs ``--clients`` threads, each posting a log and
waiting for the answer, in a loop:

- phase ``plain``: every request is the bundled forum log (4.8 KB, 31 records);
- phase ``mixed``: one request in ``--patho-every`` is a 256 KB single-line paste of
  ``name: value`` pairs (the input that cost 80 s of CPU before the page bounded analysis time).

For each phase: requests, requests/s, p50/p99 latency of the normal requests, their errors (any
answer but 200), how the pathological ones ended (504 at the time limit, or 200), and the peak
resident memory of the server with its analysis children, and its peak thread count.

    python benchmarks/paste_load.py --seconds 30 --clients 4 --out benchmarks/paste_load.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only, by design


def pathological_paste(size: int = 256 * 1024, seed: int = 0) -> bytes:
    rng = random.Random(seed)
    parts, n = [], 0
    i = 0
    while n < size:
        piece = f"k{i}: {rng.random():.3f} "
        parts.append(piece)
        n += len(piece)
        i += 1
    return "".join(parts)[:size].encode()


def multipart(field: str, value: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n").encode() + value + \
        f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def post(url: str, log: bytes, timeout: float) -> tuple[int, float]:
    body, ctype = multipart("log", log)
    req = urllib.request.Request(url + "report", data=body, method="POST",
                                 headers={"Content-Type": ctype, "Origin": url.rstrip("/")})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read()
            code = resp.status
    except urllib.error.HTTPError as exc:
        exc.read()
        code = exc.code
    except OSError:
        code = -1
    return code, time.perf_counter() - t0


class Sampler(threading.Thread):
    """Peak RSS of the server and all its descendants, and its peak thread count."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        import psutil

        self.proc = psutil.Process(pid)
        self.peak_rss = 0
        self.peak_threads = 0
        self.stop = threading.Event()

    def run(self) -> None:
        import psutil

        while not self.stop.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                rss = 0
                for p in procs:
                    try:
                        rss += p.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak_rss = max(self.peak_rss, rss)
                self.peak_threads = max(self.peak_threads, self.proc.num_threads())
            except psutil.Error:
                pass
            self.stop.wait(0.05)


def cpu_seconds(pid: int) -> float:
    """Processor time of the server and every descendant, reaped children included."""
    import psutil

    total = 0.0
    try:
        root = psutil.Process(pid)
        for p in [root, *root.children(recursive=True)]:
            try:
                t = p.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
            except psutil.Error:
                pass
    except psutil.Error:
        pass
    return total


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def phase(url: str, pid: int, seconds: float, clients: int, patho_every: int, normal: bytes,
          patho: bytes, time_limit: float) -> dict:
    sampler = Sampler(pid)
    sampler.start()
    results: list[tuple[str, int, float]] = []
    lock = threading.Lock()
    end = time.monotonic() + seconds
    counter = [0]

    def client() -> None:
        while time.monotonic() < end:
            with lock:
                counter[0] += 1
                k = counter[0]
            kind = "patho" if patho_every and k % patho_every == 0 else "normal"
            code, dt = post(url, patho if kind == "patho" else normal, timeout=time_limit * 4 + 30)
            with lock:
                results.append((kind, code, dt))

    t0 = time.perf_counter()
    cpu0 = cpu_seconds(pid)
    load0 = os.getloadavg()[0]
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    cpu = cpu_seconds(pid) - cpu0
    load1 = os.getloadavg()[0]
    sampler.stop.set()
    sampler.join()
    lat = [dt for kind, code, dt in results if kind == "normal" and code == 200]
    normal_errors = sum(1 for kind, code, _ in results if kind == "normal" and code != 200)
    patho_codes: dict[str, int] = {}
    for kind, code, _ in results:
        if kind == "patho":
            patho_codes[str(code)] = patho_codes.get(str(code), 0) + 1
    return {
        "requests": len(results), "seconds": round(wall, 1),
        "requests_per_s": round(len(results) / wall, 2),
        "normal_ok": len(lat), "normal_errors": normal_errors,
        "p50_s": round(pct(lat, 0.5), 3), "p99_s": round(pct(lat, 0.99), 3),
        "mean_s": round(statistics.fmean(lat), 3) if lat else None,
        "pathological": patho_codes,
        "server_cpu_s": round(cpu, 1),
        "server_cpu_s_per_request": round(cpu / max(len(results), 1), 2),
        "machine_load_avg_1min": [round(load0, 1), round(load1, 1)],
        "peak_rss_mb": round(sampler.peak_rss / 2**20), "peak_threads": sampler.peak_threads,
    }


def slow_connections(url: str, pid: int, n: int) -> dict:
    """``n`` connections that send nothing (a slowloris): the server's threads stay bounded and
    connections beyond its queue are answered 503 at once."""
    import socket
    from urllib.parse import urlsplit

    port = urlsplit(url).port
    sampler = Sampler(pid)
    sampler.start()
    socks, refused, busy = [], 0, 0
    t0 = time.perf_counter()
    for _ in range(n):
        try:
            socks.append(socket.create_connection((HOST, port), timeout=5))
        except OSError:
            refused += 1
    time.sleep(1.0)
    for s in socks:
        s.settimeout(0.01)
        try:
            if s.recv(12).startswith(b"HTTP/1.1 503"):
                busy += 1
        except OSError:
            pass
    for s in socks:
        s.close()
    sampler.stop.set()
    sampler.join()
    return {"connections": n, "answered_503_at_once": busy, "refused": refused,
            "peak_threads": sampler.peak_threads, "peak_rss_mb": round(sampler.peak_rss / 2**20),
            "seconds": round(time.perf_counter() - t0, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=30.0, help="length of each phase")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--patho-every", type=int, default=10, help="one pathological paste per N requests (mixed)")
    ap.add_argument("--time-limit", type=float, default=10.0, help="the page's --time-limit")
    ap.add_argument("--jobs", type=int, default=2, help="the page's --jobs")
    ap.add_argument("--slow", type=int, default=1000, help="idle connections in the slowloris phase")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)

    env = dict(os.environ, PYTHONPATH=str(REPO), MPLBACKEND="Agg")
    server = subprocess.Popen(
        [sys.executable, "-m", "ganlog", "serve", "--host", HOST, "--port", "0",
         "--time-limit", str(args.time_limit), "--jobs", str(args.jobs)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = server.stdout.readline()  # type: ignore[union-attr]
        m = re.search(r"http://127\.0\.0\.1:\d+/", line)
        if not m:
            print(line, server.stderr.read() if server.poll() is not None else "", file=sys.stderr)  # type: ignore[union-attr]
            return 2
        url = m.group(0)
        normal = (REPO / "sample_logs" / "forum_bce.log").read_bytes()
        patho = pathological_paste()
        post(url, normal, 120)  # warm up: the fork server starts and imports ganlog once
        out = {
            "host": HOST, "clients": args.clients, "time_limit_s": args.time_limit, "jobs": args.jobs,
            "cpus": os.cpu_count(), "normal_bytes": len(normal), "pathological_bytes": len(patho),
            "plain": phase(url, server.pid, args.seconds, args.clients, 0, normal, patho, args.time_limit),
            "mixed": phase(url, server.pid, args.seconds, args.clients, args.patho_every, normal, patho,
                           args.time_limit),
            "slow_connections": slow_connections(url, server.pid, args.slow),
        }
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    text = json.dumps(out, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
