"""Metric tables: CSV/TSV (Lightning ``metrics.csv``, tracker exports) and JSONL (StyleGAN ``stats.jsonl``).

Column names go through the alias table; the step column is found by name
(``step``, ``global_step``, ``Step``, ``_step``, ``iteration`` ...). Tables in
which several rows share a step -- Lightning writes one sparse row per
``log`` call, validation rows repeat the last training step -- are merged per
step, one metric at a time, exactly as event-file tags are
(:mod:`._align`). StyleGAN's ``{"Loss/D/loss": {"num", "mean", "std"}}`` entries
become their mean, with the std in a column of its own (``flatten_record``),
and its ``Progress/kimg`` gives the step (images seen) when nothing else does.

Which reader gets a file: this one only claims files whose name says table
(``.csv``, ``.tsv``, ``.jsonl``, ``.ndjson``, ``metrics.csv``, ``stats.jsonl``);
JSON lines inside a stdout log stay with the text reader.
"""

from __future__ import annotations

import json

import re
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..frame import ParseStats, alias_key, canonical_name, flatten_record
from .arrays import require_loss_column
from .base import Reader, ReadOptions, Sniff, Source

if TYPE_CHECKING:
    import pandas as pd

    from ..frame import Run

TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson")
TABLE_NAMES = ("metrics.csv", "stats.jsonl", "progress.csv", "history.csv")

# W&B's UI export names columns "<run name> - <metric>" and adds "__MIN"/"__MAX" twins.
_WANDB_PREFIX = re.compile(r"^.+? - (.+)$")
_WANDB_MINMAX = re.compile(r"__(MIN|MAX)$")
# TensorBoard's UI export: "run-<run>-tag-<tag>.csv" with columns Wall time, Step, Value.
_TB_EXPORT_NAME = re.compile(r"tag-(.+)$")


def is_table_name(filename: str) -> bool:
    low = filename.lower()
    return low.endswith(TABLE_SUFFIXES) or low in TABLE_NAMES


class TableReader(Reader):
    name = "tables"
    description = "CSV/TSV and JSONL metric tables (Lightning metrics.csv, StyleGAN stats.jsonl, tracker exports)"

    def sniff(self, source: Source) -> Sniff:
        fname = source.filename
        if is_json_array(source.head(4096)):
            return Sniff(0.95, f"{fname or 'input'}: a JSON array of records (Chainer LogReport's log)")
        if not is_table_name(fname):
            return Sniff.no("not named .csv/.tsv/.jsonl")
        head = source.head(4096)
        if b"\x00" in head:
            return Sniff(0.3, f"named {fname} but holds binary data")
        text = head.decode("utf-8", "replace").lstrip("\ufeff").lstrip()
        if fname.lower().endswith((".jsonl", ".ndjson")):
            if text.startswith("{"):
                return Sniff(0.95, f"{fname}: JSON objects, one per line")
            return Sniff(0.6, f"named {fname} but the first line is not a JSON object")
        first = text.split("\n", 1)[0]
        if "," in first or "\t" in first:
            n_cols = len(re.split(r"[,\t]", first))
            return Sniff(0.95, f"{fname}: a header row of {n_cols} columns")
        return Sniff(0.6, f"named {fname} but the first line has no separator")

    def read(self, source: Source, options: ReadOptions) -> "list[Run]":
        if source.is_dir:
            raise InputError(source.name, "is a folder; the tables reader reads one CSV/JSONL file",
                             expected="a file, or no --format to read the folder's runs")
        stats = ParseStats()
        low = source.filename.lower()
        if is_json_array(source.head(4096)):
            frame, trainer = read_json_array(source, stats)
            run = table_to_run(frame, source=source.name, name=options.run_name or _run_name(source),
                               fmt="json-array", stats=stats, options=options)
            if trainer:
                run.meta["trainer"] = trainer
            return [run]
        if low.endswith((".jsonl", ".ndjson")) or source.head(64).lstrip().startswith(b"{"):
            frame, fmt = read_jsonl(source, stats), "jsonl"
            if low == "stats.jsonl" or any(c.startswith("Progress/") for c in frame.columns):
                fmt = "stylegan-stats"
            elif "metric" in frame.columns and any(str(c).startswith("results/") for c in frame.columns):
                frame, fmt = stylegan_metric_frame(frame), "stylegan-metric"
        else:
            frame, fmt = read_csv(source, stats), "csv"
        name = options.run_name or _run_name(source)
        parts = _split_wandb_runs(frame)
        if parts is not None:  # a W&B export of several runs: one Run each
            import copy

            runs = []
            for run_name, part in parts:
                part, fmt2 = _tracker_export(part, source, fmt)
                runs.append(table_to_run(part, source=source.name, name=f"{name}/{run_name}", fmt=fmt2,
                                         stats=copy.deepcopy(stats), options=options))
            return runs
        frame, fmt = _tracker_export(frame, source, fmt)
        frame = _unique_columns(frame, source.name, stats)
        run = table_to_run(frame, source=source.name, name=name, fmt=fmt, stats=stats, options=options)
        if fmt.startswith("stylegan"):
            run.meta.setdefault("trainer", "stylegan2-ada")
        elif fmt == "jsonl" and "trainer" not in run.meta:
            from .formats import guess_trainer

            trainer = guess_trainer(source.head(65536).decode("utf-8", "replace"))
            if trainer:  # BigGAN-PyTorch's log.jsonl and other logs whose names give their trainer away
                run.meta["trainer"] = trainer
        return [run]


