"""The ``ganlog`` command: a click group whose subcommands load lazily.

``ganlog --help`` must not import pandas or matplotlib (under 0.3 s), so the
group imports a subcommand's module only when that command runs or its help
is shown. Each subcommand module imports its heavy dependencies inside the
command function. The CLI stays thin: parse options, call the API, pick the
exit code (0 clean, 1 findings at or above --fail-on, 2 usage/config/input).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

#: command name -> (module, attribute, one-line help shown by `ganlog --help`)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "analyze": ("ganlog.cli.analyze", "analyze", "Read a training log and diagnose the run."),
    "check": ("ganlog.cli.check", "check", "CI mode: exit 1 when a run has findings at or above --fail-on."),
    "parse": ("ganlog.cli.parse", "parse", "Write the normalized table of a log (CSV, JSONL, Parquet)."),
    "report": ("ganlog.cli.report", "report", "Write the self-contained HTML report of a run."),
    "serve": ("ganlog.cli.serve", "serve", "Start the local paste page on 127.0.0.1."),
    "rules": ("ganlog.cli.rules", "rules", "List the detectors, or print one's documentation."),
    "formats": ("ganlog.cli.formats", "formats", "List the readers and the text formats they know."),
    "sweep": ("ganlog.cli.sweep", "sweep", "Analyze every run under a folder or URL in parallel into Parquet."),
    "query": ("ganlog.cli.query", "query", "Run SQL (DuckDB) over a sweep's runs.parquet and findings.parquet."),
    "train": ("ganlog.cli.train", "train", "Run the reference trainer (needs ganlog[trainer])."),
    "watch": ("ganlog.cli.watch", "watch", "Follow a growing log and diagnose the run while it trains."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, (mod, _, _) in COMMANDS.items() if _module_exists(mod))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        mod_name, attr, _ = COMMANDS[cmd_name]
        if not _module_exists(mod_name):
            return None
        return getattr(importlib.import_module(mod_name), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help from the table: listing commands imports none of them.
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _module_exists(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ganlog", prog_name="ganlog")
def cli() -> None:
    """ganlog: diagnose GAN training runs from the logs you already have.

    \b
    Examples:
      ganlog analyze train.log
      ganlog check runs/nightly/train.log --fail-on error --format junit -o ganlog.xml
      ganlog parse train.log --to table.csv
    """


def main(argv: list[str] | None = None) -> Any:
    """Entry point: user errors become one line on stderr and exit code 2.

    Anything else that escapes a command is a bug: one line saying so, naming the input
    being read, with a hint to report it, and exit 2 -- never a traceback, and never exit 1,
    which CI reads as "the run has findings". ``GANLOG_TRACEBACK=1`` shows the traceback.
    """
    from ..errors import GanlogError, internal_error_line, out_of_memory_line

    fast_exit = argv is None and _FAST_EXIT.intersection(sys.argv[1:2])
    try:
        # Not click's standalone mode: it turns Ctrl+C and a closed output pipe into exit 1.
        rv = cli.main(args=argv, prog_name="ganlog", standalone_mode=False)
        sys.exit(rv if isinstance(rv, int) else 0)
    except click.exceptions.Abort:  # Ctrl+C (click's word for KeyboardInterrupt/EOFError)
        _say("ganlog: interrupted")
        sys.exit(130)
    except KeyboardInterrupt:
        _say("ganlog: interrupted")
        sys.exit(130)
    except click.ClickException as exc:  # usage errors: click's own message, exit 2
        exc.show()
        sys.exit(exc.exit_code)
    except GanlogError as exc:  # raised outside a command's own handler
        _say(f"ganlog: error: {exc}")
        sys.exit(exc.exit_code)
    except MemoryError:
        _say(out_of_memory_line())
        sys.exit(2)
    except BrokenPipeError:  # `ganlog parse big.log | head`: the reader went away
        _quiet_stdout()
        _say("ganlog: error: the output pipe was closed before everything was written")
        sys.exit(2)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if os.environ.get("GANLOG_TRACEBACK"):
            raise
        _say(internal_error_line(exc))
        sys.exit(2)
    except SystemExit as exc:
        if not fast_exit:
            raise
        # A one-shot read-and-report command is done once its output is flushed. Tearing
        # down the interpreter (freeing pandas/pyarrow module state and the arenas of a
        # large run) took 0.2-0.45 s of a 1M-record `parse`; skip it.
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            click.echo(str(exc.code), err=True)
        from ..readers.base import remove_scratch

        remove_scratch()  # os._exit runs no atexit: the scratch folder of stdin or a .gz goes now
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe: what was written is what it got
                pass
        os._exit(code)


#: Commands that start no threads, pools or servers and register no cleanup: after their
#: output is flushed, the process can end without interpreter teardown.
_FAST_EXIT = frozenset({"parse", "check", "analyze"})


def _say(line: str) -> None:
    try:
        click.echo(line, err=True)
    except Exception:  # noqa: BLE001 - stderr itself is gone
        pass


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush raises nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
