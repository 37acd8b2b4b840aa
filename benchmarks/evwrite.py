"""A fast writer of scalar event files for the benchmarks (tensorboardX takes a minute per million).

Writes what tensorboardX's ``add_scalar`` writes -- a ``brain.Event:2`` header, then one
record per point: ``Event{wall_time, step, summary{value{tag, simple_value}}}`` in TFRecord
framing with masked CRC-32C checksums -- about 20x faster. ``tests``-style check::

    python benchmarks/evwrite.py --check   # same points through ganlog as a tensorboardX file
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ganlog.readers._crc32c import masked_crc  # noqa: E402


def _varint(v: int) -> bytes:
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _record(payload: bytes) -> bytes:
    h = struct.pack("<Q", len(payload))
    return h + struct.pack("<I", masked_crc(h)) + payload + struct.pack("<I", masked_crc(payload))


def write_events(path: Path, steps: int, tags: tuple[str, ...], seed: int = 0, t0: float = 1.7e9) -> Path:
    """``steps`` x ``len(tags)`` scalar events, values uniform in [0, 1) (float32)."""
    vals = np.random.default_rng(seed).random((steps, len(tags))).astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    tagb = [t.encode() for t in tags]
    with open(path, "wb") as fh:
        fh.write(_record(b"\x09" + struct.pack("<d", t0) + b"\x1a\x0dbrain.Event:2"))
        buf: list[bytes] = []
        for s in range(steps):
            st = _varint(s)
            wall = struct.pack("<d", t0 + s * 0.01)
            for k, tb in enumerate(tagb):
                val = b"\x0a" + _varint(len(tb)) + tb + b"\x15" + struct.pack("<f", vals[s, k])
                summ = b"\x0a" + _varint(len(val)) + val
                ev = b"\x09" + wall + b"\x10" + st + b"\x2a" + _varint(len(summ)) + summ
                buf.append(_record(ev))
            if len(buf) > 40000:
                fh.write(b"".join(buf))
                buf.clear()
        fh.write(b"".join(buf))
    return path


def check(steps: int = 2000) -> None:
    """The same values through ganlog as the same points written by tensorboardX."""
    import tempfile

    import ganlog
    from tensorboardX import SummaryWriter

    tags = ("Loss/D", "Loss/G", "D(x)", "D(G(z))")
    vals = np.random.default_rng(0).random((steps, len(tags))).astype(np.float32)
    with tempfile.TemporaryDirectory() as d:
        w = SummaryWriter(d + "/tbx", flush_secs=3600, max_queue=100000)
        for s in range(steps):
            for k, t in enumerate(tags):
                w.add_scalar(t, float(vals[s, k]), s)
        w.close()
        a = ganlog.load(sorted(Path(d, "tbx").glob("events.out.tfevents.*"))[0]).frame
        b = ganlog.load(write_events(Path(d, "fast", "events.out.tfevents.1.bench"), steps, tags)).frame
        cols = [c for c in a.columns if c != "wall_time"]
        assert list(a.columns) == list(b.columns), (list(a.columns), list(b.columns))
        assert a[cols].equals(b[cols]), "values differ"
    print(f"ok: {steps * len(tags):,} points read identically from tensorboardX's file and this writer's")


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        check()
    else:
        write_events(Path(sys.argv[1]), int(sys.argv[2]), ("Loss/D", "Loss/G", "D(x)", "D(G(z))"))
