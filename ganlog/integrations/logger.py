"""GanLogger: log a hand-written PyTorch GAN loop as ganlog reads it best, and judge it as it runs.

    from ganlog.integrations import GanLogger

    glog = GanLogger("runs/exp1/metrics.jsonl", check_every=200, stop_on="error")
    for step in range(steps):
        ...
        if glog.log(step, loss_d=errD, loss_g=errG, d_x=D_x, d_g_z1=D_G_z1, d_g_z2=D_G_z2,
                    grad_norm_d=gn_d, lr_d=opt_d.param_groups[0]["lr"]):
            break   # a finding at or above "error": stop and fix it

Values may be floats, ints, numpy scalars or 0-d tensors (``.item()`` is called;
log every N steps to keep the device synchronisations rare). Each record is one
JSON object a line, keys in ganlog's canonical names (``loss_d``, ``loss_g``,
``loss_d_real``, ``loss_d_fake``, ``d_x``, ``d_g_z1`` (D(G(z)) in D's step, before
its update), ``d_g_z2`` (in G's step, after it), ``grad_norm_d``, ``grad_norm_g``,
``lr_d``, ``lr_g``, ...); other names go through ganlog's alias table
(``errD`` -> ``loss_d``), so ``ganlog analyze``/``watch`` read the file with no guessing.

Every ``check_every`` records the file is read back by the same reader
``ganlog analyze`` uses and the detectors run on it. ``log`` returns the
findings at or above ``stop_on`` that are new at this check (an empty list
otherwise, so ``if glog.log(...)`` reads as "should I stop"); with
``raise_on_stop=True`` it raises :class:`GanlogStop` instead. ``should_stop``
stays true once such a finding was seen.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from ganlog.analysis import Analysis
    from ganlog.config import Config
    from ganlog.detectors.base import Finding

CANONICAL_ORDER = (
    "step", "epoch", "iter", "wall_time", "loss_d", "loss_g", "loss_d_real", "loss_d_fake",
    "d_x", "d_g_z1", "d_g_z2", "grad_norm_d", "grad_norm_g", "lr_d", "lr_g",
)


class GanlogStop(RuntimeError):
    """Raised by :meth:`GanLogger.log` (``raise_on_stop=True``) at a finding at or above ``stop_on``."""

    def __init__(self, findings: "list[Finding]") -> None:
        self.findings = findings
        f = findings[0]
        super().__init__(f"ganlog: {f.severity.label} {f.code} {f.name}: {f.message}")


def to_float(value: Any) -> float:
    """A float from a float, int, bool, numpy scalar, or one-element tensor/array."""
    if hasattr(value, "detach"):  # torch tensor: no autograd graph, then one host copy
        value = value.detach()
    if hasattr(value, "item"):
        value = value.item()
    return float(value)


def _json_value(v: float) -> Any:
    if math.isnan(v):
        return None
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return float(f"{v:.7g}")


class GanLogger:
    """Write canonical-column JSONL and run the detectors every ``check_every`` records."""

    def __init__(self, path: "str | os.PathLike[str]", *, check_every: int = 100, stop_on: str | None = "error",
                 raise_on_stop: bool = False, config: "Config | None" = None, append: bool = False,
                 extra_aliases: Mapping[str, str] | None = None) -> None:
        from ganlog.detectors.base import Severity

        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.check_every = max(1, int(check_every))
        self.stop_on = Severity.parse(stop_on) if stop_on else None
        self.raise_on_stop = raise_on_stop
        self.config = config
        self.extra_aliases = dict(extra_aliases or {})
        self._fh = open(self.path, "a" if append else "w", encoding="utf-8")
        self._names: dict[str, str] = {}
        self.records = 0
        self.analysis: "Analysis | None" = None
        self.should_stop = False
        self.stop_findings: "list[Finding]" = []
        self._reported: set[tuple[str, str]] = set()

    # -- writing ---------------------------------------------------------------------
    def _canonical(self, name: str) -> str:
        col = self._names.get(name)
        if col is None:
            from ganlog.frame import canonical_name

            col = self._names[name] = canonical_name(name, self.extra_aliases)
        return col

    def log(self, step: int, **values: Any) -> "list[Finding]":
        """Write one record; every ``check_every`` records, judge the run (see the module doc)."""
        rec: dict[str, Any] = {"step": int(step)}
        if "wall_time" not in values:
            rec["wall_time"] = round(time.time(), 3)
        for name, v in values.items():
            if v is None:
                continue
            col = self._canonical(name)
            rec[col] = int(v) if col in ("epoch", "iter") else _json_value(to_float(v))
        keys = [k for k in CANONICAL_ORDER if k in rec] + [k for k in rec if k not in CANONICAL_ORDER]
        self._fh.write(json.dumps({k: rec[k] for k in keys}, allow_nan=False) + "\n")
        self._fh.flush()
        self.records += 1
        if self.records % self.check_every == 0:
            return self.check()
        return []

    # -- judging ---------------------------------------------------------------------
    def check(self) -> "list[Finding]":
        """Judge what was logged so far; return the new findings at or above ``stop_on``."""
        from ganlog.analysis import analyze
        from ganlog.errors import GanlogError
        from ganlog.readers import ReadOptions, Source, load_runs
        from ganlog.watch.debounce import finding_key

        self._fh.flush()
        try:
            run = load_runs(Source.from_path(self.path), ReadOptions(
                extra_aliases=dict(getattr(self.config, "aliases", {}) or {}),
                loss_family=getattr(self.config, "loss_family", None)))[0]
        except GanlogError:
            return []
        self.analysis = analyze(run, self.config)
        if self.stop_on is None:
            return []
        new = []
        for f in self.analysis.findings:
            key = finding_key(f)
            if f.severity >= self.stop_on and key not in self._reported:
                self._reported.add(key)
                new.append(f)
        if new:
            self.should_stop = True
            self.stop_findings += new
            if self.raise_on_stop:
                raise GanlogStop(new)
        return new

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def __enter__(self) -> "GanLogger":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


__all__ = ["GanLogger", "GanlogStop", "to_float"]
