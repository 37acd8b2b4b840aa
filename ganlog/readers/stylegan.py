"""StyleGAN2-ADA / StyleGAN3 run folders, read whole.

A run folder written by NVlabs' ``train.py`` holds:

* ``stats.jsonl`` -- one JSON object per tick, each stat as ``{"num", "mean", "std"}``
  (``Loss/D/loss``, ``Loss/scores/real``, ``Loss/signs/real``, ``Loss/r1_penalty``,
  ``Progress/kimg``, ``Progress/augment``, ``Timing/sec_per_kimg`` ...);
* ``metric-<name>.jsonl`` -- one line per evaluated snapshot:
  ``{"results": {"fid50k_full": v}, "snapshot_pkl": "network-snapshot-000400.pkl", ...}``;
* ``training_options.json`` -- the loss and its weights (``r1_gamma``, ``pl_weight``),
  the augmentation target (``ada_target``), the data set (``max_size``, ``xflip``);
* ``log.txt`` -- the console log, whose tick lines repeat what stats.jsonl holds;
* ``network-snapshot-<kimg>.pkl`` files.

They become one run: the stats rows and the metric rows merged on the step (images
seen, ``kimg x 1000``; a snapshot's kimg is in its file name), the options in
``run.meta["stylegan"]`` and the snapshots in ``run.meta["snapshots"]`` (step, file, and
whether the file is in the folder). ``log.txt`` is not read again when stats.jsonl is there.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..frame import ParseStats, flatten_record
from .base import ReadOptions, Source
from .textparse import printed_nan_counts

if TYPE_CHECKING:
    from ..frame import Run

_METRIC_FILE = re.compile(r"^metric-.+\.jsonl$", re.I)
_SNAPSHOT = re.compile(r"network-snapshot-(\d+)\.(pkl|pt|pth)$", re.I)


def metric_files(names: "set[str] | list[str]") -> list[str]:
    return sorted(n for n in names if _METRIC_FILE.match(n))


def is_run_folder(names: "set[str]") -> bool:
    """stats.jsonl or a metric-*.jsonl file, with training_options.json or the other of the two."""
    has_stats = "stats.jsonl" in names
    has_metric = bool(metric_files(names))
    return (has_stats and ("training_options.json" in names or has_metric)) or (
        has_metric and ("training_options.json" in names or not has_stats))


def snapshot_step(name: str) -> int | None:
    """``network-snapshot-000400.pkl`` -> 400,000 images seen (the step StyleGAN's stats use)."""
    m = _SNAPSHOT.search(name)
    return int(m.group(1)) * 1000 if m else None


def read_options(path: Path) -> dict[str, Any]:
    """The parts of training_options.json a diagnosis needs (absent keys left out)."""
    try:
        opts = json.loads(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, ValueError):
        return {}
    if not isinstance(opts, dict):
        return {}
    out: dict[str, Any] = {}
    loss = opts.get("loss_kwargs") or opts.get("loss_args") or {}
    if isinstance(loss, dict):
        for k in ("class_name", "r1_gamma", "pl_weight", "style_mixing_prob"):
            if k in loss:
                out["loss" if k == "class_name" else k] = loss[k]
    ds = opts.get("training_set_kwargs") or opts.get("dataset_args") or {}
    if isinstance(ds, dict):
        if ds.get("max_size") is not None:
            out["dataset_size"] = ds["max_size"]
        if "xflip" in ds:
            out["xflip"] = bool(ds["xflip"])
        if "resolution" in ds:
            out["resolution"] = ds["resolution"]
    for k in ("ada_target", "augment_p", "batch_size", "total_kimg", "kimg_per_tick", "metrics"):
        if k in opts:
            out[k] = opts[k]
    if "augment_kwargs" in opts or "augment_args" in opts:
        out["augment"] = "ada" if opts.get("ada_target") is not None else "fixed"
    else:
        out["augment"] = "off"
    return out


def _read_metric_file(path: Path, stats: ParseStats) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rows, snapshots): one row per line, ``step`` from its snapshot's kimg."""
    rows: list[dict[str, Any]] = []
    snaps: list[dict[str, Any]] = []
    text = path.read_text(encoding="utf-8", errors="replace")
    for i, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s:
            continue
        try:
            obj = json.loads(s)
        except ValueError as exc:
            stats.skip(i, s, f"{path.name}: not valid JSON ({exc})")
            continue
        results = obj.get("results") if isinstance(obj, dict) else None
        snap = obj.get("snapshot_pkl") if isinstance(obj, dict) else None
        step = snapshot_step(str(snap)) if snap else None
        if not isinstance(results, dict) or step is None:
            stats.skip(i, s, f"{path.name}: no results or no snapshot_pkl with a kimg")
            continue
        row: dict[str, Any] = {"step": step}
        row.update({str(k): v for k, v in flatten_record(results).items()})
        if obj.get("timestamp") is not None:
            row["_metric_time"] = obj["timestamp"]
        rows.append(row)
        snaps.append({"step": step, "file": str(snap), "metric": obj.get("metric", path.stem[7:])})
    stats.lines_read += len(text.splitlines())
    return rows, snaps


