"""SQL over a sweep's results with DuckDB: Parquet scanned in place, exposed as views."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from .tables import FINDINGS, RUNS


def connect(results: str | Path) -> Any:
    """A DuckDB connection with views ``runs`` and ``findings`` over RESULTS' Parquet files."""
    from ..errors import InputError, UsageError

    try:
        import duckdb
    except ImportError:
        raise UsageError("ganlog query needs duckdb: pip install 'ganlog[fleet]'") from None
    where = Path(results)
    for name in (RUNS, FINDINGS):
        if not (where / name).is_file():
            raise InputError(str(where), f"no {name} here", expected="the --out folder of ganlog sweep")
    con = duckdb.connect(":memory:")
    for view, name in (("runs", RUNS), ("findings", FINDINGS)):
        path = str((where / name).resolve()).replace("'", "''")
        con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet('{path}')")
    return con


def run_query(results: str | Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    from ..errors import UsageError

    con = connect(results)
    import duckdb

    try:
        cur = con.execute(sql)
    except duckdb.Error as exc:
        raise UsageError(f"query failed: {' '.join(str(exc).split())}") from None
    if cur.description is None:
        return [], []
    return [d[0] for d in cur.description], cur.fetchall()


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}" if math.isfinite(v) else str(v)
    return str(v)


def format_result(columns: list[str], rows: list[tuple[Any, ...]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([dict(zip(columns, r)) for r in rows], indent=2, default=str, ensure_ascii=False) + "\n"
    if fmt == "csv":
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        w.writerows([[_cell(v) for v in r] for r in rows])
        return buf.getvalue()
    cells = [[_cell(v) for v in r] for r in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    numeric = [all(isinstance(r[i], (int, float)) or r[i] is None for r in rows) and bool(rows)
               for i in range(len(columns))]

    def line(vals: list[str]) -> str:
        return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(vals, widths, numeric)).rstrip()

    out = [line(columns), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"
