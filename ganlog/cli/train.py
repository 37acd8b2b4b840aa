"""``ganlog train``: run the reference trainer (needs the ``ganlog[trainer]`` extra)."""

from __future__ import annotations

import sys

import click

from .common import user_errors

LOG_FORMATS = ("dcgan", "forum", "pytorch-gan", "cyclegan", "keras", "dcgan-tf")


@click.command(short_help="Run the reference trainer (needs ganlog[trainer]).")
@click.option("--scenario", "-s", "scenario", metavar="NAME", help="Scenario to train (see --list).")
@click.option("--suite", is_flag=True, help="Train every scenario, each into OUT/<scenario>/.")
@click.option("--list", "list_", is_flag=True, help="List the scenarios and what each demonstrates.")
@click.option("--out", "-o", "out", type=click.Path(file_okay=False), metavar="DIR",
              help="Output directory (the run's files, or one subdirectory per scenario with --suite).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--steps", type=click.IntRange(min=1), default=None, help="Override the scenario's step count.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--log-format", type=click.Choice(LOG_FORMATS), default="dcgan", show_default=True,
              help="Print format of train.log.")
@click.option("--log-every", type=click.IntRange(min=1), default=None,
              help="Keep one record every N steps (default: the scenario's).")
@click.option("--formats", default="log,jsonl,tensorboard,npy", show_default=True, metavar="LIST",
              help="Which files to write (comma-separated: log, jsonl, tensorboard, npy).")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="torch CPU threads (default: 1 for the tiny models, which torch's default slows down).")
@click.option("--progress/--no-progress", "show_progress", default=True, show_default=True,
              help="Progress on stderr: a bar on a terminal, a plain line every 10% otherwise.")
@click.option("--live", is_flag=True,
              help="Write train.log record by record while training (follow it with `ganlog watch`).")
@user_errors
def train(scenario: str | None, suite: bool, list_: bool, out: str | None, seed: int, steps: int | None,
          device: str, log_format: str, log_every: int | None, formats: str, threads: int | None,
          show_progress: bool = True, live: bool = False) -> None:
    """Train a small GAN that fails (or succeeds) in a known way, and write the run
    in every format ganlog reads: train.log (DCGAN print format by default),
    metrics.jsonl, TensorBoard event files (tb/), npy/discriminator_loss.npy and
    generator_loss.npy, and scenario.json (the codes it must and must not trigger).

    \b
    Examples:
      ganlog train --list
      ganlog train --scenario gated-d --out runs/gated-d
      ganlog train --suite --out runs/
      ganlog analyze runs/gated-d/train.log --compare runs/healthy-bce
    """
    from ..trainer.scenarios import SCENARIOS

    if list_:
        width = max(len(n) for n in SCENARIOS)
        for name, sc in SCENARIOS.items():
            codes = ", ".join(sc.expect) if sc.kind == "failure" else (
                f"fixes {sc.remedy_of}" if sc.kind == "remedy" else "no warnings")
            click.echo(f"{name:<{width}}  {sc.kind:<8} {sc.demonstrates}  [{codes}]")
        return
    if not scenario and not suite:
        raise click.UsageError("give --scenario NAME, --suite or --list")
    if scenario and suite:
        raise click.UsageError("--scenario and --suite exclude each other")
    if not out:
        raise click.UsageError("--out DIR is required to train")
    from ..trainer import TORCH_MISSING, torch_available

    if not torch_available():
        click.echo(f"ganlog: error: {TORCH_MISSING}", err=True)
        sys.exit(2)
    from pathlib import Path

    from ..trainer import run_scenario
    from ..trainer.progress import Progress
    from ..trainer.scenarios import get

    kinds = tuple(k.strip() for k in formats.split(",") if k.strip())
    unknown = [k for k in kinds if k not in ("log", "jsonl", "tensorboard", "npy")]
    if unknown or not kinds:
        raise click.UsageError(f"--formats takes log, jsonl, tensorboard, npy (got {formats!r})")
    overrides = {"log_every": log_every} if log_every else {}
    names = list(SCENARIOS) if suite else [get(scenario).name]  # type: ignore[arg-type]
    total = 0.0
    for name in names:
        target = Path(out) / name if suite else Path(out)
        total_steps = steps or get(name).config.steps
        bar = Progress(name, total_steps) if show_progress else None
        try:
            res = run_scenario(name, target, seed=seed, steps=steps, device=device,
                               log_format=log_format, threads=threads, formats=kinds, progress=bar,
                               live=live,
                               **overrides)
        except RuntimeError as exc:  # e.g. --device cuda without CUDA
            if bar is not None:
                bar.close()
            click.echo(f"ganlog: error: {name}: {exc}", err=True)
            sys.exit(2)
        if bar is not None and bar.tty:
            bar.close()  # clear the bar; the summary line below replaces it
        total += res.result.wall_s
        m = res.manifest
        click.echo(
            f"{name}: {m['config']['steps']} steps in {res.result.wall_s:.1f} s "
            f"({res.result.steps_per_s:.0f} steps/s, {m['device']}) -> {target}", err=True)
    if suite:
        click.echo(f"suite: {len(names)} scenarios in {total:.1f} s of training", err=True)
