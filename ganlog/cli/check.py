"""``ganlog check``: CI mode. Judge runs against ``--fail-on`` and pick the exit code.

Exit codes: 0 nothing at or above ``--fail-on``; 1 something is (0 with
``--exit-zero``); 2 usage, configuration or input error. Machine output goes
to stdout or ``-o FILE`` (written atomically); diagnostics go to stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .common import make_config, read_options, user_errors

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..config import Config
    from ..frame import Run

OUTPUT_FORMATS = ("text", "json", "junit", "github", "markdown")
SEVERITIES = ("info", "warning", "error")
FAIL_ON = (*SEVERITIES, "inconclusive")


@click.command(short_help="CI mode: exit 1 when a run has findings at or above --fail-on.")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None, multiple=True,
              help="Lowest severity that fails the check (default: error, or fail-on in the config); "
                   "'inconclusive' also fails a run whose core checks could not run (no D/G loss, too "
                   "few records). Repeat to give both: --fail-on warning --fail-on inconclusive.")
@click.option("--format", "out_format", type=click.Choice(OUTPUT_FORMATS), default="text", show_default=True,
              help="Output: terminal text, JSON (with a schema version), JUnit XML, "
                   "GitHub annotations, or Markdown for $GITHUB_STEP_SUMMARY.")
@click.option("-o", "--output", "output", default=None, metavar="FILE",
              help="Write the output to FILE (atomically) instead of stdout.")
@click.option("--exit-zero", is_flag=True,
              help="Exit 0 even when findings fail the check (errors still exit 2).")
@click.option("--baseline", "baseline_path", default=None, metavar="OTHER_RUN",
              help="A known-good run: only what got worse than it (a detector that fires now and did "
                   "not then, fires earlier, or more severely) fails the check.")
@read_options(format_flags=("--input-format",))
@user_errors
def check(paths: tuple[str, ...], fail_on: tuple[str, ...], out_format: str, output: str | None,
          exit_zero: bool, baseline_path: str | None, fmt: str | None, loss_family: str | None,
          config_path: str | None, sets: tuple[str, ...], allow_pickle: bool) -> None:
    """Diagnose each PATH (a log, a run directory, a directory of runs, or - for stdin) and
    judge it: exit 0 when nothing is at or above --fail-on, 1 when something is (or, with
    --fail-on inconclusive, when a run's core checks could not run), 2 on a
    usage, configuration or input error (a damaged file: what was readable is still
    judged and reported, and the exit is 2).

    \b
    Examples:
      ganlog check runs/nightly/train.log --fail-on error --format junit -o ganlog.xml
      ganlog check runs/ --format github          # every run in runs/, annotations
      ganlog check new.log --baseline good.log    # fail only on what got worse
      ganlog check pasted.log --fail-on inconclusive   # no D/G loss read: fail too
    """
    from ..analysis import analyze
    from ..baseline import compare
    from ..detectors.base import Severity
    from ..judge import judge
    from ..report.machine import render_check
    from ..report.text import use_color

    if output is not None and output != "-":
        from ..atomic import refuse_input_as_output

        refuse_input_as_output(output, [*paths, *([baseline_path] if baseline_path else [])])
    config = make_config(config_path, sets, loss_family)
    severities = [f for f in fail_on if f != "inconclusive"]
    if len(severities) > 1:
        from ..errors import UsageError

        raise UsageError(f"--fail-on: one severity at most, got {', '.join(severities)}")
    threshold = Severity.parse(severities[0]) if severities else config.fail_on
    fail_inconclusive = "inconclusive" in fail_on or config.fail_on_inconclusive
    runs = collect_runs(paths, fmt=fmt, config=config, allow_pickle=allow_pickle)
    analyses = [_timed(analyze, run, config) for run in runs]

    comparisons = None
    if baseline_path is not None:
        base_runs = collect_runs([baseline_path], fmt=fmt, config=config, allow_pickle=allow_pickle)
        base_analyses = [analyze(run, config) for run in base_runs]
        comparisons = [compare(a, pick_baseline(a, base_analyses, baseline_path)) for a in analyses]

    result = judge(analyses, threshold, baselines=comparisons, exit_zero=exit_zero,
                   fail_on_inconclusive=fail_inconclusive)
    color = out_format == "text" and output is None and use_color(sys.stdout)
    text = render_check(result, out_format, color=color)
    if output is None or output == "-":
        click.echo(text, nl=False)
    else:
        from ..atomic import write_text

        write_text(output, text)
    if out_format != "text" or (output is not None and output != "-"):
        _diagnostics(result)
    # Damaged input: what was readable is judged above; each problem is one line, exit 2.
    for e in result.input_errors:
        click.echo(f"ganlog: error: {e}", err=True)
    sys.exit(result.exit_code)


def _timed(analyze: "object", run: "Run", config: "Config") -> "Analysis":
    """Analyze one run and keep how long the detectors took (JUnit reports it)."""
    import time

    t0 = time.perf_counter()
    analysis = analyze(run, config)  # type: ignore[operator]
    analysis.extras["seconds"] = time.perf_counter() - t0
    return analysis


def _diagnostics(result: "object") -> None:
    """What a CI log needs on stderr when stdout carries machine output."""
    for judged in result.runs:  # type: ignore[attr-defined]
        a = judged.analysis
        st = a.run.stats
        line = f"{a.run.name}: {st.records:,} records ({a.run.format}), {a.verdict}"
        if a.verdict == "inconclusive":
            line += f" ({a.verdict_reason})"
        if a.partial:
            line += ", PARTIAL input"
        if not judged.passed:
            failing = sorted({f.code for f in judged.failing}) + (["inconclusive"] if judged.fails_inconclusive else [])
            line += ": " + ", ".join(failing)
        click.echo(line, err=True)
        for w in st.warnings[:3]:
            click.echo(f"  warning: {w}", err=True)
        for c in a.crashed:
            click.echo(f"  detector {c.code} crashed: {c.error}", err=True)
    click.echo(result.summary_line(), err=True)  # type: ignore[attr-defined]


def collect_runs(paths: "tuple[str, ...] | list[str]", *, fmt: str | None, config: "Config",
                 allow_pickle: bool = False) -> "list[Run]":
    """Every run in every path. A directory no reader takes as one run is a directory of
    runs: each entry some reader accepts is read (entries none accepts are passed over)."""
    from ..readers import ReadOptions

    opts = ReadOptions(format=fmt, loss_family=config.loss_family, extra_aliases=dict(config.aliases),
                       allow_pickle=allow_pickle)
    runs: list[Run] = []
    for p in paths:
        runs.extend(_runs_in(p, opts))
    _unique_names(runs)
    return runs


def _runs_in(path: str, opts: "object") -> "list[Run]":
    from ..errors import InputError
    from ..readers import Source, explain, load_runs, pick_reader

    if path == "-" or not Path(path).is_dir() or opts.format:  # type: ignore[attr-defined]
        return load_runs(path, opts)  # type: ignore[arg-type]
    source = Source.from_path(path)
    try:
        pick_reader(source, opts)  # type: ignore[arg-type]
    except InputError as whole:
        import stat

        runs: list[Run] = []
        errors: list[str] = []
        for child in sorted(Path(path).iterdir()):
            if child.name.startswith("."):
                continue
            try:
                mode = child.stat().st_mode
                if stat.S_ISDIR(mode):
                    runs.extend(_runs_in(str(child), opts))
                elif stat.S_ISREG(mode):  # pipes and devices would block or never end
                    choices = explain(Source.from_path(child))
                    if choices and choices[0].sniff.score > 0:
                        runs.extend(load_runs(str(child), opts))  # type: ignore[arg-type]
            except InputError as exc:  # never passed over in silence: listed, and the exit is 2
                errors.append(str(exc))
            except OSError as exc:
                errors.append(str(InputError(str(child), f"cannot be read ({exc.strerror or exc})")))
        if not runs:
            raise whole
        if errors:
            runs[0].meta["input_errors"] = list(runs[0].meta.get("input_errors", ())) + errors
        return runs
    return load_runs(source, opts)  # type: ignore[arg-type]


def _unique_names(runs: "list[Run]") -> None:
    """Runs read from several places can share a name (run1/train.log, run2/train.log)."""
    seen: dict[str, int] = {}
    for r in runs:
        seen[r.name] = seen.get(r.name, 0) + 1
    for r in runs:
        if seen[r.name] > 1 and not r.source.startswith("<"):
            r.name = r.source


def pick_baseline(analysis: "Analysis", baselines: "list[Analysis]", where: str) -> "Analysis":
    """The baseline for a run: the only one, or the one with the same name."""
    from ..errors import UsageError

    if len(baselines) == 1:
        return baselines[0]
    for b in baselines:
        if b.run.name == analysis.run.name:
            return b
    names = ", ".join(b.run.name for b in baselines)
    raise UsageError(f"--baseline {where}: holds {len(baselines)} runs ({names}) and none is named "
                     f"{analysis.run.name!r}; give one baseline run, or runs with matching names")
