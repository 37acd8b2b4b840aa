"""``ganlog analyze``: read, diagnose, print the terminal summary (the HTML report on request)."""

from __future__ import annotations

from typing import Any, Callable

import click

from .common import make_config, read_options, read_runs, user_errors


def select_options(func: Callable[..., Any]) -> Any:
    """--select / --ignore CODE (prefixes, repeatable or comma-separated), over the config file's."""
    func = click.option("--ignore", "ignore", multiple=True, metavar="CODE",
                        help="Leave out detectors whose code starts with CODE (e.g. GAN303); repeatable.")(func)
    func = click.option("--select", "select", multiple=True, metavar="CODE",
                        help="Run only detectors whose code starts with CODE (e.g. GAN1, GAN401); "
                             "repeatable.")(func)
    return func


def apply_selection(config: Any, select: tuple[str, ...], ignore: tuple[str, ...]) -> None:
    """The command line's --select replaces the config file's; --ignore adds to it."""
    from ..config import _check_prefixes

    def split(values: tuple[str, ...]) -> list[str]:
        return [v for item in values for v in item.split(",") if v.strip()]

    if select:
        config.select = _check_prefixes(split(select), "command line", "--select")
    if ignore:
        config.ignore = [*config.ignore, *_check_prefixes(split(ignore), "command line", "--ignore")]


def _html_target(html_path: str, run: Any, index: int | None, inputs: tuple[str, ...]) -> str:
    """Where --html writes: the PATH given, else ``<run>.ganlog.html`` in the current directory.

    ``--html`` takes an optional value, so ``ganlog analyze --html train.log``
    would read as "write the report over train.log": a target that exists and
    is not an HTML file is refused rather than overwritten.
    """
    import re
    from pathlib import Path

    from ..errors import UsageError

    if not html_path:
        stem = Path(run.source).stem if run.source not in ("-", "<stdin>") else run.name
        safe = re.sub(r"[^0-9A-Za-z._-]+", "_", stem).strip("._") or "stdin"
        target = Path(f"{safe}.ganlog.html")
    else:
        target = Path(html_path)
    if index is not None:
        target = target.with_name(f"{target.stem}-{index + 1}{target.suffix or '.html'}")
    if target.exists() and target.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"--html {target}: the file exists and is not an HTML file; not overwriting it "
                         "(write --html=PATH, or put --html after the log)")
    for p in inputs:
        if p != "-" and Path(p).exists() and Path(p).resolve() == target.resolve():
            raise UsageError(f"--html {target} is an input; not overwriting it")
    return str(target)


@click.command(short_help="Read a training log and diagnose the run.")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--html", "html_path", is_flag=False, flag_value="", default=None, metavar="[PATH]",
              help="Also write the self-contained HTML report: to PATH, or to <run>.ganlog.html in the "
                   "current directory when PATH is left out.")
@click.option("--open", "open_html", is_flag=True,
              help="Open the HTML report in the web browser (written to a temporary file without --html).")
@click.option("--no-html", is_flag=True, hidden=True, help="No HTML report (the default; kept for old scripts).")
@click.option("-q", "--quiet", is_flag=True, help="Print the verdict line only.")
@select_options
@read_options
@click.option("--compare", "compare", multiple=True, metavar="OTHER",
              help="A reference run (a log, or a `ganlog train` run directory) to compare with; repeatable.")
@user_errors
def analyze(paths: tuple[str, ...], html_path: str | None, open_html: bool, no_html: bool, quiet: bool,
            select: tuple[str, ...], ignore: tuple[str, ...],
            fmt: str | None, loss_family: str | None,
            config_path: str | None, sets: tuple[str, ...], allow_pickle: bool,
            compare: tuple[str, ...] = ()) -> None:
    """Read each PATH (a log file, a run directory, or - for stdin) and diagnose it.

    Prints what was read, the findings with their evidence and the top remedy
    for each, and a one-line verdict. Nothing is written unless you ask:
    --html writes the report (its path on stderr), --open shows it.
    With --compare, each reference run is analyzed the same way, overlaid in
    the report, and the summary says how the run differs from it.

    \b
    Examples:
      ganlog analyze train.log
      ganlog analyze train.log --html report.html --open
      ganlog analyze train.log --select GAN1,GAN2 --ignore GAN203 -q
    """
    import sys

    from ..analysis import analyze as run_analysis
    from ..report.text import render, render_verdict_line, use_color

    if html_path and html_path != "-":
        from ..atomic import refuse_input_as_output

        refuse_input_as_output(html_path, [*paths, *compare])
    config = make_config(config_path, sets, loss_family)
    apply_selection(config, select, ignore)
    runs = read_runs(paths, fmt=fmt, config=config, allow_pickle=allow_pickle)
    color = use_color(sys.stdout)
    want_html = html_path is not None or open_html
    references = []
    if compare:  # analyzed once, however many runs are compared with them
        from ..compare import analyze_references, attach_comparisons

        references = analyze_references(compare, config)
    for i, run in enumerate(runs):
        if i and not quiet:
            click.echo("")
        analysis = run_analysis(run, config)
        if references:
            attach_comparisons(analysis, references)
        text = render_verdict_line(analysis, color=color) if quiet else render(analysis, color=color)
        # click strips ANSI codes on a pipe unless told: FORCE_COLOR must survive `| less -R`
        click.echo(text, nl=False, color=color)
        if want_html:
            write_analysis_html(analysis, html_path, index=i if len(runs) > 1 else None,
                                inputs=paths, open_it=open_html)
    # Damaged input (a truncated or corrupted file, a file in the folder that could not be
    # read): what was readable is analyzed above; each problem is one line and the exit is 2.
    problems = [e for run in runs for e in run.meta.get("input_errors", ())]
    for e in problems:
        click.echo(f"ganlog: error: {e}", err=True)
    if problems:
        sys.exit(2)


def write_analysis_html(analysis: Any, html_path: str | None, *, index: int | None,
                        inputs: tuple[str, ...], open_it: bool) -> None:
    from ..report import html
    from .report import open_in_browser

    if html_path is None:  # --open alone: a temporary file, nothing left next to the data
        import tempfile
        from pathlib import Path

        target = str(Path(tempfile.mkdtemp(prefix="ganlog-")) / f"{_html_target('', analysis.run, index, ())}")
    else:
        target = _html_target(html_path, analysis.run, index, inputs)
    html.write(analysis, target)
    click.echo(f"ganlog: HTML report: {target}", err=True)
    if open_it:
        open_in_browser(target)


__all__ = ["analyze", "apply_selection", "select_options"]