def _split_wandb_runs(frame: "pd.DataFrame") -> "list[tuple[str, pd.DataFrame]] | None":
    """``run1 - loss_d, run2 - loss_d`` (a W&B export of two runs): the columns of each run,
    with the shared step columns; None for one run or another kind of table."""
    cols = [str(c) for c in frame.columns]
    runs: dict[str, list[int]] = {}
    shared: list[int] = []
    for i, c in enumerate(cols):
        m = re.match(r"^(.+?) - (.+)$", c)
        if m:
            runs.setdefault(m.group(1), []).append(i)
        else:
            shared.append(i)
    if len(runs) < 2 or len(shared) > 2:
        return None
    out = []
    for run_name, idx in runs.items():
        part = frame.iloc[:, shared + idx].copy()
        part = part.dropna(how="all", subset=[part.columns[k] for k in range(len(shared), part.shape[1])])
        out.append((run_name, part))
    return out


def _unique_columns(frame: "pd.DataFrame", source: str, stats: ParseStats) -> "pd.DataFrame":
    """Repeated column names (two runs exported side by side) get ``_2``, ``_3``, and a warning."""
    names = [str(c) for c in frame.columns]
    if len(set(names)) == len(names):
        return frame
    seen: dict[str, int] = {}
    new = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        new.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    repeated = sorted(n for n, k in seen.items() if k > 1)
    stats.warn(f"{source}: column name(s) repeated: {', '.join(repeated[:5])}; the repeats were renamed "
               f"{new[names.index(repeated[0], names.index(repeated[0]) + 1)]!r}, ... (two runs in one file? "
               "export one run per file)")
    frame = frame.copy()
    frame.columns = new
    return frame


def _run_name(source: Source) -> str:
    if source.path is not None and source.filename.lower() in TABLE_NAMES:
        return source.path.resolve().parent.name or source.stem
    return source.stem


# --------------------------------------------------------------------------- CSV

