"""``ganlog analyze``: read, diagnose, print the terminal summary."""

from __future__ import annotations

import click

from .common import make_config, read_options, read_runs, user_errors


@click.command(short_help="Read a training log and diagnose the run.")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--html", "html_path", default=None, metavar="PATH",
              help="Write the HTML report here (default: <input stem>.ganlog.html next to the input).")
@click.option("--no-html", is_flag=True, help="Do not write the HTML report.")
@click.option("--open", "open_html", is_flag=True, help="Open the HTML report in the web browser.")
@read_options
@click.option("--compare", "compare", multiple=True, metavar="OTHER",
              help="A reference run (a log, or a `ganlog train` run directory) to compare with; repeatable.")
@user_errors
def analyze(paths: tuple[str, ...], html_path: str | None, no_html: bool, open_html: bool,
            fmt: str | None, loss_family: str | None,
            config_path: str | None, sets: tuple[str, ...], allow_pickle: bool,
            compare: tuple[str, ...] = ()) -> None:
    """Read each PATH (a log file, a run directory, or - for stdin) and diagnose it.

    Prints what was read, the findings with their evidence and the top remedy
    for each, and a one-line verdict; writes the HTML report (path on stderr).
    With --compare, each reference run is analyzed the same way, overlaid in
    the report, and the summary says how the run differs from it.
    """
    import sys

    from ..analysis import analyze as run_analysis
    from ..report.text import render, use_color

    if html_path is not None and html_path != "-":
        from ..atomic import refuse_input_as_output

        refuse_input_as_output(html_path, [*paths, *compare])
    config = make_config(config_path, sets, loss_family)
    runs = read_runs(paths, fmt=fmt, config=config, allow_pickle=allow_pickle)
    color = use_color(sys.stdout)
    references = []
    if compare:  # analyzed once, however many runs are compared with them
        from ..compare import analyze_references, attach_comparisons

        references = analyze_references(compare, config)
    for i, run in enumerate(runs):
        if i:
            click.echo("")
        analysis = run_analysis(run, config)
        if references:
            attach_comparisons(analysis, references)
        click.echo(render(analysis, color=color), nl=False)
        if not no_html:
            from .report import write_html_report

            write_html_report(analysis, html_path, index=i if len(runs) > 1 else None, open_it=open_html)
    # Damaged input (a truncated or corrupted file, a file in the folder that could not be
    # read): what was readable is analyzed above; each problem is one line and the exit is 2.
    problems = [e for run in runs for e in run.meta.get("input_errors", ())]
    for e in problems:
        click.echo(f"ganlog: error: {e}", err=True)
    if problems:
        sys.exit(2)
