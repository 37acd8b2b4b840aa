"""Options and helpers shared by the commands that read runs."""

from __future__ import annotations

import functools
import sys
from typing import TYPE_CHECKING, Any, Callable, Iterable

import click

if TYPE_CHECKING:
    from ..config import Config
    from ..frame import Run

LOSS_FAMILY_CHOICES = ("bce_sum", "bce_mean", "lsgan", "hinge", "wgan", "unknown")


def read_options(func: Callable[..., Any] | None = None, *,
                 format_flags: tuple[str, ...] = ("-f", "--format")) -> Any:
    """--format, --loss-family, --config, --set, --allow-pickle, --role.

    A command whose ``--format`` means its output (``ganlog check``) passes
    ``format_flags=("--input-format",)`` for the reader option.
    """
    if func is None:
        return functools.partial(read_options, format_flags=format_flags)
    func = click.option(
        "--role", "role_pins", multiple=True, metavar="NAME=ROLE", expose_value=False,
        callback=_store_roles,
        help="Pin a column's role, e.g. --role 'disc cost=loss_d' (see `ganlog parse --explain`).",
    )(func)
    func = click.option(
        "--allow-pickle", is_flag=True,
        help="Allow .npy files that hold pickled objects (loading a pickle runs code).",
    )(func)
    func = click.option(
        "--set", "sets", multiple=True, metavar="CODE.PARAM=VALUE",
        help="Override a detector parameter or severity, "
             "e.g. GAN101.fraction=0.05 or GAN101.severity=warning.",
    )(func)
    func = click.option(
        "--config", "config_path", type=click.Path(dir_okay=False), default=None,
        help="Configuration file (default: [tool.ganlog] in the nearest pyproject.toml, or ganlog.toml).",
    )(func)
    func = click.option(
        "--loss-family", type=click.Choice(LOSS_FAMILY_CHOICES), default=None,
        help="Say the loss family instead of letting ganlog infer it.",
    )(func)
    func = click.option(
        *format_flags, "fmt", default=None, metavar="NAME",
        help="Force a reader or text format (see `ganlog formats`).",
    )(func)
    return func


def _store_roles(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """--role is kept on the context, so every command that reads logs gets it through make_config."""
    ctx.meta["ganlog.roles"] = tuple(value or ())
    return value


def user_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn GanlogError into one line on stderr and exit 2 (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ..errors import GanlogError

        try:
            return func(*args, **kwargs)
        except GanlogError as exc:
            click.echo(f"ganlog: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except BrokenPipeError:  # `ganlog parse big.log | head`; click would make it exit 1
            from . import _quiet_stdout

            _quiet_stdout()
            click.echo("ganlog: error: the output pipe was closed before everything was written", err=True)
            sys.exit(2)
        except MemoryError:
            from ..errors import out_of_memory_line

            click.echo(out_of_memory_line(), err=True)
            sys.exit(2)

    return wrapper


def make_config(config_path: str | None, sets: Iterable[str], loss_family: str | None) -> "Config":
    from ..config import load_config

    ctx = click.get_current_context(silent=True)
    roles = tuple(ctx.meta.get("ganlog.roles", ())) if ctx is not None else ()
    return load_config(config_path, sets=tuple(sets), loss_family=loss_family, roles=roles)


def read_runs(
    paths: Iterable[str], *, fmt: str | None, config: "Config", allow_pickle: bool = False
) -> "list[Run]":
    """Every run in every path, in order."""
    from ..readers import ReadOptions, load_runs

    runs: list[Run] = []
    for p in paths:
        opts = ReadOptions(
            format=fmt, loss_family=config.loss_family, extra_aliases=dict(config.aliases),
            allow_pickle=allow_pickle,
        )
        runs.extend(load_runs(p, opts))
    return runs