def read_csv(source: Source, stats: ParseStats) -> "pd.DataFrame":
    """A CSV/TSV table. Rows with a wrong number of fields are skipped (line numbers kept)."""
    import io

    import pandas as pd

    data = source.read_bytes()
    if not data.strip():
        raise InputError(source.name, "the file is empty", expected="a CSV header row and metric rows")
    text_head = data[:4096].decode("utf-8", "replace")
    sep = "\t" if source.filename.lower().endswith(".tsv") or (
        "\t" in text_head.split("\n", 1)[0] and "," not in text_head.split("\n", 1)[0]) else ","
    stats.lines_read = data.count(b"\n") + (not data.endswith(b"\n"))
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:  # a stray byte: decoded as U+FFFD, said, and read on
        stats.warn(f"{source.name}: byte {exc.start:,} is not UTF-8; such bytes were read as U+FFFD")
        data = data.decode("utf-8", "replace").encode("utf-8")
    quote = _unbalanced_quote(data)
    if quote is not None:
        raise InputError(source.name, "a quote (\") opened here is never closed, so the rest of the file "
                         "would be one field", where=f"line {quote}", expected="balanced double quotes")
    try:
        return pd.read_csv(io.BytesIO(data), sep=sep, engine="c", low_memory=False)
    except pd.errors.ParserError:
        pass  # a ragged row: read again, keeping the good rows and naming the bad ones
    except pd.errors.EmptyDataError:
        raise InputError(source.name, "no columns: the file holds no CSV header",
                         expected="a CSV header row and metric rows") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(source.name, f"not a readable CSV table ({exc})", expected="a CSV header and rows") from None
    bad: list[int] = []
    header = data.split(b"\n", 1)[0].decode("utf-8", "replace")
    n_fields = len(header.split(sep))

    def on_bad(fields: list[str]) -> None:
        bad.append(len(fields))
        return None

    try:
        frame = pd.read_csv(io.BytesIO(data), sep=sep, engine="python", on_bad_lines=on_bad)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv_error()) as exc:
        raise InputError(source.name, f"not a readable CSV table ({' '.join(str(exc).split())[:200]})",
                         expected="a CSV header and rows") from None
    lines = data.decode("utf-8", "replace").splitlines()
    for i, line in enumerate(lines[1:], 2):
        if line.strip() and len(line.split(sep)) != n_fields:
            stats.skip(i, line, f"{len(line.split(sep))} fields, the header has {n_fields}")
    first = stats.skipped_examples[0] if stats.skipped_examples else None
    where = f" (first at line {first.line}: {first.reason})" if first else ""
    stats.warn(f"{source.name}: skipped {len(bad):,} row(s) with a wrong number of fields{where}")
    return frame


def csv_error() -> type:
    import csv

    return csv.Error


def _unbalanced_quote(data: bytes) -> int | None:
    """The line where a double quote opens a field that never closes, else None (linear scan)."""
    if data.count(b'"') % 2 == 0:
        return None
    line = 1
    open_at: int | None = None
    for chunk_line, piece in enumerate(data.split(b"\n"), 1):
        n = piece.count(b'"')
        if n % 2:
            open_at = chunk_line if open_at is None else None
        line = chunk_line
    return open_at if open_at is not None else line


# --------------------------------------------------------------------------- StyleGAN metric-*.jsonl

_SNAPSHOT_KIMG = re.compile(r"network-snapshot-(\d+)")


def stylegan_metric_frame(frame: "pd.DataFrame") -> "pd.DataFrame":
    """StyleGAN2-ADA / StyleGAN3 ``metric-<name>.jsonl``: ``{"results": {"fid50k_full": ..},
    "snapshot_pkl": "network-snapshot-000400.pkl", ...}`` -> the metric by name, and ``kimg``
    (from the snapshot name) from which the step (images seen) follows."""
    import pandas as pd

    out = {str(c)[len("results/"):]: frame[c] for c in frame.columns if str(c).startswith("results/")}
    if "snapshot_pkl" in frame.columns:
        kimg = [float(m.group(1)) if (m := _SNAPSHOT_KIMG.search(str(v))) else float("nan")
                for v in frame["snapshot_pkl"]]
        out = {"kimg": pd.Series(kimg, index=frame.index), **out}
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- JSON array

_LINE_NUMBER = re.compile(r"^\d+\s+(?=\{)")

