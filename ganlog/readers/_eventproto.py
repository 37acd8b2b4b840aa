"""Decode scalar values from ``tensorflow.Event`` records without protobuf or tensorboard.

Only a handful of fields matter for scalars, and their wire format is small::

    Event    1: wall_time (double)   2: step (varint)      5: summary (Summary)
    Summary  1: value (repeated Value)
    Value    1: tag (string)   9: metadata (SummaryMetadata)
             2: simple_value (float)          <- TF1, torch, tensorboardX
             8: tensor (TensorProto)          <- TF2 ``tf.summary.scalar``, ``new_style``
    SummaryMetadata  1: plugin_data { 1: plugin_name }
    TensorProto      1: dtype  2: tensor_shape { 2: dim { 1: size } }  4: tensor_content
                     5: float_val  6: double_val  7: int_val  10: int64_val  11: bool_val  13: half_val

Decoding them here keeps the core install free of protobuf and of the
``tensorboard`` package (~150 MB), and is what makes reading fast: records in
the layout every scalar writer uses (one Value, ``simple_value``) are decoded
for the whole file at once with numpy (:func:`decode_fast`); every other
record -- the file-version header, tensor scalars, several values in one
summary, histograms, images -- goes through the general decoder
(:func:`decode_event`), which skips whatever is not a numeric scalar.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

_F32 = struct.Struct("<f")
_F64 = struct.Struct("<d")

# TensorFlow DataType enum -> (numpy dtype, element size) for numeric scalars.
_DTYPES: dict[int, tuple[str, int]] = {
    1: ("<f4", 4),   # DT_FLOAT
    2: ("<f8", 8),   # DT_DOUBLE
    3: ("<i4", 4),   # DT_INT32
    4: ("<u1", 1),   # DT_UINT8
    5: ("<i2", 2),   # DT_INT16
    6: ("<i1", 1),   # DT_INT8
    9: ("<i8", 8),   # DT_INT64
    10: ("<u1", 1),  # DT_BOOL
    17: ("<u2", 2),  # DT_UINT16
    19: ("<f2", 2),  # DT_HALF
    22: ("<u4", 4),  # DT_UINT32
    23: ("<u8", 8),  # DT_UINT64
}
_DT_BFLOAT16 = 14


class DecodeError(ValueError):
    """A record whose bytes are not a valid protobuf Event."""


@dataclass
class Points:
    """Scalar points in file order: parallel lists, one entry per (record, value)."""

    record: list[int] = field(default_factory=list)
    tag: list[str] = field(default_factory=list)
    step: list[int] = field(default_factory=list)
    wall_time: list[float] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    skipped_values: int = 0  #: non-scalar values (histograms, images, text, ...)
    skipped_kinds: dict[str, int] = field(default_factory=dict)
    file_version: str | None = None

    def skip(self, kind: str) -> None:
        self.skipped_values += 1
        self.skipped_kinds[kind] = self.skipped_kinds.get(kind, 0) + 1


# --------------------------------------------------------------------------- wire format

def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= len(data):
            raise DecodeError("varint runs past the end")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise DecodeError("varint too long")


def _fields(data: bytes, start: int, end: int):
    """Yield (field number, wire type, value or (start, end)) for one message."""
    pos = start
    while pos < end:
        key, pos = _varint(data, pos)
        num, wt = key >> 3, key & 7
        if wt == 0:
            val, pos = _varint(data, pos)
            yield num, wt, val
        elif wt == 1:
            if pos + 8 > end:
                raise DecodeError("fixed64 runs past the end")
            yield num, wt, (pos, pos + 8)
            pos += 8
        elif wt == 2:
            ln, pos = _varint(data, pos)
            if pos + ln > end:
                raise DecodeError("length-delimited field runs past the end")
            yield num, wt, (pos, pos + ln)
            pos += ln
        elif wt == 5:
            if pos + 4 > end:
                raise DecodeError("fixed32 runs past the end")
            yield num, wt, (pos, pos + 4)
            pos += 4
        else:
            raise DecodeError(f"unsupported wire type {wt}")
    if pos != end:
        raise DecodeError("message runs past its length")


def _signed64(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


# --------------------------------------------------------------------------- general decoder

def decode_event(data: bytes, start: int, end: int, record: int, out: Points) -> None:
    """Decode one Event record; append its numeric scalar values to ``out``."""
    wall = 0.0
    step = 0
    summary: tuple[int, int] | None = None
    for num, wt, val in _fields(data, start, end):
        if num == 1 and wt == 1:
            wall = _F64.unpack_from(data, val[0])[0]
        elif num == 2 and wt == 0:
            step = _signed64(val)
        elif num == 3 and wt == 2:
            out.file_version = data[val[0]:val[1]].decode("utf-8", "replace")
        elif num == 5 and wt == 2:
            summary = val
    if summary is None:
        return
    for num, wt, val in _fields(data, summary[0], summary[1]):
        if num == 1 and wt == 2:
            _decode_value(data, val[0], val[1], record, step, wall, out)


def _decode_value(data: bytes, start: int, end: int, record: int, step: int, wall: float,
                  out: Points) -> None:
    tag = ""
    plugin = ""
    simple: float | None = None
    tensor: tuple[int, int] | None = None
    other = ""
    for num, wt, val in _fields(data, start, end):
        if num == 1 and wt == 2:
            tag = data[val[0]:val[1]].decode("utf-8", "replace")
        elif num == 7 and wt == 2 and not tag:
            tag = data[val[0]:val[1]].decode("utf-8", "replace")
        elif num == 2 and wt == 5:
            simple = _F32.unpack_from(data, val[0])[0]
        elif num == 8 and wt == 2:
            tensor = val
        elif num == 9 and wt == 2:
            plugin = _plugin_name(data, val[0], val[1])
        elif num in (3, 4, 5, 6):
            other = {3: "histogram", 4: "image", 5: "histogram", 6: "audio"}[num]
    if simple is not None:
        value = simple
    elif tensor is not None and plugin in ("", "scalars"):
        v = _tensor_scalar(data, tensor[0], tensor[1])
        if v is None:
            out.skip("tensor (not a numeric scalar)")
            return
        value = v
    else:
        out.skip(other or (f"{plugin} summary" if plugin else "value without data"))
        return
    out.record.append(record)
    out.tag.append(tag)
    out.step.append(step)
    out.wall_time.append(wall)
    out.value.append(value)


def _plugin_name(data: bytes, start: int, end: int) -> str:
    for num, wt, val in _fields(data, start, end):
        if num == 1 and wt == 2:
            for n2, w2, v2 in _fields(data, val[0], val[1]):
                if n2 == 1 and w2 == 2:
                    return data[v2[0]:v2[1]].decode("utf-8", "replace")
    return ""


def _tensor_scalar(data: bytes, start: int, end: int) -> float | None:
    """The value of a one-element numeric TensorProto, else None."""
    dtype = 0
    n_elements = 1
    content: bytes | None = None
    packed: dict[int, list[tuple[int, int]]] = {}
    for num, wt, val in _fields(data, start, end):
        if num == 1 and wt == 0:
            dtype = val
        elif num == 2 and wt == 2:
            for n2, w2, v2 in _fields(data, val[0], val[1]):
                if n2 == 2 and w2 == 2:
                    size = 0
                    for n3, w3, v3 in _fields(data, v2[0], v2[1]):
                        if n3 == 1 and w3 == 0:
                            size = _signed64(v3)
                    n_elements *= size
        elif num == 4 and wt == 2:
            content = data[val[0]:val[1]]
        elif num in (5, 6, 7, 10, 11, 13):
            packed.setdefault(num, []).append((wt, val))
    if n_elements != 1:
        return None
    if dtype == _DT_BFLOAT16:
        raw = content if content else None
        if raw is None and 13 in packed:
            vals = _packed_varints(data, packed[13])
            raw = struct.pack("<H", vals[0] & 0xFFFF) if vals else None
        if raw is None or len(raw) < 2:
            return None
        return float(np.frombuffer(b"\x00\x00" + raw[:2], dtype="<f4")[0])
    if dtype not in _DTYPES:
        return None
    np_dtype, size = _DTYPES[dtype]
    if content:
        if len(content) < size:
            return None
        return float(np.frombuffer(content[:size], dtype=np_dtype)[0])
    if 5 in packed:
        return _packed_fixed(data, packed[5], _F32)
    if 6 in packed:
        return _packed_fixed(data, packed[6], _F64)
    if 13 in packed:  # DT_HALF bits as int32
        vals = _packed_varints(data, packed[13])
        return float(np.array([vals[0] & 0xFFFF], dtype=np.uint16).view(np.float16)[0]) if vals else None
    for num in (7, 10, 11):
        if num in packed:
            vals = _packed_varints(data, packed[num])
            if vals:
                v = _signed64(vals[0])
                return float(v - (1 << 32) if num == 7 and v >= 1 << 31 else v)
    return None


def _packed_fixed(data: bytes, entries: list[tuple[int, object]], st: struct.Struct) -> float | None:
    wt, val = entries[0]
    start = val[0]  # type: ignore[index]
    if wt == 2 and val[1] - start < st.size:  # type: ignore[index]
        return None
    return float(st.unpack_from(data, start)[0])


def _packed_varints(data: bytes, entries: list[tuple[int, object]]) -> list[int]:
    out: list[int] = []
    for wt, val in entries:
        if wt == 0:
            out.append(val)  # type: ignore[arg-type]
        elif wt == 2:
            pos, end = val  # type: ignore[misc]
            while pos < end:
                v, pos = _varint(data, pos)
                out.append(v)
    return out


# --------------------------------------------------------------------------- fast path

@dataclass
class FastResult:
    """Records decoded by the vectorized path, and the indices of those it left to the general one."""

    record: np.ndarray
    tag_id: np.ndarray
    tags: list[str]
    step: np.ndarray
    wall_time: np.ndarray
    value: np.ndarray
    rest: np.ndarray


def _varint_batch(buf: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decode one varint at each position: (values as uint64, new positions, ok mask).

    Most varints here are one byte (lengths, small steps): the first byte is read for all
    positions, and each further byte only for the positions still continuing.
    """
    n = len(buf)
    b = buf[np.clip(pos, 0, n - 1)]  # a damaged length can put pos anywhere, even below 0
    val = (b & 0x7F).astype(np.uint64)
    length = np.ones(len(pos), dtype=np.int64)
    live = np.flatnonzero(b & 0x80)
    for k in range(1, 10):
        if not len(live):
            break
        b = buf[np.clip(pos[live] + k, 0, n - 1)]
        val[live] |= (b & 0x7F).astype(np.uint64) << np.uint64(7 * k)
        length[live] += 1
        live = live[(b & 0x80) != 0]
    ok = pos + length <= n
    if len(live):
        ok[live] = False
    return val, pos + length, ok


