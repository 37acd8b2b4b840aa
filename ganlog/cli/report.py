"""``ganlog report``: write only the self-contained HTML report of a run."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .common import make_config, read_options, read_runs, user_errors

if TYPE_CHECKING:
    from ..analysis import Analysis


def default_html_path(source: str, run_name: str) -> str:
    """``<input stem>.ganlog.html`` next to a file input; the cwd for stdin or a directory."""
    import re
    from pathlib import Path

    p = Path(source)
    if source not in ("-", "<stdin>") and p.is_file():
        return str(p.with_name(f"{p.stem}.ganlog.html"))
    safe = re.sub(r"[^0-9A-Za-z._-]+", "_", run_name).strip("._") or "stdin"
    if p.is_dir():
        return str(p / f"{safe}.ganlog.html")
    return f"{safe}.ganlog.html"


@click.command(short_help="Write the self-contained HTML report of a run.")
@click.argument("path", metavar="PATH")
@click.option("-o", "--output", "output", default=None, metavar="FILE",
              help="Where to write the report (default: <input stem>.ganlog.html next to the input; - for stdout).")
@click.option("--open", "open_browser", is_flag=True, help="Open the report in the web browser.")
@read_options
@user_errors
def report(path: str, output: str | None, open_browser: bool, fmt: str | None, loss_family: str | None,
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


def write_html_report(analysis: "Analysis", path: str | None, *, index: int | None = None,
                      open_it: bool = False) -> None:
    """``analyze``'s report: ``path`` or the default beside the input; ``index`` numbers several runs.

    A default location that cannot be written (a read-only log directory) is a
    warning, not a failure: the terminal summary already told the user the result.
    """
    from ..errors import GanlogError
    from ..report import html

    if path is None:
        target = default_html_path(analysis.run.source, analysis.run.name)
    elif index is not None:
        from pathlib import Path

        p = Path(path)
        target = str(p.with_name(f"{p.stem}-{index + 1}{p.suffix or '.html'}"))
    else:
        target = path
    try:
        html.write(analysis, target)
    except (OSError, GanlogError) as exc:
        if path is not None:
            raise
        click.echo(f"ganlog: warning: could not write the HTML report {target}: {exc}", err=True)
        return
    click.echo(f"ganlog: HTML report: {target}", err=True)
    if open_it:
        open_in_browser(target)


def open_in_browser(path: str) -> None:
    import webbrowser
    from pathlib import Path

    webbrowser.open(Path(path).resolve().as_uri())
