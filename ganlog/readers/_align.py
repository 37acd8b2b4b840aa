"""Turn per-metric series ("long" points: name, step, value) into one Run, aligned on step.

Event files and MLflow metric folders log each metric on its own schedule: the
losses every step, FID every 5,000. A Run has one row per step, so the points
are pivoted on ``(segment, step)``; a metric missing at a step is NaN there.

Segments are decided per metric, in write order: a metric whose step goes
back has been resumed (the trainer restarted from a checkpoint). Deciding per
metric (not over the interleaved stream) keeps a script that writes all D
losses and then all G losses from being mistaken for a resumed run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import numpy as np

from ..frame import INDEX_COLUMNS, ParseStats, build_run, rename_columns

if TYPE_CHECKING:
    from ..frame import Run


def segments_per_metric(metric: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Segment number of every point: how often its own metric's step went back before it."""
    seg = np.zeros(len(step), dtype=np.int64)
    if len(step) < 2:
        return seg
    order = np.argsort(metric, kind="stable")
    m, s = metric[order], step[order]
    back = np.zeros(len(s), dtype=np.int64)
    back[1:] = (s[1:] < s[:-1]) & (m[1:] == m[:-1])
    cum = np.cumsum(back)
    # restart the count at each metric's first point
    first = np.ones(len(s), dtype=bool)
    first[1:] = m[1:] != m[:-1]
    base = np.maximum.accumulate(np.where(first, cum, 0))
    seg[order] = cum - base
    return seg


def pivot(
    metric: np.ndarray,
    step: np.ndarray,
    value: np.ndarray,
    names: list[str],
    wall_time: np.ndarray | None = None,
) -> tuple[dict[str, np.ndarray], int]:
    """Wide columns (``step``, ``segment``, optional ``wall_time``, one per name) and the
    number of points that repeated a (segment, step) of their metric (the last one is kept)."""
    metric = np.asarray(metric, dtype=np.int64)
    step = np.asarray(step, dtype=np.int64)
    value = np.asarray(value, dtype=np.float64)
    fast = _pivot_sorted(metric, step, value, names, wall_time)
    if fast is not None:
        return fast, 0
    seg = segments_per_metric(metric, step)
    lo = int(step.min()) if len(step) else 0
    hi = int(step.max()) if len(step) else 0
    if len(step) and lo >= 0 and hi < (1 << 46) and int(seg.max()) < (1 << 16):
        key = (seg << 46) | step
        keys, row = np.unique(key, return_inverse=True)
        row = row.reshape(-1)
        out_seg, out_step = keys >> 46, keys & ((1 << 46) - 1)
    else:
        pairs = np.stack([seg, step], axis=1)
        keys2, row = np.unique(pairs, axis=0, return_inverse=True)
        row = row.reshape(-1)
        out_seg, out_step = keys2[:, 0], keys2[:, 1]
    n_rows = len(out_step)
    cols: dict[str, np.ndarray] = {"step": out_step.astype(np.int64), "segment": out_seg.astype(np.int64)}
    # Within a metric, a later point at the same row overwrites an earlier one.
    flat = metric * n_rows + row
    uniq_flat, last_rev = np.unique(flat[::-1], return_index=True)
    keep = len(flat) - 1 - last_rev
    dupes = len(flat) - len(uniq_flat)
    for k, name in enumerate(names):
        col = np.full(n_rows, np.nan)
        sel = keep[metric[keep] == k]
        col[row[sel]] = value[sel]
        cols[name] = col
    if wall_time is not None and len(wall_time):
        wt = np.full(n_rows, np.inf)
        np.minimum.at(wt, row, np.asarray(wall_time, dtype=np.float64))
        wt[~np.isfinite(wt)] = np.nan
        cols["wall_time"] = wt
    return cols, dupes


def _pivot_sorted(metric: np.ndarray, step: np.ndarray, value: np.ndarray, names: list[str],
                  wall_time: np.ndarray | None) -> dict[str, np.ndarray] | None:
    """:func:`pivot` for the common case, without sorting: steps never go back in the stream
    (so no metric resumes: one segment, and each step's points are contiguous) and no metric
    repeats a step. None when that is not so (the general pivot decides then)."""
    n = len(step)
    if n < 2 or not bool(np.all(step[1:] >= step[:-1])):
        return None
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(step[1:], step[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    n_rows = len(starts)
    row = np.cumsum(new, dtype=np.int64)
    row -= 1
    del new
    if len(names) * n_rows > 4 * n + (1 << 20):
        return None  # sparse (a few metrics on far-apart steps): the general path uses less memory
    counts = np.bincount(metric * n_rows + row, minlength=len(names) * n_rows)
    if counts.max() > 1:
        return None  # a repeated step: the general path keeps the last and counts them
    del counts
    cols: dict[str, np.ndarray] = {"step": step[starts], "segment": np.zeros(n_rows, dtype=np.int64)}
    for k, name in enumerate(names):
        col = np.full(n_rows, np.nan)
        sel = metric == k
        col[row[sel]] = value[sel]
        cols[name] = col
    if wall_time is not None and len(wall_time):
        wt = np.minimum.reduceat(np.asarray(wall_time, dtype=np.float64), starts)
        wt[~np.isfinite(wt)] = np.nan
        cols["wall_time"] = wt
    return cols


def run_from_columns(
    cols: Mapping[str, np.ndarray],
    names: list[str],
    *,
    run_name: str,
    source: str,
    reader: str,
    format: str,
    stats: ParseStats,
    options: "object",
    meta: dict[str, object] | None = None,
) -> "Run":
    """Build a Run from :func:`pivot`'s columns, mapping metric names through the aliases."""
    import pandas as pd

    extra = getattr(options, "extra_aliases", None) or {}
    # a metric logged as "step" keeps its values, under logged_step
    final = rename_columns(names, extra, reserved=("step", "segment", "wall_time"))
    data: dict[str, np.ndarray] = {c: cols[c] for c in INDEX_COLUMNS if c in cols}
    for n in names:
        data[final[n]] = cols[n]
    frame = pd.DataFrame(data, copy=False)  # the columns are fresh arrays of ours: no copy
    run = build_run(
        frame, name=run_name, source=source, reader=reader, format=format, stats=stats,
        loss_family=getattr(options, "loss_family", None), renamed=True, meta=meta,
    )
    run.original_names = {final[n]: n for n in names if final[n] in run.frame.columns}
    return run
