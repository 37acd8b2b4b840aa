"""``ganlog report``: write only the self-contained HTML report of a run."""

from __future__ import annotations

import click

from .analyze import apply_selection, select_options
from .common import make_config, read_options, read_runs, user_errors


def default_html_path(source: str, run_name: str) -> str:
    """``<input stem>.ganlog.html`` in the current directory (never beside the data: it may be read-only)."""
    import re
    from pathlib import Path

    stem = Path(source).stem if source not in ("-", "<stdin>") and Path(source).is_file() else run_name
    safe = re.sub(r"[^0-9A-Za-z._-]+", "_", stem).strip("._") or "stdin"
    return f"{safe}.ganlog.html"


@click.command(short_help="Write the self-contained HTML report of a run.")
@click.argument("path", metavar="PATH")
@click.option("-o", "--output", "output", default=None, metavar="FILE",
              help="Where to write the report (default: <input stem>.ganlog.html in the current directory; - for stdout).")
@click.option("--open", "open_browser", is_flag=True, help="Open the report in the web browser.")
@select_options
@read_options
@user_errors
def report(path: str, output: str | None, open_browser: bool, select: tuple[str, ...], ignore: tuple[str, ...],
           fmt: str | None, loss_family: str | None,
           config_path: str | None, sets: tuple[str, ...], allow_pickle: bool) -> None:
    """Read PATH (a log file, a run directory, or - for stdin) and write its HTML report.

    The report is one file with its CSS and plots inside: no script, no
    network. It shows the verdict, a timeline of the losses with each
    finding marked, a card per finding with what to try, and what was read.
    """
    from ..analysis import analyze as run_analysis
    from ..errors import UsageError
    from ..report import html

    if output is not None and output != "-":
        from ..atomic import refuse_input_as_output

        refuse_input_as_output(output, [path])
    config = make_config(config_path, sets, loss_family)
    apply_selection(config, select, ignore)
    runs = read_runs((path,), fmt=fmt, config=config, allow_pickle=allow_pickle)
    if len(runs) > 1 and output is not None and output != "-":
        raise UsageError(f"{path} holds {len(runs)} runs; give one run, or leave out -o to write one report per run")
    for run in runs:
        analysis = run_analysis(run, config)
        if output == "-":
            click.echo(html.render(analysis), nl=False)
            continue
        target = output or default_html_path(run.source, run.name)
        html.write(analysis, target)
        click.echo(f"ganlog: HTML report: {target}", err=True)
        if open_browser:
            open_in_browser(target)


def open_in_browser(path: str) -> None:
    import webbrowser
    from pathlib import Path

    webbrowser.open(Path(path).resolve().as_uri())
