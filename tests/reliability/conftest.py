"""Running the real `ganlog` command while measuring its peak memory, and the bad inputs it gets."""

from __future__ import annotations

import gzip
import io
import json
import os
import struct
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Outcome:
    rc: int
    stdout: str
    stderr: str
    peak_mb: float


def run_measured(*args: str, stdin: bytes | Path | None = None, env: dict[str, str] | None = None,
                 cwd: Path | None = None, timeout: float = 120) -> Outcome:
    """`python -m ganlog ARGS` as a user runs it; ``peak_mb`` is the process's own peak resident set.

    The peak is the kernel's high-water mark (VmHWM in /proc/PID/status) polled every 5 ms while
    the command runs (rusage's maxrss is no use: Linux carries the parent's size into it at fork).
    """
    import threading

    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(REPO) + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.pop("FORCE_COLOR", None)
    full_env.setdefault("MPLBACKEND", "Agg")
    full_env.update(env or {})
    stdin_fh = open(stdin, "rb") if isinstance(stdin, Path) else subprocess.PIPE if stdin is not None else subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, "-m", "ganlog", *args], stdin=stdin_fh, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=full_env, cwd=cwd)
    peak = [0.0]
    done = threading.Event()

    def poll() -> None:
        status = Path(f"/proc/{proc.pid}/status")
        while not done.is_set():
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak[0] = max(peak[0], int(line.split()[1]) / 1024.0)
            except (OSError, ValueError, IndexError):
                pass
            done.wait(0.005)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    try:
        out, err = proc.communicate(stdin if isinstance(stdin, bytes) else None, timeout=timeout)
    finally:
        done.set()
        watcher.join()
        if isinstance(stdin, Path):
            stdin_fh.close()  # type: ignore[union-attr]
    return Outcome(proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), peak[0])


@pytest.fixture
def measured():
    return run_measured


def one_error_line(stderr: str) -> list[str]:
    """The lines that report an error; there must be no traceback around them."""
    assert "Traceback" not in stderr, stderr
    return [ln for ln in stderr.splitlines() if ln.startswith(("ganlog: error", "ganlog: internal error"))]


# ------------------------------------------------------------------------------ bad input files

def npy_with_header(header: str, body: bytes = b"") -> bytes:
    h = header.ljust(118) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() + body


def npz_bomb(path: Path, inflated: int = 200 << 20) -> None:
    """An .npz whose one member inflates ~1000:1 (zeros), header and all consistent."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("d_loss.npy", "w", force_zip64=True) as f:
            f.write(npy_with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (%d,), }" % (inflated // 8,)))
            chunk = b"\0" * (8 << 20)
            for _ in range(inflated // len(chunk)):
                f.write(chunk)


def damaged_npz(path: Path) -> None:
    buf = io.BytesIO()
    rng = np.random.default_rng(0)
    np.savez_compressed(buf, d_loss=rng.random(200), g_loss=rng.random(200))
    b = bytearray(buf.getvalue())
    i = b.index(b"d_loss.npy") + 40
    for k in range(i, i + 60):
        b[k] ^= 0x55
    path.write_bytes(bytes(b))


def event_file_with_huge_varint(path: Path) -> None:
    """A tensorboardX event file whose 5th record's step is a 10-byte varint (CRCs recomputed)."""
    import tempfile

    tbx = pytest.importorskip("tensorboardX")
    from benchmarks.fuzz_readers import frame_records, split_records

    with tempfile.TemporaryDirectory() as d:
        w = tbx.SummaryWriter(d, flush_secs=3600)
        for i in range(20):
            w.add_scalar("Loss/D", 0.5 + 0.01 * i, i)
            w.add_scalar("Loss/G", 0.9 - 0.01 * i, i)
        w.close()
        raw = next(Path(d).glob("events.out.tfevents.*")).read_bytes()
    recs = split_records(raw)
    r = bytearray(recs[5])
    at = r.index(b"\x10", 9)  # the step field after the wall time
    r[at + 1:at + 2] = b"\xff" * 9 + b"\x7f" + b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"
    recs[5] = bytes(r)
    path.write_bytes(frame_records(recs))


def forum_log(samples: Path, copies: int = 1) -> bytes:
    return (samples / "forum_bce.log").read_bytes() * copies


def write_gz(path: Path, data: bytes) -> None:
    path.write_bytes(gzip.compress(data, 1))


def jsonl_without_step_at_ends(path: Path) -> None:
    recs = [{"loss_d": 0.5, "loss_g": 0.7}] + [{"step": i, "loss_d": 0.5 + 0.01 * (i % 5), "loss_g": 0.7}
                                               for i in range(1, 30)] + [{"loss_d": 0.5, "loss_g": 0.7}]
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
