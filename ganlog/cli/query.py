"""``ganlog query``: SQL over a sweep's Parquet tables with DuckDB (views ``runs`` and ``findings``)."""

from __future__ import annotations

import sys

import click

from .common import user_errors


@click.command(short_help="Run SQL (DuckDB) over a sweep's runs.parquet and findings.parquet.")
@click.argument("results", metavar="RESULTS")
@click.argument("sql", metavar="SQL")
@click.option("--format", "out_format", type=click.Choice(("table", "csv", "json")), default="table",
              show_default=True, help="How to print the result.")
@click.option("-o", "--output", default=None, metavar="FILE", help="Write to FILE (atomically) instead of stdout.")
@user_errors
def query(results: str, sql: str, out_format: str, output: str | None) -> None:
    """Run SQL over RESULTS (a `ganlog sweep --out` folder): the views `runs` and
    `findings` read the Parquet files in place, without loading them first.

    \b
    Examples:
      ganlog query results/ "SELECT verdict, count(*) FROM runs GROUP BY verdict"
      ganlog query results/ "SELECT lr, avg((NOT passed)::int) AS failure_rate FROM runs GROUP BY lr ORDER BY lr"
      ganlog query results/ "SELECT code, count(DISTINCT run) FROM findings GROUP BY code" --format csv
    """
    from ..fleet.query import format_result, run_query

    columns, rows = run_query(results, sql)
    text = format_result(columns, rows, out_format)
    if output is None or output == "-":
        click.echo(text, nl=False)
    else:
        from ..atomic import write_text

        write_text(output, text)
    sys.exit(0)
