"""Fuzz every reader and the analysis: no input may crash ganlog, hang it, or blow its memory.

One execution takes an input, picks a file name (and so a reader: a text log, a CSV/JSONL table,
an .npy/.npz, an event file), optionally re-frames it as TFRecord records with valid CRCs (so the
event decoder is reached, not only the framing check), optionally gzips it, and runs what the CLI
runs: ``load_runs`` -> ``analyze`` -> the terminal summary. A :class:`~ganlog.errors.GanlogError`
(one clear line for the user) is a pass; any other exception is a CRASH, more than
``--timeout`` seconds a HANG, and resident memory above ``--rss-mb`` a MEMORY failure. Each
failing input is saved under ``--out`` with its signature (exception type and the innermost
ganlog frame), so distinct crash sites are counted once.

Engines: ``atheris`` (coverage-guided libFuzzer; ``pip install atheris``) when installed, else
``random`` (seeded mutations). Seeds: ``sample_logs/``, ``tests/corpus/*/`` and generated
.npy/.npz/CSV/JSONL/event files.

    nice -n 19 python benchmarks/fuzz_readers.py --minutes 30 --out /tmp/ganlog-fuzz
    python benchmarks/fuzz_readers.py --minutes 1 --engine random

Prints one JSON object at the end (also written to ``<out>/status.json`` every 10 s):
executions, crashes, distinct crash sites, hangs, memory failures, seconds.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import random
import signal
import struct
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any, Callable, Iterable

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

#: (file name, what it reaches). The first input byte picks one.
NAMES: tuple[str, ...] = (
    "train.log", "metrics.csv", "stats.jsonl", "d_loss.npy", "losses.npy", "run.npz",
    "events.out.tfevents.1700000000.host", "wandb_export.csv", "train.txt", "history.tsv",
)
F_PATH, F_FRAME, F_GZIP = 1, 2, 4
#: separates TFRecord payloads in a seed that is re-framed (F_FRAME)
MARK = b"\xf0REC\xf0"

TOKENS: tuple[bytes, ...] = (
    b"TrainStep", b"Perf/ImagesPerStep", b"nan", b"-inf", b"1e308", b"1,234.5", b"1_000", b"0x10",
    b"\xff" * 9 + b"\x7f", b'"', b"\x00", b"\r", b"\x1b[2J", "\u202e".encode(), b"step: 1,000",
    b"Loss_D: ", b"Loss_G: ", b"D(x): ", b"{", b"}", b"[", b"]", b"\n", b",", b"\t",
    b"\x93NUMPY\x01\x00", b"PK\x03\x04", b"\x1f\x8b", b"\xff\xfe", b"shape': (", b"9" * 40,
)


def frame_records(payloads: Iterable[bytes]) -> bytes:
    """TFRecord framing with valid masked CRC-32C checksums around each payload."""
    from ganlog.readers._crc32c import masked_crc

    out = io.BytesIO()
    for p in payloads:
        head = struct.pack("<Q", len(p))
        out.write(head + struct.pack("<I", masked_crc(head)) + p + struct.pack("<I", masked_crc(p)))
    return out.getvalue()


def split_records(data: bytes) -> list[bytes]:
    """The payloads of a TFRecord stream (stops at the first bad length)."""
    out, pos = [], 0
    while pos + 12 <= len(data):
        (n,) = struct.unpack_from("<Q", data, pos)
        if pos + 12 + n + 4 > len(data):
            break
        out.append(data[pos + 12: pos + 12 + n])
        pos += 16 + n
    return out


def encode(name_index: int, flags: int, payload: bytes) -> bytes:
    return bytes([name_index % 256, flags % 256]) + payload


def decode(data: bytes) -> tuple[str, int, bytes]:
    if len(data) < 2:
        return NAMES[0], 0, data
    return NAMES[data[0] % len(NAMES)], data[1], data[2:]


# ------------------------------------------------------------------------------------ seeds

def _generated(tmp: Path) -> list[bytes]:
    import numpy as np

    rng = np.random.default_rng(0)
    d = (0.6 + 0.2 * rng.random(40)).astype(np.float32)
    g = (0.9 + 0.3 * rng.random(40)).astype(np.float32)
    seeds: list[bytes] = []
    buf = io.BytesIO()
    np.save(buf, d)
    seeds.append(encode(NAMES.index("d_loss.npy"), 0, buf.getvalue()))
    buf = io.BytesIO()
    np.save(buf, np.stack([d, g], axis=1))
    seeds.append(encode(NAMES.index("losses.npy"), 0, buf.getvalue()))
    for compress in (np.savez, np.savez_compressed):
        buf = io.BytesIO()
        compress(buf, d_loss=d, g_loss=g)
        seeds.append(encode(NAMES.index("run.npz"), 0, buf.getvalue()))
    csv = "step,loss_d,loss_g\n" + "".join(f"{i},{d[i]:.4f},{g[i]:.4f}\n" for i in range(40))
    seeds.append(encode(NAMES.index("metrics.csv"), 0, csv.encode()))
    wandb = "Step,a - loss_D,a - loss_G,b - loss_D,b - loss_G\n" + "".join(
        f"{i},{d[i]:.3f},{g[i]:.3f},{g[i]:.3f},{d[i]:.3f}\n" for i in range(20))
    seeds.append(encode(NAMES.index("wandb_export.csv"), 0, wandb.encode()))
    jsonl = "".join(json.dumps({"step": i, "Loss/D/loss": {"num": 1, "mean": float(d[i]), "std": 0.1},
                                "Loss/G/loss": float(g[i])}) + "\n" for i in range(40))
    seeds.append(encode(NAMES.index("stats.jsonl"), 0, jsonl.encode()))
    try:
        from tensorboardX import SummaryWriter

        w = SummaryWriter(str(tmp / "tb"), flush_secs=3600)
        for i in range(30):
            w.add_scalar("Loss/D", float(d[i]), i)
            w.add_scalar("Loss/G", float(g[i]), i)
        w.close()
        for f in sorted((tmp / "tb").glob("events.out.tfevents.*")):
            raw = f.read_bytes()
            seeds.append(encode(NAMES.index("events.out.tfevents.1700000000.host"), 0, raw))
            seeds.append(encode(NAMES.index("events.out.tfevents.1700000000.host"), F_FRAME,
                                MARK.join(split_records(raw))))
    except ImportError:
        pass
    return seeds


def seeds(limit_bytes: int = 64 * 1024) -> list[bytes]:
    """Seed inputs: the sample logs, the real-log corpus, generated binary and table files."""
    out: list[bytes] = []
    files = sorted((REPO / "sample_logs").glob("*.log"))
    corpus = REPO / "tests" / "corpus"
    if corpus.is_dir():
        files += sorted(p for p in corpus.glob("*/*") if p.is_file() and p.name != "case.toml")
    for p in files:
        data = p.read_bytes()[:limit_bytes]
        low = p.name.lower()
        idx = next((i for i, n in enumerate(NAMES) if low.endswith(Path(n).suffix) and n != "train.log"), 0)
        if low.endswith(".log") or low.endswith(".txt"):
            idx = 0
        out.append(encode(idx, 0, data))
    with tempfile.TemporaryDirectory(prefix="ganlog-fuzz-seed-") as tmp:
        out += _generated(Path(tmp))
    return out


# ---------------------------------------------------------------------------- one execution

class Hang(BaseException):
    """Raised by the alarm: the execution ran past its time."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise Hang()