_JSON_ARRAY = re.compile(rb"^\s*\[\s*(?:\{|\]\s*$)")


def is_json_array(head: bytes) -> bool:
    """A JSON array of objects (``[{"epoch": 1, ...}, ...]``): Chainer's LogReport ``log``."""
    return bool(_JSON_ARRAY.match(head.lstrip(b"\xef\xbb\xbf")))


def read_json_array(source: Source, stats: ParseStats) -> "tuple[pd.DataFrame, str]":
    """The records of a JSON-array log, and the trainer when the names say it (Chainer)."""
    import pandas as pd

    text = source.read_bytes().decode("utf-8", "replace").lstrip("\ufeff")
    stats.lines_read = text.count("\n") + (not text.endswith("\n"))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        # A log copied while training wrote it: read the whole objects before the cut.
        end = text.rfind("}", 0, exc.pos) if exc.pos else -1
        try:
            data = json.loads(text[: end + 1] + "]") if end > 0 else None
        except json.JSONDecodeError:
            data = None
        if data is None:
            raise InputError(source.name, f"not a readable JSON array ({exc.msg} at line {exc.lineno})",
                             where=f"line {exc.lineno}", expected="a JSON array of objects") from None
        stats.warn(f"{source.name}: the JSON array is cut off at line {exc.lineno}; read the "
                   f"{len(data):,} whole record(s) before it", partial=True)
    records = [flatten_record(r) for r in data if isinstance(r, dict)]
    if not records:
        raise InputError(source.name, "a JSON array without records", expected="a JSON array of objects")
    keys = set().union(*(r.keys() for r in records[:50]))
    trainer = "chainer" if ("iteration" in keys and ("elapsed_time" in keys or any(
        k.startswith(("main/", "gen/", "dis/")) for k in keys))) else ""
    return pd.DataFrame.from_records(records), trainer


# --------------------------------------------------------------------------- JSONL

