"""``ganlog formats``: the readers and the text print formats they know, with example lines."""

from __future__ import annotations

import click


@click.command(short_help="List the readers and the text formats they know.")
@click.argument("name", required=False, metavar="[NAME]")
def formats(name: str | None) -> None:
    """List every reader and known text format, or show one format (its pattern and examples).

    Any name listed here can be forced with `--format NAME` on analyze, check and parse.
    """
    from ..errors import UsageError
    from ..readers import readers
    from ..readers.formats import FORMATS, SPECIAL_EXAMPLES, SPECIAL_FORMATS, get_format

    if name:
        fmt = get_format(name)
        if fmt is not None:
            click.echo(f"{fmt.name}: {fmt.title}")
            if fmt.origin:
                click.echo(f"  printed by: {fmt.origin}")
            if fmt.trainer:
                click.echo(f"  trainer: {fmt.trainer}")
            if fmt.source:
                click.echo(f"  example lines from: {fmt.source}")
            base = "none printed" if fmt.epoch_base is None else f"counted from {fmt.epoch_base}"
            click.echo(f"  epochs: {base}")
            click.echo(f"  pattern: {fmt.pattern}")
            click.echo("  examples:")
            for ex in fmt.examples:
                for line in ex.replace("\r", "\\r").split("\n"):
                    click.echo(f"    {line.expandtabs(4)}")
            return
        if name in SPECIAL_FORMATS:
            click.echo(f"{name}: {SPECIAL_FORMATS[name]}")
            click.echo("  examples:")
            for ex in SPECIAL_EXAMPLES[name]:
                for line in ex.split("\n"):
                    click.echo(f"    {line}")
            return
        for r in readers():
            if r.name == name:
                click.echo(f"{r.name}: {r.description}")
                return
        raise UsageError(f"unknown format {name!r}; `ganlog formats` lists them")

    click.echo("Readers (picked by sniffing; force one with --format NAME):")
    for r in readers():
        click.echo(_row(r.name, r.description))
    click.echo("")
    click.echo("Text formats (stdout logs; force one with --format NAME):")
    for fmt in FORMATS:
        click.echo(_row(fmt.name, fmt.title))
        click.echo(f"      {_short(fmt.examples[0])}")
    for special, desc in SPECIAL_FORMATS.items():
        click.echo(_row(special, desc))
        click.echo(f"      {_short(SPECIAL_EXAMPLES[special][0])}")
    click.echo("")
    click.echo("`ganlog formats NAME` shows a format's pattern and example lines.")


def _row(name: str, text: str) -> str:
    """``  name  text`` wrapped to 80 columns."""
    import textwrap

    return textwrap.fill(text, width=80, initial_indent=f"  {name:<18} ", subsequent_indent=" " * 21)


def _short(example: str, width: int = 74) -> str:
    line = [ln for ln in example.replace("\r", "\n").split("\n") if ln.strip()][-1].strip().expandtabs(1)
    return line if len(line) <= width else line[: width - 3] + "..."
