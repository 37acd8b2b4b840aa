"""TensorBoard event files: every scalar point, checksummed, without the tensorboard package.

Reads what TensorBoard's own writer, ``torch.utils.tensorboard``, tensorboardX
and TF2 summaries write: values in ``simple_value`` and in scalar ``tensor``
fields (float_val, double_val, tensor_content, ...). Every point is kept --
TensorBoard's EventAccumulator keeps 10,000 per tag and silently drops the
rest, and tbparse and the accumulator both drop TF2 tensor scalars.

Why no dependency: the ``tensorboard`` package pulls ~150 MB, and even
protobuf's ``Event.FromString`` costs 5 s per million records. The few
protobuf fields scalars use are decoded here (:mod:`._eventproto`); framing
and checksums are in :mod:`._tfrecord`. ``benchmarks/tensorboard_bench.py``
measures the result against tbparse.

Tags map through the alias table (``Loss/D`` -> ``loss_d``); tags with
different step sets are aligned on step; a run resumed from a checkpoint
(steps going back) becomes a new segment. A damaged file is read up to the
damage, and the damage is reported with its byte offset.
"""

from __future__ import annotations

import struct

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from ..errors import InputError
from ..frame import ParseStats
from .base import Reader, ReadOptions, Sniff, Source

if TYPE_CHECKING:
    import numpy as np

    from ..frame import Run

_EVENT_NAME = re.compile(r"(^|\.)tfevents(\.|$)")


def is_event_filename(name: str) -> bool:
    """``events.out.tfevents.<time>.<host>[.<pid>.<n>][.v2][.suffix]`` and kin."""
    return bool(_EVENT_NAME.search(name))


@dataclass
class EventPoints:
    """Scalar points of one or more event files, in write order."""

    tags: list[str]
    tag_id: "np.ndarray"
    step: "np.ndarray"
    wall_time: "np.ndarray"
    value: "np.ndarray"
    records: int = 0
    skipped_kinds: dict[str, int] = field(default_factory=dict)


#: Event files larger than this are read a chunk at a time (memory bounded by the chunk,
#: not the file); 16 MB is about 350,000 scalar records (measured: 8 MB costs CPU, 32 MB memory).
CHUNK_BYTES = 16 << 20


def read_points_file(path: Path, name: str, stats: ParseStats,
                     input_errors: list[str] | None = None, chunk: int | None = None) -> EventPoints:
    """:func:`read_points` of a file, read ``chunk`` bytes at a time.

    Each chunk is framed up to its last whole record, whose remainder is carried into the
    next chunk. A chunk with any damage (a bad checksum, a record that is not an Event)
    sends the whole file through :func:`read_points`, which reports the damage with its
    offset in the file; so do files no larger than one chunk.
    """
    from ._tfrecord import frame, header_ok

    if input_errors is None:
        input_errors = []
    chunk = chunk or CHUNK_BYTES
    if path.stat().st_size <= chunk:
        return read_points(path.read_bytes(), name, stats, input_errors)
    parts: list[EventPoints] = []
    with open(path, "rb") as fh:
        data = fh.read(chunk)
        while data:
            more = fh.read(chunk)
            if not header_ok(data, 0):
                return read_points(path.read_bytes(), name, stats, input_errors)
            framing = frame(data, final=not more)
            sub_stats = ParseStats()
            sub_errors: list[str] = []
            pts = read_points(data, name, sub_stats, sub_errors, framing=framing)
            if framing.problems or sub_errors or sub_stats.warnings:
                # offsets must be the file's: read it whole, the way a small file is read
                return read_points(path.read_bytes(), name, stats, input_errors)
            parts.append(pts)
            if not more:
                break
            data = data[framing.end:] + more
            del more
    stats.records += sum(p.records for p in parts)
    return concat_points(parts, consume=True)


