"""``ganlog parse``: write the normalized table (CSV, JSONL or Parquet)."""

from __future__ import annotations

import sys

import click

from .common import make_config, read_options, read_runs, user_errors


@click.command(short_help="Write the normalized table of a log.")
@click.argument("path", metavar="PATH")
@click.option("--to", "out", default=None, metavar="FILE",
              help="Output file: .csv, .jsonl or .parquet (pyarrow). Default: CSV on stdout.")
@click.option("--explain", is_flag=True,
              help="Say which reader was picked and why, each column's role (with confidence and "
                   "reason) and the loss family with its reason and candidates; write no table.")
@read_options
@user_errors
def parse(path: str, out: str | None, explain: bool, fmt: str | None, loss_family: str | None,
          config_path: str | None, sets: tuple[str, ...], allow_pickle: bool) -> None:
    """Read PATH and write its normalized table (one row per record, canonical columns)."""
    if out is not None and out != "-" and not explain:
        from ..atomic import refuse_input_as_output

        refuse_input_as_output(out, [path])
    config = make_config(config_path, sets, loss_family)
    if explain:
        _explain(path, fmt=fmt, config=config, allow_pickle=allow_pickle)
        return
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

    # Numeric columns go to Arrow as zero-copy views of their numpy arrays (from_pandas on
    # row slices copied every slice first); anything else lets pandas write the table.
    arrays = []
    for c in frame.columns:  # type: ignore[attr-defined]
        a = frame[c].to_numpy()  # type: ignore[index]
        if a.dtype.kind not in "fiub":
            return False
        arrays.append(a)
    opts = pcsv.WriteOptions(include_header=False, batch_size=65_536)
    with open(path, "wb") as fh:  # type: ignore[call-overload]
        fh.write((",".join(cols) + "\n").encode())
        step = 250_000  # bounded memory: the text of one slice at a time
        for i in range(0, n, step):
            part = pa.table([pa.array(a[i:i + step]) for a in arrays], names=cols)
            pcsv.write_csv(part, fh, write_options=opts)
    return True


def _explain(path: str, *, fmt: str | None, config: "object", allow_pickle: bool) -> None:
    from ..readers import ReadOptions, explain, load_runs
    from ..readers.base import open_input

    source = open_input(path)  # stdin and pipes are spooled once, then sniffed and read
    try:
        choices = explain(source)
        for note in source.notes:
            click.echo(f"   {source.name}: {note}")
        for i, c in enumerate(choices):
            mark = "->" if i == 0 else "  "
            click.echo(f"{mark} {c.reader.name:<12} {c.sniff.score:4.2f}  {c.sniff.reason}")
        opts = ReadOptions(format=fmt, loss_family=config.loss_family,  # type: ignore[attr-defined]
                           extra_aliases=dict(config.aliases), allow_pickle=allow_pickle)  # type: ignore[attr-defined]
        runs = load_runs(source, opts)
    finally:
        source.release()
    for run in runs:
        click.echo("")
        click.echo(explain_run(run))


def explain_run(run: "object") -> str:
    """The role table and the loss family of one run, as `parse --explain` prints them."""
    from ..roles import unresolved

    r = run  # type: ignore[assignment]
    lines = [f"run {r.name}: {r.stats.records:,} records, format {r.format}"]  # type: ignore[attr-defined]
    reason = r.meta.get("format_reason")  # type: ignore[attr-defined]
    if reason:
        lines.append(f"  format: {reason}")
    rows = [("column", "role", "conf", "printed", "why")]
    for col, role in r.roles.items():  # type: ignore[attr-defined]
        rows.append((col, role.role, f"{role.confidence:.2f}", role.printed, role.reason))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines.append("roles:")
    for row in rows:
        lines.append("  " + "  ".join(row[i].ljust(widths[i]) for i in range(4)) + "  " + row[4])
    pairs = r.meta.get("pairs")  # type: ignore[attr-defined]
    if pairs:
        lines.append("pairs: " + "; ".join(f"{k}: {v['loss_d']} / {v['loss_g']}" for k, v in pairs.items()))
    fam = r.loss_family  # type: ignore[attr-defined]
    lines.append(f"loss family: {fam.name} (decided by {fam.decided_by}): {fam.reason}")
    if fam.candidates:
        lines.append(f"  candidates: {', '.join(fam.candidates)}")
    bad = unresolved(r)
    if bad:
        lines.append("unresolved (look adversarial, no role): " + ", ".join(f"'{b.printed}'" for b in bad))
        lines.append("  pin one with --role 'NAME=ROLE' or [tool.ganlog.roles]")
    missing = [c for c in ("loss_d", "loss_g") if c not in r.frame.columns]  # type: ignore[attr-defined]
    if missing and not pairs:
        lines.append(f"not found: {', '.join(missing)} (the core detectors need them)")
    return "\n".join(lines)
