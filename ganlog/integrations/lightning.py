"""A PyTorch Lightning callback: judge the GAN while it trains, stop it when it breaks.

    from ganlog.integrations import GanlogCallback

    trainer = L.Trainer(callbacks=[GanlogCallback("logs/ganlog.jsonl", check_every=200, stop_on="error")])

After each training batch the callback takes what the LightningModule logged
(``self.log("loss_d", ...)``; names like ``d_loss``, ``errD``, ``g_loss`` go
through ganlog's alias table) from ``trainer.callback_metrics``, writes it with
a :class:`~ganlog.integrations.GanLogger` (canonical-column JSONL, readable by
``ganlog analyze`` and ``ganlog watch``) every ``log_every`` batches, runs the
detectors every ``check_every`` records, and at a finding at or above
``stop_on`` sets ``trainer.should_stop`` (Lightning ends the fit cleanly) and
keeps the findings in ``callback.findings``. Needs ``ganlog[lightning]``.
"""

from __future__ import annotations

from typing import Any

try:
    from lightning.pytorch.callbacks import Callback
except ImportError:  # pragma: no cover - the older package name
    try:
        from pytorch_lightning.callbacks import Callback  # type: ignore[no-redef]
    except ImportError as exc:
        raise ImportError("GanlogCallback needs PyTorch Lightning: pip install 'ganlog[lightning]'") from exc

from .logger import GanLogger


class GanlogCallback(Callback):
    def __init__(self, path: str = "ganlog.jsonl", *, check_every: int = 100, stop_on: str | None = "error",
                 log_every: int = 1, keys: "tuple[str, ...] | None" = None, config: Any = None) -> None:
        super().__init__()
        self.path = path
        self.check_every = check_every
        self.stop_on = stop_on
        self.log_every = max(1, int(log_every))
        self.keys = keys  # only these logged names (default: every scalar logged)
        self.config = config
        self.logger: GanLogger | None = None
        self.findings: list[Any] = []

    def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
        if trainer.is_global_zero:
            self.logger = GanLogger(self.path, check_every=self.check_every, stop_on=self.stop_on,
                                    config=self.config)

    def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
        if self.logger is None or batch_idx % self.log_every:
            return
        values = {}
        for name, v in trainer.callback_metrics.items():
            if self.keys is not None and name not in self.keys:
                continue
            if name.endswith("_epoch"):
                continue
            numel = getattr(v, "numel", None)
            if numel is not None and numel() != 1:
                continue
            values[name[:-5] if name.endswith("_step") else name] = v
        if not values:
            return
        new = self.logger.log(trainer.global_step, epoch=trainer.current_epoch, **values)
        if new:
            self.findings += new
            trainer.should_stop = True
            f = new[0]
            pl_module.print(f"ganlog: {f.severity.label} {f.code} {f.name}: {f.message}; stopping")

    def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
        if self.logger is not None:
            self.logger.close()


__all__ = ["GanlogCallback"]
