"""Event files read a chunk at a time give exactly what reading them whole gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ganlog.frame import ParseStats
from ganlog.readers._tfrecord import frame
from ganlog.readers.tensorboard import read_points, read_points_file

tbx = pytest.importorskip("tensorboardX")


@pytest.fixture(scope="module")
def event_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("tbx_chunks")
    rng = np.random.default_rng(1)
    w = tbx.SummaryWriter(str(d), flush_secs=3600, max_queue=100000)
    for s in range(3000):
        w.add_scalar("Loss/D", float(rng.random()), s)
        w.add_scalar("Loss/G", float(rng.random()), s)
        if s % 300 == 0:
            w.add_scalar("fid", 50.0 - s / 100, s)
            w.add_histogram("weights", rng.random(20), s)  # general decoder, in a chunk
    w.close()
    return sorted(d.glob("events.out.tfevents.*"))[0]


def _same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert a.tags == b.tags
    assert a.records == b.records
    np.testing.assert_array_equal(a.tag_id, b.tag_id)
    np.testing.assert_array_equal(a.step, b.step)
    np.testing.assert_array_equal(a.wall_time, b.wall_time)
    np.testing.assert_array_equal(a.value, b.value)
    assert a.skipped_kinds == b.skipped_kinds


@pytest.mark.parametrize("chunk", [64, 1000, 4096, 50_000])
def test_chunked_equals_whole(event_path: Path, chunk: int) -> None:
    whole_stats, chunk_stats = ParseStats(), ParseStats()
    whole = read_points(event_path.read_bytes(), "x", whole_stats)
    part = read_points_file(event_path, "x", chunk_stats, chunk=chunk)
    _same(part, whole)
    assert chunk_stats.records == whole_stats.records
    assert not chunk_stats.warnings


@pytest.mark.parametrize("where", ["payload", "length", "cut"])
def test_damage_in_a_later_chunk_has_the_file_offset(event_path: Path, tmp_path: Path, where: str) -> None:
    data = bytearray(event_path.read_bytes())
    fr = frame(bytes(data))
    k = len(fr.starts) * 3 // 4
    if where == "payload":
        data[int(fr.starts[k]) + 3] ^= 0xFF
    elif where == "length":
        data[int(fr.starts[k]) - 12] ^= 0x40
    else:
        data = data[:-10]
    bad = tmp_path / "events.out.tfevents.9.host"
    bad.write_bytes(bytes(data))
    whole_stats, chunk_stats = ParseStats(), ParseStats()
    errs_w: list[str] = []
    errs_c: list[str] = []
    whole = read_points(bytes(data), "x", whole_stats, errs_w)
    part = read_points_file(bad, "x", chunk_stats, errs_c, chunk=4096)
    _same(part, whole)
    assert errs_c == errs_w and errs_c
    assert chunk_stats.warnings == whole_stats.warnings
    if where != "cut":
        assert f"byte {int(fr.starts[k]) - 12:,}" in errs_c[0]


@pytest.mark.parametrize("seed", range(6))
def test_sorted_pivot_equals_general(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from ganlog.readers import _align

    rng = np.random.default_rng(seed)
    n_tags, steps = 3, np.sort(rng.integers(0, 50, 400))
    metric = rng.integers(0, n_tags, len(steps))
    if seed % 2:  # no repeats: one point per (tag, step), some tags missing at some steps
        key = np.unique(steps * n_tags + metric)
        steps, metric = key // n_tags, key % n_tags
    value = rng.random(len(steps))
    wall = rng.random(len(steps))
    if seed == 5:
        wall[3] = np.inf
    names = ["a", "b", "c"]
    fast, d_fast = _align.pivot(metric, steps, value, names, wall)
    monkeypatch.setattr(_align, "_pivot_sorted", lambda *a: None)
    slow, d_slow = _align.pivot(metric, steps, value, names, wall)
    assert d_fast == d_slow and fast.keys() == slow.keys()
    for k in slow:
        np.testing.assert_array_equal(fast[k], slow[k])


def test_bulk_framing_finds_the_period_whatever_the_phase(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lengths repeating as [10, 10, 8, 12]: a probe ending between the two 10s is not period 1."""
    import struct

    from ganlog.readers import _tfrecord
    from ganlog.readers._crc32c import masked_crc

    def rec(payload: bytes) -> bytes:
        h = struct.pack("<Q", len(payload))
        return h + struct.pack("<I", masked_crc(h)) + payload + struct.pack("<I", masked_crc(payload))

    pattern = [10, 10, 8, 12]
    for phase in range(4):
        lens = (pattern * 3000)[phase:]
        data = b"".join(rec(bytes([i % 251]) * n) for i, n in enumerate(lens))
        calls = []
        real = _tfrecord._walk
        monkeypatch.setattr(_tfrecord, "_walk", lambda *a, **k: calls.append(1) or real(*a, **k))
        fr = frame(data)
        monkeypatch.setattr(_tfrecord, "_walk", real)
        assert fr.lengths.tolist() == lens and not fr.problems
        assert len(calls) <= 3, (phase, len(calls))
