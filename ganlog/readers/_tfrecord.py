"""TFRecord framing: where each record of an event file starts, and which ones are damaged.

An event file is a sequence of records::

    uint64 length | uint32 masked_crc32c(length) | payload[length] | uint32 masked_crc32c(payload)

Finding the records is inherently sequential (each length says where the next
record starts), so that part is a tight loop over ``struct.unpack_from``; both
checksums are then verified for all records at once (:mod:`._crc32c`).

Damage is reported, never hidden:

* a record cut short at the end of the file (the trainer was killed mid-write)
  ends the framing; everything before it is kept;
* a payload whose checksum fails is skipped and its byte offset reported;
* a length whose checksum fails cannot be trusted to find the next record, so
  the framer scans forward for the next position where a valid header starts.
"""

from __future__ import annotations

import struct
from array import array
from dataclasses import dataclass, field

import numpy as np

from ._crc32c import masked_crc, masked_crc_batch, masked_crc_many

HEADER = 12  # uint64 length + uint32 crc
FOOTER = 4
_U64 = struct.Struct("<Q")
_RESYNC_CHUNK = 1 << 20


@dataclass(frozen=True)
class FrameProblem:
    """One damaged spot in a file: its byte offset, what was wrong, and whether data was lost."""

    offset: int
    kind: str  # "truncated" | "bad-data-crc" | "bad-length-crc" | "trailing-bytes"
    message: str


@dataclass
class Framing:
    """Payload offsets and lengths of every intact record, in file order."""

    starts: np.ndarray
    lengths: np.ndarray
    problems: list[FrameProblem] = field(default_factory=list)
    #: Where the last whole record ends: with ``final=False`` a record running past the end
    #: of the bytes is not damage but the start of the next chunk.
    end: int = 0


def header_ok(data: bytes | memoryview, pos: int = 0) -> bool:
    """True when a valid record header (length + its checksum) starts at ``pos``."""
    if pos + HEADER > len(data):
        return False
    (length,) = _U64.unpack_from(data, pos)
    (crc,) = struct.unpack_from("<I", data, pos + 8)
    return masked_crc(bytes(data[pos:pos + 8])) == crc


def _walk(data: bytes, pos: int, starts: array, lengths: array, limit: int = -1) -> int:
    """Follow the length fields from ``pos`` (at most ``limit`` records); return where the walk stopped."""
    n = len(data)
    unpack = _U64.unpack_from
    s_append = starts.append
    l_append = lengths.append
    while pos + HEADER <= n and limit != 0:
        (length,) = unpack(data, pos)
        end = pos + HEADER + length + FOOTER
        if end > n:
            break
        s_append(pos + HEADER)
        l_append(length)
        pos = end
        limit -= 1
    return pos


_PROBE = 64  #: records walked one by one before guessing the pattern of lengths
_MAX_PERIOD = 16
_BLOCKS = 1 << 15  #: pattern repetitions checked per numpy pass


def _walk_bulk(data: bytes, buf: np.ndarray, pos: int) -> tuple[np.ndarray, np.ndarray, int]:
    """:func:`_walk` for whole files: the same records, located mostly by numpy.

    A writer logging the same scalars every step writes records whose lengths repeat
    with a short period (one per tag). After walking a few records one by one, the
    repeating pattern predicts where the next thousands of records start; their length
    fields are read at once and the prediction holds up to the first record whose
    length differs (a step counter gaining a byte, a new tag, damage), where the
    one-by-one walk takes over again. Every accepted record's length was read from the
    file, so the result is exactly what the one-by-one walk finds.
    """
    n = len(data)
    out_s: list[np.ndarray] = []
    out_l: list[np.ndarray] = []
    while True:
        s_arr, l_arr = array("q"), array("q")
        pos = _walk(data, pos, s_arr, l_arr, _PROBE)
        if len(s_arr):
            out_s.append(np.frombuffer(s_arr, dtype=np.int64))
            out_l.append(np.frombuffer(l_arr, dtype=np.int64))
        if len(l_arr) < _PROBE:
            break  # the end, or a record that does not fit: the caller looks at it
        lens = l_arr.tolist()
        # The shortest period that holds across the whole probe: checking only its last two
        # repetitions took two equal neighbours (Loss/D, Loss/G) for period 1 whenever the
        # probe ended between them, and the prediction then failed at every next record.
        period = next((p for p in range(1, _MAX_PERIOD + 1) if lens[p:] == lens[:-p]), None)
        while period is not None:
            pattern = np.asarray(lens[-period:], dtype=np.int64)
            rec = pattern + (HEADER + FOOTER)
            stride = int(rec.sum())
            blocks = min((n - pos) // stride, _BLOCKS)
            if blocks <= 0:
                break
            offs = np.concatenate(([0], np.cumsum(rec)[:-1]))
            cand = (pos + np.arange(blocks, dtype=np.int64)[:, None] * stride + offs).reshape(-1)
            want = np.tile(pattern, blocks)
            ok = (_u32_at(buf, cand) == want) & (_u32_at(buf, cand + 4) == 0)
            bad = np.flatnonzero(~ok)
            k = int(bad[0]) if len(bad) else len(cand)
            if k:
                out_s.append(cand[:k] + HEADER)
                out_l.append(want[:k])
            if k < len(cand):
                pos = int(cand[k])
                break
            pos += blocks * stride
    if not out_s:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), pos
    return np.concatenate(out_s), np.concatenate(out_l), pos