def read_points(data: bytes, name: str, stats: ParseStats,
                input_errors: list[str] | None = None, framing: "object | None" = None) -> EventPoints:
    """Decode every scalar in one event file's bytes.

    Raises :class:`InputError` when the bytes are not an event file at all;
    damage further in is reported in ``stats`` (with byte offsets) and the
    readable records are returned.
    """
    import numpy as np

    from ._eventproto import DecodeError, Points, decode_event, decode_fast
    from ._tfrecord import HEADER, frame, header_ok

    if framing is not None:
        pass  # a chunk framed by read_points_file
    elif not data:
        raise InputError(name, "the file is empty", expected="a TensorBoard event file")
    elif not header_ok(data, 0):
        if len(data) < HEADER:
            raise InputError(name, f"only {len(data)} bytes, cut off inside the first record header",
                             where="byte 0", expected="a TensorBoard event file (TFRecord framing)")
        raise InputError(name, "not a TensorBoard event file: no valid record header",
                         where="byte 0", expected="a TFRecord length with its CRC-32C checksum")
    if framing is None:
        framing = frame(data)
    if input_errors is None:
        input_errors = []
    for p in framing.problems:
        stats.warn(f"{name}: byte {p.offset:,}: {p.message}", partial=True)
        input_errors.append(f"{name}: byte {p.offset:,}: {p.message}")
    buf = np.frombuffer(data, dtype=np.uint8)
    broken = (IndexError, ValueError, OverflowError, struct.error, UnicodeDecodeError)
    try:
        fast = decode_fast(buf, framing.starts, framing.lengths)
    except broken:  # the batch decoder met something it did not foresee: every record one by one
        fast = decode_fast(buf, framing.starts[:0], framing.lengths[:0])
        fast = type(fast)(**{**fast.__dict__, "rest": np.arange(len(framing.starts), dtype=np.int64)})

    slow = Points()
    starts, lengths = framing.starts, framing.lengths
    bad_records = 0
    for r in fast.rest.tolist():
        s = int(starts[r])
        try:
            try:
                decode_event(data, s, s + int(lengths[r]), r, slow)
            except broken as exc:
                raise DecodeError(f"{type(exc).__name__}: {exc}") from None
        except DecodeError as exc:
            bad_records += 1
            if bad_records <= 3:
                input_errors.append(f"{name}: byte {s - HEADER:,}: record is not a valid Event ({exc})")
                stats.warn(f"{name}: byte {s - HEADER:,}: record is not a valid Event ({exc}); skipped",
                           partial=True)
    if bad_records > 3:
        stats.warn(f"{name}: {bad_records:,} records in all were not valid Events", partial=True)

    tags = list(fast.tags)
    index = {t: i for i, t in enumerate(tags)}
    slow_ids = _intern(slow.tag, tags, index)
    stats.records += len(starts)
    if not slow.record:  # every point came through the fast path, already in file order
        return EventPoints(tags, fast.tag_id, fast.step, fast.wall_time, fast.value, records=len(starts),
                           skipped_kinds=dict(slow.skipped_kinds))
    record = np.concatenate([fast.record, np.asarray(slow.record, dtype=np.int64)])
    order = np.argsort(record, kind="stable")
    tag_id = np.concatenate([fast.tag_id, slow_ids])[order]
    step = np.concatenate([fast.step, np.asarray(slow.step, dtype=np.int64)])[order]
    wall = np.concatenate([fast.wall_time, np.asarray(slow.wall_time, dtype=np.float64)])[order]
    value = np.concatenate([fast.value, np.asarray(slow.value, dtype=np.float64)])[order]
    return EventPoints(tags, tag_id, step, wall, value, records=len(starts),
                       skipped_kinds=dict(slow.skipped_kinds))


def _intern(names: Sequence[str], tags: list[str], index: dict[str, int]) -> "np.ndarray":
    """The id of each name in ``tags``, appending names not seen yet (``index`` maps tag -> id)."""
    import numpy as np

    ids = np.empty(len(names), dtype=np.int64)
    for i, t in enumerate(names):
        if t not in index:
            index[t] = len(tags)
            tags.append(t)
        ids[i] = index[t]
    return ids


