"""In-loop integrations: judge a GAN while it trains, from inside the training loop.

* :class:`GanLogger` (no dependency): ``logger.log(step, loss_d=..., loss_g=...)`` writes
  the canonical columns as JSONL and runs the detectors every ``check_every`` records.
* :class:`GanlogCallback` (``ganlog[lightning]``): a PyTorch Lightning callback that feeds
  the metrics a LightningModule logs to a GanLogger and sets ``trainer.should_stop``.

Neither imports torch or lightning unless they are used.
"""

from __future__ import annotations

from typing import Any

__all__ = ["GanLogger", "GanlogStop", "GanlogCallback"]


def __getattr__(name: str) -> Any:
    if name in ("GanLogger", "GanlogStop"):
        from . import logger

        return getattr(logger, name)
    if name == "GanlogCallback":
        from . import lightning

        return lightning.GanlogCallback
    raise AttributeError(f"module 'ganlog.integrations' has no attribute {name!r}")
