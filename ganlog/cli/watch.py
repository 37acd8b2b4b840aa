"""``ganlog watch``: follow a growing run and say when it breaks."""

from __future__ import annotations

import click

from .common import make_config, read_options, user_errors


def _duration(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    from ..watch.loop import parse_duration

    try:
        seconds = parse_duration(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a duration (e.g. 30s, 500ms, 5m, 2h)") from None
    if seconds < 0:
        raise click.BadParameter("a duration cannot be negative")
    return seconds


@click.command(short_help="Follow a growing log and diagnose the run while it trains.")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--every", default="30s", show_default=True, callback=_duration, metavar="DURATION",
              help="Re-run the detectors at most this often (when new records have arrived).")
@click.option("--stall", default=None, callback=_duration, metavar="DURATION",
              help="Announce a stall (GAN901) when no new record arrives for this long.")
@click.option("--hold", default=2, show_default=True, type=click.IntRange(min=1),
              help="Evaluations in a row a finding must hold before it is announced (and be gone before "
                   "it is said to clear).")
@click.option("--fail-on", type=click.Choice(["info", "warning", "error"]), default=None,
              help="Exit 1 at the first finding at or above this severity "
                   "(e.g. `ganlog watch train.log --fail-on error || kill $TRAIN_PID`).")
@click.option("--show", type=click.Choice(["info", "warning", "error"]), default="warning", show_default=True,
              help="Announce findings at or above this severity.")
@click.option("--on-finding", "on_finding", default=None, metavar="CMD",
              help="Run CMD (through the shell) for each announced finding, with GANLOG_CODE, GANLOG_SEVERITY, "
                   "GANLOG_MESSAGE, GANLOG_STEP, GANLOG_NAME, GANLOG_EVENT, GANLOG_SOURCE in its environment.")
@click.option("--html", "html_path", default=None, metavar="PATH",
              help="Keep an HTML report here, rewritten atomically after each evaluation; it reloads itself.")
@click.option("--jsonl", "jsonl_path", default=None, metavar="PATH",
              help="Append every event (finding, cleared, stall, end) here as one JSON object a line.")
@click.option("--poll", default="250ms", show_default=True, callback=_duration, metavar="DURATION",
              help="How often to look for new data.")
@read_options
@user_errors
def watch(paths: tuple[str, ...], every: float, stall: float | None, hold: int, fail_on: str | None,
          show: str, on_finding: str | None, html_path: str | None, jsonl_path: str | None, poll: float,
          fmt: str | None, loss_family: str | None, config_path: str | None, sets: tuple[str, ...],
          allow_pickle: bool) -> None:
    """Follow each PATH while the run is training and diagnose it as it grows: a text log
    (read by byte offset; rotation and truncation handled), a TensorBoard event file,
    a run folder (new files included), or - for stdin.

    \b
    Findings are announced once they have held over --hold evaluations in a row, with
    the step where they began; when one clears, that is said too. On a terminal a
    status line shows the verdict, the last step, records/s and the open findings.
    Ctrl-C ends with a summary (exit 0); --fail-on exits 1 at the first finding at
    or above it; a followed stdin that closes ends the watch (exit 0).

    \b
    Examples:
      ganlog watch runs/exp1/train.log --fail-on error || kill $TRAIN_PID
      python train.py | tee train.log | ganlog watch - --every 10s
      ganlog watch runs/exp1 --html live.html --jsonl events.jsonl --stall 30m
    """
    import sys

    from ..detectors.base import Severity
    from ..readers import ReadOptions
    from ..report.text import use_color
    from ..watch.loop import Watched, Watcher, WatchOptions, open_follower
    from ..watch.sinks import CommandSink, HtmlSink, JsonlSink, TerminalSink

    if list(paths).count("-") > 1:
        raise click.UsageError("stdin (-) can be followed once")
    config = make_config(config_path, sets, loss_family)
    options = WatchOptions(every=every, stall=stall, hold=hold,
                           fail_on=Severity.parse(fail_on) if fail_on else None,
                           min_severity=Severity.parse(show), poll=max(poll, 0.01))
    ropts = ReadOptions(format=fmt, loss_family=config.loss_family, extra_aliases=dict(config.aliases),
                        allow_pickle=allow_pickle)
    own = tuple(p for p in (html_path, jsonl_path) if p)
    watched = []
    for p in paths:
        if p != "-":
            import os

            if not os.path.exists(p):
                # A log that the trainer has not created yet is fine: it is waited for.
                click.echo(f"ganlog: {p} does not exist yet; waiting for it", err=True)
        watched.append(Watched("<stdin>" if p == "-" else p, open_follower(p, ignore=own), options, ropts, config))
    sinks: list = [TerminalSink(sys.stdout, color=use_color(sys.stdout), multi=len(watched) > 1)]
    if jsonl_path:
        sinks.append(JsonlSink(jsonl_path))
    if html_path:
        sinks.append(HtmlSink(html_path, refresh=max(2, int(min(every, 60)))))
    if on_finding:
        sinks.append(CommandSink(on_finding))
    code = Watcher(watched, sinks, options).run()
    sys.exit(code)
