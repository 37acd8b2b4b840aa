"""The one per-run function both engines call: read a run folder, analyze it, return plain rows.

It reads with ``ganlog check``'s own reading (:func:`ganlog.cli.check.collect_runs`) and
judges with check's rules (:func:`ganlog.judge.judge`), so a run's row and findings are
what ``ganlog check RUN_FOLDER`` says about it. It never raises: a folder that cannot be
read is a row with its error. Rows are dicts of plain values (str, int, float, bool,
None), cheap to pickle back from a worker process or a Dask worker.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import re
import shutil
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from .discover import Root, Unit

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..frame import Run


@dataclass(frozen=True)
class Settings:
    """What every worker needs to analyze a run the way ``ganlog check`` would."""

    fmt: str | None = None
    loss_family: str | None = None
    config_path: str | None = None
    sets: tuple[str, ...] = ()
    allow_pickle: bool = False
    fail_on: tuple[str, ...] = ()  #: as check's --fail-on: at most one severity, and/or "inconclusive"
    frames_dir: str | None = None  #: write each run's normalized frame here (Parquet, zstd)

    def key(self) -> str:
        """What the results depend on besides the files: --since re-analyzes all when it changes."""
        from .. import __version__

        return json.dumps([__version__, self.fmt, self.loss_family, self.config_path, list(self.sets),
                           self.allow_pickle, list(self.fail_on)], sort_keys=True)


@functools.lru_cache(maxsize=4)
def _config(settings: Settings) -> Any:
    from ..cli.common import make_config

    return make_config(settings.config_path, settings.sets, settings.loss_family)


def threshold(settings: Settings) -> tuple[Any, bool]:
    """The severity that fails a run and whether INCONCLUSIVE fails it, as ``ganlog check`` picks them."""
    from ..detectors.base import Severity
    from ..errors import UsageError

    config = _config(settings)
    severities = [f for f in settings.fail_on if f != "inconclusive"]
    if len(severities) > 1:
        raise UsageError(f"--fail-on: one severity at most, got {', '.join(severities)}")
    limit = Severity.parse(severities[0]) if severities else config.fail_on
    return limit, "inconclusive" in settings.fail_on or bool(getattr(config, "fail_on_inconclusive", False))


def fail_on_label(settings: Settings) -> str:
    limit, inconclusive = threshold(settings)
    return limit.label + (" or inconclusive" if inconclusive else "")


def run_id(unit: Unit, run: "Run", n_runs: int) -> str:
    """The run's key in the tables: its folder, plus the run's name when the folder holds several."""
    base = unit.rel or "."
    return base if n_runs == 1 else f"{base}::{run.name}"


@contextlib.contextmanager
def unit_path(root: Root, unit: Unit) -> Iterator[tuple[Path, str]]:
    """A local path to read the unit from, and the prefix to show instead of it in sources.

    Object-store units are copied to a temporary folder (only the unit's own files)."""
    if root.local is not None:
        p = root.local if unit.is_file else root.local / unit.rel
        yield p, ""
        return
    fs = root.filesystem()
    tmp = Path(tempfile.mkdtemp(prefix="ganlog-fleet-"))
    try:
        for f in unit.files:
            src = root.path if unit.is_file else f"{root.path}/{f.rel}"
            dest = tmp / f.rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            with fs.open(src, "rb") as fh, open(dest, "wb") as out:
                shutil.copyfileobj(fh, out, 1 << 20)
        yield (tmp / unit.rel if not unit.is_file else tmp / unit.files[0].rel), str(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def read_unit(root: Root, unit: Unit, settings: Settings, path: Path, shown: str) -> "list[Run]":
    """check's runs of this folder, minus the runs of nested run folders (they are units too)."""
    from ..cli.check import collect_runs

    runs = collect_runs([str(path)], fmt=settings.fmt, config=_config(settings),
                        allow_pickle=settings.allow_pickle)
    base = path.parent if unit.is_file else path
    if unit.nested:
        inner = [str(base / n[len(unit.rel):].lstrip("/")) + "/" for n in unit.nested]
        runs = [r for r in runs if not any(r.source.startswith(i) for i in inner)]
    if shown:
        for r in runs:
            if r.source.startswith(shown):
                r.source = root.url + r.source[len(shown):]
    return runs


def analyze_unit(root: Root, unit: Unit, settings: Settings) -> dict[str, Any]:
    """Read and judge one run folder. Returns ``{"unit", "fingerprint", "runs", "findings",
    "notes", "seconds"}``; never raises."""
    t0 = time.perf_counter()
    out: dict[str, Any] = {"unit": unit.rel, "fingerprint": unit.fingerprint, "runs": [], "findings": [],
                           "notes": []}
    try:
        with unit_path(root, unit) as (path, shown):
            try:
                runs = read_unit(root, unit, settings, path, shown)
            except Exception as exc:  # noqa: BLE001 -- an unreadable run is a row, never a crash
                from ..errors import GanlogError

                if isinstance(exc, GanlogError) and unit.only_text and not _any_log(path, unit):
                    out["notes"].append(f"{unit.rel or '.'}: no training log here ({exc})")
                else:
                    msg = str(exc) if isinstance(exc, GanlogError) else f"internal error: {exc!r}"
                    out["runs"].append(error_row(root, unit, msg, kind=type(exc).__name__))
                runs = []
            if runs:
                from ..analysis import analyze
                from ..judge import judge

                cfg = _config(settings)
                limit, inconclusive = threshold(settings)
                for run in runs:
                    t1 = time.perf_counter()
                    analysis = analyze(run, cfg)
                    judged = judge([analysis], limit, fail_on_inconclusive=inconclusive).runs[0]
                    rid = run_id(unit, run, len(runs))
                    row, findings = rows_of(rid, unit, analysis, judged)
                    row["seconds"] = time.perf_counter() - t1
                    if settings.frames_dir:
                        row["frame_file"] = write_frame(settings.frames_dir, rid, run)
                    out["runs"].append(row)
                    out["findings"].extend(findings)
    except Exception as exc:  # noqa: BLE001 -- e.g. the object store refused a download
        out["runs"].append(error_row(root, unit, f"{type(exc).__name__}: {exc}", kind=type(exc).__name__,
                                     detail=traceback.format_exc(limit=3)))
    out["seconds"] = time.perf_counter() - t0
    return out


def _any_log(path: Path, unit: Unit) -> bool:
    """Whether a text-only folder holds a file some reader takes for a log (then its error counts)."""
    from ..readers import Source, explain

    base = path.parent if unit.is_file else path
    for f in unit.files:
        p = base / Path(f.rel).name if unit.is_file else base / f.rel[len(unit.rel):].lstrip("/")
        try:
            choices = explain(Source.from_path(p))
        except OSError:
            return True
        if choices and choices[0].sniff.score >= 0.5:
            return True
    return False


def error_row(root: Root, unit: Unit, message: str, *, kind: str = "error", detail: str = "") -> dict[str, Any]:
    return {
        "run": unit.rel or ".",
        "unit": unit.rel,
        "path": root.join(unit.rel) if not unit.is_file else root.url,
        "name": Path(unit.rel).name or ".",
        "verdict": "error",
        "passed": False,
        "error": message,
        "error_kind": kind,
        "error_detail": detail or None,
        "fingerprint": unit.fingerprint,
        "config": json.dumps(dict(unit.config)),
    }


def rows_of(rid: str, unit: Unit, analysis: "Analysis", judged: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A run's row and its findings' rows: the numbers ``ganlog check --format json`` prints."""
    from ..detectors.base import Severity

    run = analysis.run
    df = run.frame
    steps = df["step"] if "step" in df.columns and len(df) else None
    counts = {s.label: 0 for s in Severity}
    for f in analysis.findings:
        counts[f.severity.label] += 1
    failing = judged.failing
    starts = [f.span.start for f in failing if f.span is not None]
    input_errors = judged.input_errors
    healthy_until = analysis.healthy_until
    row: dict[str, Any] = {
        "run": rid,
        "unit": unit.rel,
        "path": run.source,
        "name": run.name,
        "reader": run.reader,
        "format": run.format,
        "family": run.loss_family.name,
        "records": int(len(df)),
        "first_step": _num(steps.iloc[0]) if steps is not None else None,
        "last_step": _num(steps.iloc[-1]) if steps is not None else None,
        "steps": int(steps.nunique()) if steps is not None else 0,
        "verdict": analysis.verdict,
        "verdict_reason": getattr(analysis, "verdict_reason", None),
        "passed": bool(judged.passed),
        "n_error": counts.get("error", 0),
        "n_warning": counts.get("warning", 0),
        "n_info": counts.get("info", 0),
        "n_failing": len(failing),
        "first_failing_step": _num(min(starts)) if starts else None,
        "healthy_until": _num(healthy_until) if healthy_until is not None else None,
        "codes": ",".join(sorted({f.code for f in analysis.findings})),
        "failing_codes": ",".join(sorted({f.code for f in failing}
                                         | ({"inconclusive"} if judged.fails_inconclusive else set()))),
        "crashed": ",".join(c.code for c in analysis.crashed),
        "partial": bool(run.partial),
        "error": "; ".join(input_errors) if input_errors else None,
        "error_kind": "InputError" if input_errors else None,
        "error_detail": None,
        "fingerprint": unit.fingerprint,
        "config": json.dumps(dict(unit.config)),
    }
    findings = []
    for i, f in enumerate(analysis.findings):
        fr: dict[str, Any] = {
            "run": rid,
            "unit": unit.rel,
            "index": i,
            "code": f.code,
            "name": f.name,
            "severity": f.severity.label,
            "confidence": round(float(f.confidence), 3),
            "span_start": _num(f.span.start) if f.span else None,
            "span_end": _num(f.span.end) if f.span else None,
            "span_records": int(f.span.records) if f.span else None,
            "message": f.message,
            "remedies": ",".join(f.remedies),
            "failing": bool(judged.counts_against(f)),
        }
        plain = f.to_dict()["evidence"]
        fr["evidence"] = json.dumps(plain, default=str, allow_nan=True)
        for k, v in plain.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                fr["ev_" + _column(k)] = float(v)
        findings.append(fr)
    return row, findings


def _column(name: str) -> str:
    return re.sub(r"[^0-9A-Za-z_]+", "_", str(name)).strip("_").lower() or "value"


def _num(v: Any) -> float | None:
    v = v.item() if hasattr(v, "item") else v
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def safe_name(rid: str) -> str:
    """A file name for a run id (stable, unique: a short hash keeps ids that differ in punctuation apart)."""
    import hashlib

    stem = re.sub(r"[^0-9A-Za-z=._-]+", "_", rid).strip("._")[:120] or "run"
    return f"{stem}-{hashlib.sha1(rid.encode()).hexdigest()[:8]}"


def write_frame(frames_dir: str, rid: str, run: "Run") -> str:
    """The run's normalized table as Parquet (zstd), written atomically; returns its file name."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..atomic import atomic_path

    name = safe_name(rid) + ".parquet"
    table = pa.Table.from_pandas(run.frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"ganlog.run": rid.encode()})
    with atomic_path(Path(frames_dir) / name) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    return name
