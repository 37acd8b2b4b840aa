"""``ganlog parse``: write the normalized table (CSV, JSONL or Parquet)."""

from __future__ import annotations

import sys

import click

from .common import make_config, read_options, read_runs, user_errors


@click.command(short_help="Write the normalized table of a log.")
@click.argument("path", metavar="PATH")
@click.option("--to", "out", default=None, metavar="FILE",
              help="Output file: .csv, .jsonl or .parquet (pyarrow). Default: CSV on stdout.")
@click.option("--explain", is_flag=True, help="Say which reader was picked and why, then stop.")
@read_options
@user_errors
def parse(path: str, out: str | None, explain: bool, fmt: str | None, loss_family: str | None,
          config_path: str | None, sets: tuple[str, ...], allow_pickle: bool) -> None:
    """Read PATH and write its normalized table (one row per record, canonical columns)."""
    if explain:
        _explain(path)
        return
    if out is not None and out != "-":
        from ..atomic import refuse_input_as_output

        refuse_input_as_output(out, [path])
    config = make_config(config_path, sets, loss_family)
    runs = read_runs([path], fmt=fmt, config=config, allow_pickle=allow_pickle)
    import pandas as pd

    if len(runs) == 1:
        frame = runs[0].frame
    else:
        frame = pd.concat([r.frame.assign(run=r.name) for r in runs], ignore_index=True)
    write_table(frame, out)
    for run in runs:
        st = run.stats
        msg = f"{run.name}: {st.records:,} records from {st.lines_read:,} lines ({run.format})"
        if st.lines_skipped:
            msg += f", {st.lines_skipped:,} skipped"
        if run.partial:
            msg += ", PARTIAL"
        click.echo(msg, err=True)
    # Damaged input: the readable part was written; each problem is one line, and the exit is 2,
    # as `analyze` and `check` exit on the same file.
    problems = [e for run in runs for e in run.meta.get("input_errors", ())]
    for e in problems:
        click.echo(f"ganlog: error: {e}", err=True)
    if problems:
        sys.exit(2)


def write_table(frame: "object", out: str | None) -> None:
    from ..atomic import atomic_path
    from ..errors import UsageError

    if out is None or out == "-":
        frame.to_csv(sys.stdout, index=False)  # type: ignore[attr-defined]
        return
    low = out.lower()
    with atomic_path(out) as tmp:
        if low.endswith(".csv"):
            if not _write_csv_arrow(frame, tmp):
                frame.to_csv(tmp, index=False)  # type: ignore[attr-defined]
        elif low.endswith((".jsonl", ".ndjson")):
            frame.to_json(tmp, orient="records", lines=True)  # type: ignore[attr-defined]
        elif low.endswith(".parquet"):
            try:
                import pyarrow  # noqa: F401
            except ImportError:
                raise UsageError("writing .parquet needs pyarrow: pip install 'ganlog[parquet]'") from None
            frame.to_parquet(tmp, index=False)  # type: ignore[attr-defined]
        else:
            raise UsageError(f"unknown output type for {out!r} (expected .csv, .jsonl or .parquet)")


def _write_csv_arrow(frame: "object", path: "object") -> bool:
    """Large tables through pyarrow's CSV writer (pandas' to_csv takes ~3 s per million rows).

    Written in slices so memory stays bounded; the header is written plainly (pyarrow quotes it).
    Returns False when pyarrow is missing or the table is small, and pandas writes it.
    """
    n = len(frame)  # type: ignore[arg-type]
    if n < 50_000:
        return False
    try:
        import pyarrow as pa
        import pyarrow.csv as pcsv
    except ImportError:
        return False
    cols = [str(c) for c in frame.columns]  # type: ignore[attr-defined]
    if any("," in c or '"' in c or "\n" in c for c in cols):
        return False
    opts = pcsv.WriteOptions(include_header=False)
    with open(path, "wb") as fh:  # type: ignore[call-overload]
        fh.write((",".join(cols) + "\n").encode())
        step = 250_000
        for i in range(0, n, step):
            part = pa.Table.from_pandas(frame.iloc[i:i + step], preserve_index=False)  # type: ignore[attr-defined]
            pcsv.write_csv(part, fh, write_options=opts)
    return True


def _explain(path: str) -> None:
    from ..readers import explain
    from ..readers.base import open_input

    source = open_input(path)
    try:
        choices = explain(source)
    finally:
        source.release()
    for note in source.notes:
        click.echo(f"   {source.name}: {note}")
    for i, c in enumerate(choices):
        mark = "->" if i == 0 else "  "
        click.echo(f"{mark} {c.reader.name:<12} {c.sniff.score:4.2f}  {c.sniff.reason}")