def _gather_f(buf: np.ndarray, pos: np.ndarray, width: int, dtype: str) -> np.ndarray:
    cols = np.empty((len(pos), width), dtype=np.uint8)
    for k in range(width):
        cols[:, k] = buf[pos + k]
    return cols.view(dtype).reshape(-1)


def decode_fast(buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray, max_tag: int = 256) -> FastResult:
    """Decode, all at once, the records laid out as every scalar writer lays them out::

        09 <wall_time:8> [10 <step:varint>] 2a <len> 0a <len> 0a <taglen> <tag> 15 <value:4>

    Records that differ in any way are returned in ``rest`` for :func:`decode_event`.
    """
    n = len(buf)
    ends = starts + lengths
    rec = np.arange(len(starts), dtype=np.int64)
    pos = starts.copy()

    def at(p: np.ndarray) -> np.ndarray:
        # A varint length near 2**64 wraps to a negative position: clip, the checks reject it.
        return buf[np.clip(p, 0, n - 1)]

    ok = (lengths >= 9 + 2 + 2 + 2 + 5) & (at(pos) == 0x09)
    rec, pos, ends = rec[ok], pos[ok], ends[ok]
    wall = _gather_f(buf, pos + 1, 8, "<f8")
    pos = pos + 9
    has_step = at(pos) == 0x10
    step = np.zeros(len(pos), dtype=np.uint64)
    if has_step.any():
        v, p2, okv = _varint_batch(buf, pos[has_step] + 1)
        step[has_step] = v
        pos = pos.copy()
        pos[has_step] = p2
        good = np.ones(len(pos), dtype=bool)
        good[has_step] = okv
    else:
        good = np.ones(len(pos), dtype=bool)
    good &= at(pos) == 0x2A
    slen, pos, okv = _varint_batch(buf, pos + 1)
    good &= okv & (pos + slen.astype(np.int64) == ends)
    good &= at(pos) == 0x0A
    vlen, pos, okv = _varint_batch(buf, pos + 1)
    good &= okv & (pos + vlen.astype(np.int64) == ends)
    good &= at(pos) == 0x0A
    tlen, pos, okv = _varint_batch(buf, pos + 1)
    tlen = tlen.astype(np.int64)
    good &= okv & (tlen <= max_tag) & (pos + tlen + 5 == ends)
    vpos = pos + tlen
    good &= at(vpos) == 0x15

    rec, wall, step, tstart, tlen, vpos = rec[good], wall[good], step[good], pos[good], tlen[good], vpos[good]
    value = _gather_f(buf, vpos + 1, 4, "<f4").astype(np.float64) if len(rec) else np.zeros(0)

    # Tags: hash the bytes (FNV-1a, 64 bit, seeded with the length), then name each distinct
    # hash. A second, independent hash must agree within each group; records of a group where
    # it does not (a 64-bit collision between two tags) go to the general decoder instead.
    h = np.full(len(rec), 0xCBF29CE484222325, dtype=np.uint64) ^ tlen.astype(np.uint64)
    h2 = np.full(len(rec), 0x84222325CBF29CE4, dtype=np.uint64) + tlen.astype(np.uint64)
    prime = np.uint64(0x100000001B3)
    prime2 = np.uint64(0x9E3779B97F4A7C15)
    maxlen = int(tlen.max()) if len(tlen) else 0
    minlen = int(tlen.min()) if len(tlen) else 0
    with np.errstate(over="ignore"):
        for j in range(maxlen):
            if j < minlen:  # every tag is at least this long: no mask needed
                b = buf[tstart + j].astype(np.uint64)
                h = (h ^ b) * prime
                h2 = (h2 + b) * prime2 ^ (h2 >> np.uint64(29))
                continue
            active = tlen > j
            b = at(tstart + j).astype(np.uint64)
            h = np.where(active, (h ^ b) * prime, h)
            h2 = np.where(active, (h2 + b) * prime2 ^ (h2 >> np.uint64(29)), h2)
    first, inverse = _factorize(h)
    clash = h2 != h2[first][inverse]
    if clash.any():
        keep = ~clash
        rec, wall, step, value = rec[keep], wall[keep], step[keep], value[keep]
        tstart, tlen, h = tstart[keep], tlen[keep], h[keep]
        first, inverse = _factorize(h)
    # tags in order of first appearance in the file
    tags = [bytes(buf[tstart[i]:tstart[i] + tlen[i]]).decode("utf-8", "replace") for i in first.tolist()]

    taken = np.zeros(len(starts), dtype=bool)
    taken[rec] = True
    rest_all = np.flatnonzero(~taken)
    return FastResult(
        record=rec, tag_id=inverse, tags=tags,
        step=step.view(np.int64), wall_time=wall, value=value, rest=rest_all,
    )


def _factorize(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index of each distinct value's first occurrence, in order of appearance; the number of
    each element's value in that order). A hash table (pandas) rather than a sort: O(n)."""
    if not len(h):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    import pandas as pd

    codes = pd.factorize(h, sort=False)[0].astype(np.int64, copy=False)
    # codes are numbered in order of first appearance: code k first occurs where the running
    # maximum first reaches k.
    run_max = np.maximum.accumulate(codes)
    first = np.concatenate(([0], np.flatnonzero(run_max[1:] != run_max[:-1]) + 1))
    return first, codes