def build_input(data: bytes, workdir: Path) -> tuple[Any, str]:
    """The Source the CLI would build for this fuzz input, and its name."""
    from ganlog.readers import Source

    name, flags, payload = decode(data)
    if flags & F_FRAME:
        payload = frame_records(payload.split(MARK))
    if flags & F_GZIP:
        payload = gzip.compress(payload, 1)
        name += ".gz"
    if flags & F_PATH:
        p = workdir / name
        p.write_bytes(payload)
        return str(p), name
    return Source.from_bytes(payload, name), name


def run_one(data: bytes, workdir: Path) -> None:
    """What the CLI does with an input; raises only on a bug (never for a GanlogError)."""
    from ganlog.analysis import analyze
    from ganlog.errors import GanlogError
    from ganlog.readers import ReadOptions, load_runs
    from ganlog.report.text import render

    src, _ = build_input(data, workdir)
    try:
        runs = load_runs(src, ReadOptions())
        for run in runs[:2]:
            render(analyze(run), color=False)
    except GanlogError:
        pass


def signature(exc: BaseException) -> str:
    """Exception type and the innermost frame inside ganlog: one crash site."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/ganlog/" in f.filename.replace(os.sep, "/")]
    where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
    return f"{type(exc).__name__} at {where}"


class Harness:
    def __init__(self, out: Path, timeout: float, rss_mb: int) -> None:
        self.out = out
        self.timeout = timeout
        self.rss_mb = rss_mb
        self.execs = 0
        self.crashes = 0
        self.hangs = 0
        self.memory = 0
        self.sites: dict[str, str] = {}
        self.t0 = time.time()
        self.last_status = 0.0
        self.work = Path(tempfile.mkdtemp(prefix="ganlog-fuzz-"))
        import atexit
        import shutil

        atexit.register(shutil.rmtree, self.work, True)
        out.mkdir(parents=True, exist_ok=True)
        # Processor time, not wall time: on a shared machine a nice -n 19 run can wait many
        # seconds for a core, and that is no hang (libFuzzer's -timeout is the wall-clock backstop).
        signal.signal(signal.SIGPROF, _on_alarm)

    def _save(self, kind: str, data: bytes, detail: str) -> None:
        digest = hashlib.sha1(data).hexdigest()[:12]
        (self.out / f"{kind}-{digest}.bin").write_bytes(data)
        (self.out / f"{kind}-{digest}.txt").write_text(detail)

    def __call__(self, data: bytes) -> None:
        self.execs += 1
        signal.setitimer(signal.ITIMER_PROF, self.timeout)
        try:
            run_one(data, self.work)
        except Hang:
            self.hangs += 1
            self._save("hang", data, f"over {self.timeout} s of processor time")
        except Exception as exc:  # noqa: BLE001 - every one is a finding
            self.crashes += 1
            sig = signature(exc)
            if sig not in self.sites:
                self.sites[sig] = "".join(traceback.format_exception(exc))[-4000:]
                self._save("crash", data, self.sites[sig])
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
            for p in self.work.iterdir():
                p.unlink()
        rss = _rss_mb()
        if rss > self.rss_mb:
            self.memory += 1
            self._save("memory", data, f"resident {rss} MB > {self.rss_mb} MB")
        now = time.time()
        if now - self.last_status > 5:
            self.last_status = now
            self.write_status()

    def status(self) -> dict[str, Any]:
        return {
            "executions": self.execs, "crashes": self.crashes, "crash_sites": len(self.sites),
            "sites": sorted(self.sites), "hangs": self.hangs, "memory_failures": self.memory,
            "seconds": round(time.time() - self.t0, 1), "peak_rss_mb": _peak_rss_mb(),
        }

    def write_status(self) -> None:
        (self.out / "status.json").write_text(json.dumps(self.status(), indent=1))


def _rss_mb() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // (1 << 20)
    except (OSError, ValueError):
        return 0


def _peak_rss_mb() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


# ----------------------------------------------------------------------------------- mutation

def mutate(data: bytes, rng: random.Random, n_ops: int | None = None) -> bytes:
    """A few byte-level edits: flips, inserts (random or interesting tokens), deletes, splices."""
    b = bytearray(data)
    for _ in range(n_ops or rng.randint(1, 6)):
        op = rng.randrange(8)
        pos = rng.randrange(len(b) + 1) if b else 0
        if op == 0 and b:
            b[min(pos, len(b) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1:
            b[pos:pos] = rng.choice(TOKENS)
        elif op == 2 and len(b) > 2:
            del b[pos:pos + rng.randint(1, 64)]
        elif op == 3 and b:
            a = rng.randrange(len(b))
            b[pos:pos] = b[a:a + rng.randint(1, 256)]
        elif op == 4 and len(b) > 4:
            del b[rng.randrange(2, len(b)):]
        elif op == 5:
            b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif op == 6 and len(b) >= 2:
            b[1] = rng.randrange(8)  # flags: path / reframe / gzip
        elif op == 7 and b:
            b[0] = rng.randrange(len(NAMES))
    return bytes(b)


def run_random(h: Harness, minutes: float, seed: int = 0) -> None:
    rng = random.Random(seed)
    pool = seeds()
    end = time.time() + minutes * 60
    for s in pool:
        h(s)
    while time.time() < end:
        h(mutate(rng.choice(pool), rng))


def run_atheris(h: Harness, minutes: float, corpus_dir: Path) -> None:
    import atheris

    import importlib
    import pkgutil

    with atheris.instrument_imports(include=["ganlog"]):
        import ganlog

        for mod in pkgutil.walk_packages(ganlog.__path__, "ganlog."):
            if any(part in mod.name for part in (".trainer", ".cli", "serve", "__main__")):
                continue
            try:
                importlib.import_module(mod.name)
            except ImportError:
                pass
    corpus_dir.mkdir(parents=True, exist_ok=True)
    for s in seeds():
        (corpus_dir / hashlib.sha1(s).hexdigest()).write_bytes(s)
    import atexit

    atexit.register(lambda: (h.write_status(), print(json.dumps(h.status()))))
    argv = [sys.argv[0], str(corpus_dir), f"-max_total_time={int(minutes * 60)}", "-timeout=600",
            f"-rss_limit_mb={h.rss_mb + 1024}", "-max_len=262144", "-print_final_stats=1"]
    atheris.Setup(argv, h)
    atheris.Fuzz()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--engine", choices=("auto", "atheris", "random"), default="auto")
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "ganlog-fuzz")
    ap.add_argument("--timeout", type=float, default=20.0,
                    help="seconds of processor time per execution before it is a hang")
    ap.add_argument("--rss-mb", type=int, default=2048, help="resident memory above this is a failure")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    engine = args.engine
    if engine == "auto":
        try:
            import atheris  # noqa: F401

            engine = "atheris"
        except ImportError:
            engine = "random"
    h = Harness(args.out, args.timeout, args.rss_mb)
    if engine == "atheris":
        run_atheris(h, args.minutes, args.out / "corpus")
    else:
        run_random(h, args.minutes, args.seed)
    h.write_status()
    print(json.dumps({"engine": engine, **h.status()}))
    return 1 if (h.crashes or h.hangs or h.memory) else 0


if __name__ == "__main__":
    sys.exit(main())