def read_jsonl(source: Source, stats: ParseStats) -> "pd.DataFrame":
    """JSON objects one per line (Python's ``NaN``/``Infinity`` accepted); nested dicts flattened."""
    import pandas as pd

    data = source.read_bytes()
    text = data.decode("utf-8", "replace").lstrip("\ufeff")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    stats.lines_read = len(lines)
    records: list[dict[str, Any]] = []
    loads = json.loads
    last = len(lines)
    for i, line in enumerate(lines, 1):
        s = line.strip()
        if not s:
            continue
        if s[0].isdigit():
            s = _LINE_NUMBER.sub("", s, count=1)  # a log copied with `cat -n`
        try:
            obj = loads(s)
        except json.JSONDecodeError as exc:
            if i == last and not text.endswith("\n"):
                stats.warn(f"{source.name}: line {i}: last line cut short ({exc.msg}); read up to it",
                           partial=True)
            else:
                stats.skip(i, s, f"not valid JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(obj, dict):
            stats.skip(i, s, "a JSON value that is not an object")
            continue
        records.append(flatten_record(obj))
    if stats.lines_skipped:
        ex = stats.skipped_examples[0]
        stats.warn(f"{source.name}: skipped {stats.lines_skipped:,} line(s); first at line {ex.line}: {ex.reason}")
    if not records:
        first = stats.skipped_examples[0] if stats.skipped_examples else None
        raise InputError(source.name, "no JSON objects to read" + (f" ({first.reason})" if first else ""),
                         where=f"line {first.line}" if first else None,
                         expected="one JSON object per line")
    return pd.DataFrame.from_records(records)


# --------------------------------------------------------------------------- to a Run

def _tracker_export(frame: "pd.DataFrame", source: Source, fmt: str) -> "tuple[pd.DataFrame, str]":
    """Undo the column naming of tracker UI exports (W&B, TensorBoard's CSV download)."""
    cols = [str(c) for c in frame.columns]
    if {alias_key(c) for c in cols} == {"walltime", "step", "value"}:
        m = _TB_EXPORT_NAME.search(source.stem)
        tag = m.group(1) if m else source.stem
        frame = frame.rename(columns={c: tag for c in cols if alias_key(c) == "value"})
        return frame, "tensorboard-csv"
    prefixed = [c for c in cols if _WANDB_PREFIX.match(c)]
    if prefixed and len(prefixed) >= len(cols) - 2:
        drop = [c for c in cols if _WANDB_MINMAX.search(c)]
        frame = frame.drop(columns=drop)
        ren = {}
        for c in frame.columns:
            m = _WANDB_PREFIX.match(str(c))
            if m:
                ren[c] = m.group(1)
        return frame.rename(columns=ren), "wandb-csv"
    return frame, fmt


def table_to_run(frame: "pd.DataFrame", *, source: str, name: str, fmt: str, stats: ParseStats,
                 options: ReadOptions) -> "Run":
    """Columns through the aliases, the step found by name, sparse rows merged per step."""
    import numpy as np
    import pandas as pd

    from ._align import pivot, run_from_columns
    from ..frame import build_run

    names = [str(c) for c in frame.columns]
    frame.columns = names
    meta: dict[str, object] = {}
    require_loss_column(names, source, options)
    extra = options.extra_aliases
    step_col = next((c for c in names if canonical_name(c, extra) == "step"), None)
    kimg = next((c for c in names if alias_key(c) in {"progresskimg", "kimg"}), None)
    if step_col is None and kimg is not None:
        frame = frame.copy()
        frame["step"] = np.round(pd.to_numeric(frame[kimg], errors="coerce") * 1000.0)
        step_col = "step"
        meta["step_from"] = f"{kimg} x 1000 (images seen)"
    numeric = {c: _numeric(frame[c]) for c in names if c != step_col}
    if step_col is not None:
        steps = pd.to_numeric(frame[step_col], errors="coerce").to_numpy(dtype=float)
        has = np.isfinite(steps)
        if not has.all():
            stats.warn(f"{source}: {int((~has).sum()):,} row(s) without a step value were dropped")
        steps_i = steps[has].astype(np.int64)
        whole = np.all(steps[has] == steps_i)
        dup = whole and len(steps_i) > 1 and bool(np.any(np.diff(steps_i) == 0))
        if dup:  # sparse rows (Lightning): merge per step, metric by metric
            cols = [c for c in numeric]
            metric, step_l, value = [], [], []
            for k, c in enumerate(cols):
                v = numeric[c][has]
                ok = ~np.isnan(v)
                metric.append(np.full(int(ok.sum()), k, dtype=np.int64))
                step_l.append(steps_i[ok])
                value.append(v[ok])
            # interleave in row order, as written
            rows = np.concatenate([np.flatnonzero(~np.isnan(numeric[c][has])) for c in cols])
            order = np.argsort(rows, kind="stable")
            m = np.concatenate(metric)[order]
            s = np.concatenate(step_l)[order]
            val = np.concatenate(value)[order]
            wide, dupes = pivot(m, s, val, cols)
            if dupes:
                stats.warn(f"{source}: {dupes:,} value(s) repeated a step of their column; the last was kept")
            return run_from_columns(wide, cols, run_name=name, source=source, reader="tables",
                                    format=fmt, stats=stats, options=options, meta=meta)
        data = {"step": steps[has]}
        data.update({c: v[has] for c, v in numeric.items()})
    else:
        data = dict(numeric)
    out = pd.DataFrame(data)
    return build_run(out, name=name, source=source, reader="tables", format=fmt, stats=stats,
                     loss_family=options.loss_family, extra_aliases=extra, meta=meta)


def _numeric(col: "pd.Series") -> "np.ndarray":
    import numpy as np
    import pandas as pd

    if pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
        return col.to_numpy(dtype=float, na_value=np.nan)
    from ..frame import to_float

    return np.array([to_float(v) for v in col], dtype=float)