def concat_points(parts: Sequence[EventPoints], consume: bool = False) -> EventPoints:
    """Join the points of several files of one run (in the order given).

    ``consume``: the parts' arrays are dropped field by field as they are joined, so the
    peak is one copy of the points plus one field, not two copies (10M events: 320 MB less).
    """
    import numpy as np

    tags: list[str] = []
    index: dict[str, int] = {}
    remaps = []
    skipped: dict[str, int] = {}
    for p in parts:
        remaps.append(_intern(p.tags, tags, index))
        for k, v in p.skipped_kinds.items():
            skipped[k] = skipped.get(k, 0) + v

    def cat(field: str, empty: "np.ndarray", remap: bool = False) -> "np.ndarray":
        arrs = [getattr(p, field) for p in parts]
        if consume:
            for p in parts:
                setattr(p, field, empty)
        if remap:
            arrs = [r[a] if len(a) else a for r, a in zip(remaps, arrs)]
        return np.concatenate(arrs) if arrs else empty

    return EventPoints(
        tags=tags,
        tag_id=cat("tag_id", np.zeros(0, np.int64), remap=True),
        step=cat("step", np.zeros(0, np.int64)),
        wall_time=cat("wall_time", np.zeros(0)),
        value=cat("value", np.zeros(0)),
        records=sum(p.records for p in parts),
        skipped_kinds=skipped,
    )


def event_file_order(paths: Sequence[Path]) -> list[Path]:
    """Event files of one run in write order: by the timestamp in their name, then the name."""
    def key(p: Path) -> tuple[float, str]:
        m = re.search(r"tfevents\.(\d+(?:\.\d+)?)", p.name)
        return (float(m.group(1)) if m else float("inf"), p.name)

    return sorted(paths, key=key)


def points_to_run(points: EventPoints, *, name: str, source: str, stats: ParseStats,
                  options: ReadOptions, files: Sequence[str] = ()) -> "Run":
    """Align the points on step and build the Run."""
    from ._align import pivot, run_from_columns

    if not len(points.step):
        what = ", ".join(f"{v:,} {k}" for k, v in sorted(points.skipped_kinds.items()))
        raise InputError(source, f"no scalar values in {points.records:,} event records"
                         + (f" (found {what})" if what else ""),
                         expected="scalars written with add_scalar / tf.summary.scalar")
    cols, dupes = pivot(points.tag_id, points.step, points.value, points.tags, points.wall_time)
    if dupes:
        stats.warn(f"{dupes:,} points repeated a step already logged for their tag in the same segment; "
                   "the last value written was kept")
    if points.skipped_kinds:
        what = ", ".join(f"{v:,} {k}" for k, v in sorted(points.skipped_kinds.items()))
        stats.warn(f"ignored non-scalar summaries: {what}")
    stats.lines_read = points.records
    meta = {"tags": list(points.tags), "files": list(files)}
    return run_from_columns(cols, points.tags, run_name=name, source=source, reader="tensorboard",
                            format="tfevents", stats=stats, options=options, meta=meta)


class TensorBoardReader(Reader):
    name = "tensorboard"
    description = "TensorBoard event files (torch SummaryWriter, tensorboardX, TF1/TF2 scalars)"

    def sniff(self, source: Source) -> Sniff:
        from ._tfrecord import header_ok

        named = is_event_filename(source.filename)
        head = source.head(16)
        framed = header_ok(head, 0) if len(head) >= 12 else False
        if named and framed:
            return Sniff(0.99, "named events.out.tfevents.* and its first record's framing checks out")
        if framed:
            return Sniff(0.85, "the first 12 bytes are a TFRecord header with a valid CRC-32C")
        if named:
            # Claim it anyway, so the user hears why it is not an event file.
            return Sniff(0.5, "named like an event file, but the first record's framing is invalid")
        return Sniff.no("no TFRecord header at byte 0")

    def read(self, source: Source, options: ReadOptions) -> "list[Run]":
        if source.is_dir:  # --format tensorboard on a folder: its event-file runs only
            return self._read_dir(source, options)
        stats = ParseStats()
        problems: list[str] = []
        points = (read_points_file(source.path, source.name, stats, problems) if source.path is not None
                  and source.data is None else read_points(source.read_bytes(), source.name, stats, problems))
        name = options.run_name or (source.path.parent.name if source.path is not None and
                                    is_event_filename(source.filename) else source.stem) or "run"
        run = points_to_run(points, name=name, source=source.name, stats=stats, options=options,
                            files=[source.name])
        run.meta["input_errors"] = problems
        return [run]

    def _read_dir(self, source: Source, options: ReadOptions) -> "list[Run]":
        from .directory import rel_name, scan

        assert source.path is not None
        root = source.path
        lay = scan(root)
        if not lay.event_dirs:
            raise InputError(source.name, "no events.out.tfevents.* files in this folder",
                             expected="a TensorBoard log directory")
        runs, errors = read_event_dirs(root, lay.event_dirs, options,
                                       lambda d: options.run_name or rel_name(root, d))
        if not runs:
            raise InputError(source.name, f"no event file could be read; first: {errors[0]}")
        if errors:
            runs[0].meta["input_errors"] = list(runs[0].meta.get("input_errors", [])) + errors
        return runs