def read_run_folder(folder: Path, options: ReadOptions, name: str) -> "Run":
    """stats.jsonl + metric-*.jsonl + training_options.json of one folder as one run."""
    import numpy as np
    import pandas as pd

    from ..frame import LossFamily, build_run
    from .tables import read_jsonl

    stats = ParseStats()
    names = {p.name for p in folder.iterdir() if p.is_file()}
    meta: dict[str, Any] = {"run_folder": str(folder)}
    parts: list["pd.DataFrame"] = []
    read: list[str] = []
    if "stats.jsonl" in names:
        frame = read_jsonl(Source.from_path(folder / "stats.jsonl"), stats)
        kimg = next((c for c in frame.columns if c in ("Progress/kimg", "kimg")), None)
        if kimg is not None:
            frame["step"] = np.round(pd.to_numeric(frame[kimg], errors="coerce") * 1000.0)
            meta["step_from"] = f"{kimg} x 1000 (images seen)"
        else:
            frame["step"] = np.arange(len(frame), dtype=float)
        parts.append(frame)
        read.append("stats.jsonl")
    snapshots: list[dict[str, Any]] = []
    evaluated: list[str] = []
    for fname in metric_files(names):
        rows, snaps = _read_metric_file(folder / fname, stats)
        if rows:
            cols = {k for r in rows for k in r if k not in ("step", "_metric_time")}
            evaluated += sorted(c for c in cols if c not in evaluated)
            printed = printed_nan_counts(rows, cols)
            if printed:
                meta.setdefault("nan_printed", {}).update(printed)
                at = meta.setdefault("nan_printed_steps", {})
                for c in printed:
                    at[c] = [r["step"] for r in rows if isinstance(r.get(c), float) and r[c] != r[c]]
            parts.append(pd.DataFrame.from_records(rows))
            snapshots.extend(snaps)
            read.append(fname)
    if not parts:
        raise InputError(str(folder), "a StyleGAN run folder without stats.jsonl or metric rows",
                         expected="stats.jsonl and/or metric-*.jsonl")
    if "training_options.json" in names:
        meta["stylegan"] = read_options(folder / "training_options.json")
        read.append("training_options.json")
    present = sorted(n for n in names if _SNAPSHOT.search(n))
    by_step: dict[int, dict[str, Any]] = {}
    for s in snapshots:
        entry = by_step.setdefault(int(s["step"]), {"step": int(s["step"]), "file": s["file"], "metrics": []})
        entry["metrics"].append(s["metric"])
    for f in present:
        st = snapshot_step(f)
        if st is not None:
            by_step.setdefault(st, {"step": st, "file": f, "metrics": []})
    for entry in by_step.values():
        entry["exists"] = entry["file"] in names
    # a metric file's values exist only at the snapshots it evaluated: NaN elsewhere is missing
    meta["evaluation_columns"] = evaluated
    meta["snapshots"] = [by_step[k] for k in sorted(by_step)]
    meta["snapshot_files"] = present
    meta["files_read"] = read
    if "log.txt" in names and "stats.jsonl" in names:
        meta["not_read"] = ["log.txt (its tick lines repeat stats.jsonl)"]

    merged = parts[0]
    for extra in parts[1:]:
        # one row per step: a metric evaluated at a tick's step joins that tick's row
        merged = merged.merge(extra, on="step", how="outer", suffixes=("", "_metric"))
    merged = merged.sort_values("step", kind="stable").reset_index(drop=True)
    if "_metric_time" in merged.columns:
        merged = merged.drop(columns=["_metric_time"])
    run = build_run(merged, name=name, source=str(folder), reader="stylegan", format="stylegan-run-folder",
                    stats=stats, loss_family=options.loss_family, extra_aliases=options.extra_aliases, meta=meta)
    loss = str(meta.get("stylegan", {}).get("loss", ""))
    if run.loss_family.decided_by != "user" and re.search(r"StyleGAN[23]?Loss", loss):
        run.loss_family = LossFamily(
            "bce_sum", f"training_options.json: {loss} (non-saturating logistic loss, real and fake terms summed)",
            "inferred")
    return run


def claim_folders(tables: "list[Path]", text_files: "list[Path]") -> "tuple[list[Path], list[Path], list[Path]]":
    """(StyleGAN run folders among the tables' folders, the tables left, the text files left).

    A run folder's stats.jsonl and metric files are read together by :func:`read_run_folder`;
    its log.txt is dropped when stats.jsonl holds the same ticks."""
    by_dir: dict[Path, set[str]] = {}
    for p in tables:
        by_dir.setdefault(p.parent, set()).add(p.name)
    folders = []
    for d, table_names in by_dir.items():
        try:
            names = {p.name for p in d.iterdir() if p.is_file()}
        except OSError:
            continue
        if is_run_folder(names) and (table_names & ({"stats.jsonl"} | set(metric_files(names)))):
            folders.append(d)
    taken = set(folders)
    left_tables = [p for p in tables if not (p.parent in taken and (p.name == "stats.jsonl" or _METRIC_FILE.match(p.name)))]
    left_text = [p for p in text_files
                 if not (p.parent in taken and p.name == "log.txt" and (p.parent / "stats.jsonl").is_file())]
    return folders, left_tables, left_text
