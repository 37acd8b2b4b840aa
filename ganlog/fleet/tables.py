"""The sweep's results as Parquet: ``runs.parquet``, ``findings.parquet`` and ``sweep.json``.

``runs.parquet`` has one row per run (an unreadable run is a row with ``verdict =
'error'`` and its ``error``), fixed columns first and then one column per hive-style
config key (typed: numbers when every value is a number). ``findings.parquet`` has one
row per finding, with each numeric evidence value as an ``ev_<name>`` column and all of
the evidence as JSON. Every file is written atomically (:mod:`ganlog.atomic`): a reader
sees the previous results or the new ones. ``sweep.json`` records what the results
depend on, so ``--since`` knows when it must re-analyze everything.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

RUNS = "runs.parquet"
FINDINGS = "findings.parquet"
MANIFEST = "sweep.json"

#: column -> pyarrow type name
RUN_COLUMNS: dict[str, str] = {
    "run": "string", "unit": "string", "path": "string", "name": "string", "reader": "string",
    "format": "string", "family": "string", "records": "int64", "first_step": "float64",
    "last_step": "float64", "steps": "int64", "verdict": "string", "verdict_reason": "string",
    "passed": "bool",
    "n_error": "int64", "n_warning": "int64", "n_info": "int64", "n_failing": "int64",
    "first_failing_step": "float64", "healthy_until": "float64", "codes": "string",
    "failing_codes": "string", "crashed": "string", "partial": "bool", "error": "string",
    "error_kind": "string", "error_detail": "string", "seconds": "float64", "fingerprint": "string",
    "frame_file": "string", "config": "string",
}
FINDING_COLUMNS: dict[str, str] = {
    "run": "string", "unit": "string", "index": "int64", "code": "string", "name": "string",
    "severity": "string", "confidence": "float64", "span_start": "float64", "span_end": "float64",
    "span_records": "int64", "message": "string", "remedies": "string", "failing": "bool",
    "evidence": "string",
}


def _arrow_type(name: str) -> Any:
    import pyarrow as pa

    return {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}[name]


def _typed(values: list[str | None]) -> tuple[str, list[Any]]:
    """Config values as numbers when all of them are numbers, else strings."""
    present = [v for v in values if v is not None]
    try:
        nums = [float(v) for v in present]
    except ValueError:
        return "string", values
    if all(math.isfinite(x) and x == int(x) and "." not in v and "e" not in v.lower()
           for x, v in zip(nums, present)):
        return "int64", [None if v is None else int(v) for v in values]
    return "float64", [None if v is None else float(v) for v in values]


def runs_table(rows: list[dict[str, Any]]) -> Any:
    import pyarrow as pa

    rows = sorted(rows, key=lambda r: r["run"])
    cols: dict[str, Any] = {}
    fields = []
    for c, t in RUN_COLUMNS.items():
        cols[c] = pa.array([r.get(c) for r in rows], type=_arrow_type(t))
        fields.append(c)
    configs = [json.loads(r.get("config") or "{}") for r in rows]
    keys = sorted({k for c in configs for k in c})
    for k in keys:
        name = k if k not in RUN_COLUMNS else f"config_{k}"
        t, vals = _typed([c.get(k) for c in configs])
        cols[name] = pa.array(vals, type=_arrow_type(t))
    return pa.table(cols)


def findings_table(rows: list[dict[str, Any]]) -> Any:
    import pyarrow as pa

    rows = sorted(rows, key=lambda r: (r["run"], r["index"]))
    cols = {c: pa.array([r.get(c) for r in rows], type=_arrow_type(t)) for c, t in FINDING_COLUMNS.items()}
    ev = sorted({k for r in rows for k in r if k.startswith("ev_")})
    for k in ev:
        cols[k] = pa.array([r.get(k) for r in rows], type=pa.float64())
    return pa.table(cols)


def write_results(out: Path, runs: list[dict[str, Any]], findings: list[dict[str, Any]],
                  manifest: dict[str, Any]) -> None:
    import pyarrow.parquet as pq

    from ..atomic import atomic_path, write_text

    out.mkdir(parents=True, exist_ok=True)
    for name, table in ((RUNS, runs_table(runs)), (FINDINGS, findings_table(findings))):
        with atomic_path(out / name) as tmp:
            pq.write_table(table, tmp, compression="zstd")
    write_text(out / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n")


def read_results(where: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """A previous sweep's rows (as written: fixed columns, config JSON, evidence columns)."""
    import pyarrow.parquet as pq

    from ..errors import InputError

    for name in (RUNS, FINDINGS):
        if not (where / name).is_file():
            raise InputError(str(where), f"no {name} here", expected="the --out folder of an earlier ganlog sweep")
    runs = [{k: v for k, v in r.items() if k in RUN_COLUMNS}
            for r in pq.read_table(where / RUNS).to_pylist()]
    findings = [{k: v for k, v in r.items() if k in FINDING_COLUMNS or (k.startswith("ev_") and v is not None)}
                for r in pq.read_table(where / FINDINGS).to_pylist()]
    manifest: dict[str, Any] = {}
    if (where / MANIFEST).is_file():
        manifest = json.loads((where / MANIFEST).read_text(encoding="utf-8"))
    return runs, findings, manifest