def read_event_dirs(root: Path, dirs: dict[Path, list[Path]], options: ReadOptions,
                    run_name: "callable") -> "tuple[list[Run], list[str]]":  # type: ignore[valid-type]
    """One run per folder of event files, with tensorboardX ``add_scalars`` folders folded back.

    ``add_scalars("Loss", {"D": d, "G": g})`` writes tag ``Loss`` into sub-folders
    ``Loss_D/`` and ``Loss_G/`` of the writer's folder; read apart they would be
    runs of one metric each. A folder whose only tag ``T`` matches its name as
    ``T_key`` becomes the metric ``T/key`` of its parent folder's run.
    """
    per_dir: dict[Path, tuple[list[EventPoints], ParseStats, list[str], list[Path]]] = {}
    errors: list[str] = []
    for d, files in dirs.items():
        stats = ParseStats()
        problems: list[str] = []
        parts: list[EventPoints] = []
        for p in event_file_order(files):
            try:
                parts.append(read_points_file(p, str(p), stats, problems))
            except InputError as exc:
                problems.append(str(exc))
                stats.warn(str(exc), partial=True)
        if not parts:
            errors.extend(problems)
            continue
        per_dir[d] = (parts, stats, problems, list(files))
    # Fold add_scalars folders into their parent.
    for d in sorted(per_dir, key=lambda x: -len(x.parts)):
        if d == root:
            continue
        parts, stats, problems, files = per_dir[d]
        tags = {t for p in parts for t in p.tags}
        if len(tags) != 1:
            continue
        (tag,) = tags
        prefix = tag.replace("/", "_") + "_"
        tag_parts = tuple(tag.split("/"))
        key = d.name
        if d.parent.parts[-len(tag_parts):] == tag_parts and len(d.parts) > len(tag_parts) + 1:
            # tensorboardX: <logdir>/<main_tag>/<key>/
            parent = Path(*d.parts[:-len(tag_parts) - 1])
        elif d.name.startswith(prefix) and len(d.name) > len(prefix):
            # torch.utils.tensorboard: <logdir>/<main_tag with / as _>_<key>/
            key = d.name[len(prefix):]
            parent = d.parent
        else:
            continue
        if not parent.is_relative_to(root) and parent != root:
            continue
        for p in parts:
            p.tags = [f"{tag}/{key}"]
        if parent in per_dir:
            pp, ps, pr, pf = per_dir[parent]
            pp.extend(parts)
            ps.warnings.extend(stats.warnings)
            ps.partial = ps.partial or stats.partial
            ps.records += stats.records
            pr.extend(problems)
            pf.extend(files)
        else:
            per_dir[parent] = (parts, stats, problems, files)
        del per_dir[d]
    runs: list[Run] = []
    for d in sorted(per_dir):
        parts, stats, problems, files = per_dir[d]
        try:
            run = points_to_run(concat_points(parts), name=run_name(d), source=str(d), stats=stats,
                                options=options, files=[str(f) for f in files])
        except InputError as exc:
            errors.append(str(exc))
            continue
        run.meta["input_errors"] = problems
        runs.append(run)
    return runs, errors
