"""The reference trainer: small GANs that fail (or succeed) in known ways.

Torch is imported only inside this package and only when a run starts
(``ganlog[trainer]``); listing scenarios and reading manifests need no torch.

    from ganlog.trainer import run_scenario
    result = run_scenario("healthy-bce", "runs/healthy-bce", seed=0)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .config import TrainConfig
from .scenarios import SCENARIOS, Scenario, get

if TYPE_CHECKING:
    from .loop import TrainResult

__all__ = ["TrainConfig", "Scenario", "SCENARIOS", "get", "run_scenario", "torch_available",
           "TORCH_MISSING"]

TORCH_MISSING = "the reference trainer needs torch: pip install 'ganlog[trainer]'"


def torch_available() -> bool:
    """True when torch imports (it is imported anyway when a run starts)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class ScenarioRun:
    scenario: Scenario
    out: Path
    result: "TrainResult"
    manifest: dict[str, Any]


def run_scenario(name: str, out: "str | os.PathLike[str]", *, seed: int = 0, steps: int | None = None,
                 device: str = "auto", log_format: str = "dcgan", threads: int | None = None,
                 formats: "tuple[str, ...] | None" = None, progress: "Callable[[int], None] | None" = None,
                 live: bool = False,
                 **overrides: Any) -> ScenarioRun:
    """Train scenario ``name`` and write the run in every format into ``out``.

    ``steps`` shortens (or lengthens) the run; a scenario's events that are
    tied to a step (the learning-rate spike) scale with it. ``threads`` None
    picks :func:`~ganlog.trainer.progress.default_threads` for the scenario's
    tiny models; ``progress(step)`` is called after each step. ``live`` writes
    train.log record by record while training (for ``ganlog watch``); the
    other files are written at the end.
    """
    import torch

    import json

    from .loop import train
    from .writers import LOG_FILE, MANIFEST, OUTPUT_KINDS, LiveLog, write_run

    from .progress import default_threads

    sc = get(name)
    cfg = sc.config
    torch.set_num_threads(threads or default_threads(cfg.data_kind))
    if steps is not None and steps != cfg.steps:
        cfg = scale_steps(cfg, steps)
    if overrides:
        cfg = cfg.replace(**overrides)
    sc = Scenario(**{**sc.__dict__, "config": cfg})
    out = Path(out)
    formats = formats or OUTPUT_KINDS
    live_log = None
    if live and "log" in formats:
        live_log = LiveLog(out / LOG_FILE, log_format, steps=cfg.steps, per_epoch=cfg.iters_per_epoch,
                           batch_size=cfg.batch_size)
    try:
        result = train(cfg, seed=seed, device=device, on_record=live_log, on_step=progress)
    finally:
        if live_log is not None:
            live_log.close()
    manifest = sc.manifest(seed, result.events, extra={
        "device": result.device,
        "torch": torch.__version__,
        "wall_s": round(result.wall_s, 3),
        "steps_per_s": round(result.steps_per_s, 1),
        "records": len(result.records),
    })
    write_run(out, result.records, manifest, log_format=log_format, formats=formats,
              log_written=live_log is not None)

    manifest = json.loads((out / MANIFEST).read_text())
    return ScenarioRun(sc, out, result, manifest)


def scale_steps(cfg: TrainConfig, steps: int) -> TrainConfig:
    """The same run with ``steps`` steps; a step-tied fault moves proportionally."""
    changes: dict[str, Any] = {"steps": steps}
    if cfg.lr_growth_from >= 0:
        changes["lr_growth_from"] = int(round(cfg.lr_growth_from * steps / cfg.steps))
        changes["lr_growth"] = cfg.lr_growth ** (cfg.steps / steps)
    if cfg.log_every > 0 and steps < cfg.steps:
        changes["log_every"] = max(1, int(round(cfg.log_every * steps / cfg.steps)))
    return cfg.replace(**changes)