def _resync(buf: np.ndarray, data: bytes, pos: int) -> int | None:
    """The next offset after ``pos`` where a record header with a valid checksum starts."""
    n = len(data)
    start = pos + 1
    while start + HEADER <= n:
        stop = min(n - HEADER + 1, start + _RESYNC_CHUNK)
        cand = np.arange(start, stop, dtype=np.int64)
        crcs = masked_crc_batch(buf, cand, np.full(len(cand), 8, dtype=np.int64))
        stored = np.zeros(len(cand), dtype=np.uint32)
        for k in range(4):
            stored |= buf[cand + 8 + k].astype(np.uint32) << np.uint32(8 * k)
        hits = np.flatnonzero(crcs == stored)
        for h in hits:
            p = int(cand[h])
            (length,) = _U64.unpack_from(data, p)
            if p + HEADER + length + FOOTER <= n:
                return p
        start = stop
    return None


def frame(data: bytes, final: bool = True) -> Framing:
    """Locate every record in ``data`` and verify both checksums of each.

    ``final=False``: ``data`` is a chunk of a longer file, and a record cut off at its end
    continues in the next chunk (``Framing.end`` says where it starts)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    n = len(data)
    problems: list[FrameProblem] = []
    all_starts: list[np.ndarray] = []
    all_lengths: list[np.ndarray] = []
    pos = 0
    end = n
    while True:
        s, ln, stop = _walk_bulk(data, buf, pos)
        # Length checksums: the first bad one invalidates everything the walk found after it.
        bad_at: int | None = None
        if len(s):
            got = _length_crcs(ln)
            stored = _u32_at(buf, s - 4)
            bad = np.flatnonzero(got != stored)
            if len(bad):
                k = int(bad[0])
                bad_at = int(s[k]) - HEADER
                s, ln = s[:k], ln[:k]
        end = stop
        if bad_at is None and stop < n:
            # The walk stopped on a header whose record does not fit (or a partial header).
            if stop + HEADER <= n and not header_ok(data, stop):
                bad_at = stop
            elif not final:
                pass  # the record continues in the next chunk
            else:
                (length,) = _U64.unpack_from(data, stop) if stop + 8 <= n else (None,)
                need = f"{length + HEADER + FOOTER:,} bytes" if length is not None else "a 12-byte header"
                problems.append(FrameProblem(
                    stop, "truncated",
                    f"last record cut short (needs {need}, "
                    f"{n - stop:,} left; the writer was probably killed mid-write)",
                ))
        all_starts.append(s)
        all_lengths.append(ln)
        if bad_at is None:
            break
        nxt = _resync(buf, data, bad_at)
        skipped = (nxt if nxt is not None else n) - bad_at
        problems.append(FrameProblem(
            bad_at, "bad-length-crc",
            f"corrupted record header (length checksum mismatch); "
            f"skipped {skipped:,} bytes" + (f" to the next valid record at byte {nxt:,}" if nxt is not None else " to the end"),
        ))
        if nxt is None:
            break
        pos = nxt

    starts_all = np.concatenate(all_starts) if all_starts else np.zeros(0, np.int64)
    lengths_all = np.concatenate(all_lengths) if all_lengths else np.zeros(0, np.int64)
    # Payload checksums.
    if len(starts_all):
        got = masked_crc_many(data, buf, starts_all, lengths_all)
        stored = _u32_at(buf, starts_all + lengths_all)
        bad = np.flatnonzero(got != stored)
        if len(bad):
            for k in bad:
                off = int(starts_all[k]) - HEADER
                problems.append(FrameProblem(
                    off, "bad-data-crc",
                    "corrupted record (payload checksum mismatch); record skipped",
                ))
            keep = np.ones(len(starts_all), dtype=bool)
            keep[bad] = False
            starts_all, lengths_all = starts_all[keep], lengths_all[keep]
    problems.sort(key=lambda p: p.offset)
    return Framing(starts_all, lengths_all, problems, n if final else end)


def _length_crcs(lengths: np.ndarray) -> np.ndarray:
    """Masked CRC of each 8-byte length field: it depends only on the length, and a file
    holds few distinct lengths, so each is computed once."""
    uniq, inverse = np.unique(lengths, return_inverse=True)
    table = np.array([masked_crc(_U64.pack(int(v))) for v in uniq], dtype=np.uint32)
    return table[inverse.reshape(-1)]


def _u32_at(buf: np.ndarray, pos: np.ndarray) -> np.ndarray:
    out = buf[pos].astype(np.uint32)
    for k in range(1, 4):
        out |= buf[pos + k].astype(np.uint32) << np.uint32(8 * k)
    return out
