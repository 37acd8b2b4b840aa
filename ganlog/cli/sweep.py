"""``ganlog sweep``: analyze every run under a folder or an fsspec URL, in parallel, into Parquet.

Exit codes as ``ganlog check``: 0 no more than ``--max-failing-runs`` runs with findings
at or above ``--fail-on``; 1 more; 2 a usage or configuration error, or a run that could
not be read (it is a row with its error in runs.parquet, never left out).
"""

from __future__ import annotations

import sys

import click

from .check import FAIL_ON
from .common import read_options, user_errors


@click.command(short_help="Analyze every run under ROOT in parallel; write Parquet tables and a fleet report.")
@click.argument("root", metavar="ROOT")
@click.option("--out", "-o", "out", required=True, metavar="RESULTS",
              help="Folder for runs.parquet, findings.parquet, fleet.html, summary.md (created if missing).")
@click.option("--workers", "-j", type=click.IntRange(min=0), default=None,
              help="Worker processes (default: one per core; 0 runs in this process, for debugging).")
@click.option("--dask", "dask_address", default=None, metavar="ADDRESS",
              help="Schedule on Dask instead: tcp://host:8786, local:N (a LocalCluster of N processes) "
                   "or threads:N (one in-process worker, for memory://).")
@click.option("--since", "since", default=None, metavar="LAST_RESULTS",
              help="An earlier --out folder: re-analyze only runs whose files changed (size, mtime or ETag); "
                   "carry the rest forward.")
@click.option("--frames", is_flag=True, help="Also write each run's normalized table to RESULTS/frames/ (Parquet, zstd).")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None, multiple=True,
              help="As in ganlog check: lowest severity that fails a run (default: error, or fail-on in the "
                   "config); 'inconclusive' also fails runs whose core checks could not run. Repeatable.")
@click.option("--max-failing-runs", type=click.IntRange(min=0), default=0, show_default=True,
              help="Exit 1 only when more runs than this fail.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when runs fail (unreadable runs still exit 2).")
@click.option("--no-report", is_flag=True, help="Write only the tables, not fleet.html and summary.md.")
@click.option("--worst", type=click.IntRange(min=0), default=5, show_default=True,
              help="Write the run report of this many of the worst runs (linked from fleet.html).")
@click.option("--storage-option", "storage_options", multiple=True, metavar="KEY=VALUE",
              help="An fsspec storage option for ROOT, e.g. endpoint_url=http://127.0.0.1:9000 or anon=true.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary line.")
@read_options(format_flags=("--input-format",))
@user_errors
def sweep(root: str, out: str, workers: int | None, dask_address: str | None, since: str | None, frames: bool,
          fail_on: tuple[str, ...], max_failing_runs: int, exit_zero: bool, no_report: bool, worst: int,
          storage_options: tuple[str, ...], quiet: bool, fmt: str | None, loss_family: str | None,
          config_path: str | None, sets: tuple[str, ...], allow_pickle: bool) -> None:
    """Find every run under ROOT (a folder, or an fsspec URL: s3://bucket/nightly/, gs://...,
    memory://...), analyze each the way `ganlog check RUN` would, in parallel, and write
    RESULTS/runs.parquet (one row per run, config values from lr=2e-4/seed=3/ folders),
    RESULTS/findings.parquet (one row per finding), RESULTS/fleet.html and RESULTS/summary.md.

    \b
    Examples:
      ganlog sweep runs/ --out results/
      ganlog sweep s3://bucket/nightly/ --out results/ --since results/ --dask tcp://10.0.0.5:8786
      ganlog query results/ "SELECT lr, avg((NOT passed)::int) AS failing FROM runs GROUP BY lr"
    """
    import os
    from pathlib import Path

    from ..errors import UsageError
    from ..fleet.sweep import sweep as run_sweep
    from ..fleet.worker import Settings

    if workers is not None and dask_address:
        raise UsageError("give --workers or --dask, not both")
    opts: dict[str, object] = {}
    for item in storage_options:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--storage-option {item!r}: expected KEY=VALUE")
        low = value.lower()
        opts[key] = True if low == "true" else False if low == "false" else value
    out_path = Path(out)
    settings = Settings(fmt=fmt, loss_family=loss_family, config_path=config_path, sets=tuple(sets),
                        allow_pickle=allow_pickle, fail_on=tuple(fail_on),
                        frames_dir=str(out_path / "frames") if frames else None)
    show = not quiet and sys.stderr.isatty()
    done = [0]

    def progress(res: dict) -> None:
        done[0] += 1
        if show:
            click.echo(f"\r{done[0]:,} run folders analyzed", err=True, nl=False)

    result = run_sweep(root, out_path, settings=settings, workers=workers, dask=dask_address, since=since,
                       storage_options=opts, report=not no_report, worst=worst,
                       max_failing_runs=max_failing_runs, exit_zero=exit_zero, on_result=progress)
    if show:
        click.echo("", err=True)
    if not quiet:
        for r in result.errors[:20]:
            click.echo(f"ganlog: error: {r['run']}: {r['error']}", err=True)
        if len(result.errors) > 20:
            click.echo(f"ganlog: ... and {len(result.errors) - 20} more unreadable runs (runs.parquet: error)", err=True)
        for n in result.notes[:5]:
            click.echo(f"ganlog: note: {n}", err=True)
        where = os.fspath(out_path)
        click.echo(f"ganlog: wrote {where}/runs.parquet, findings.parquet"
                   + ("" if no_report else ", fleet.html, summary.md"), err=True)
    click.echo(result.summary_line())
    sys.exit(result.exit_code)
