"""Write a trained run in every format ganlog reads, so every reader is tested on real runs.

Text logs reproduce the exact line shapes of the trainers they imitate:

* ``dcgan`` (default): the PyTorch DCGAN example, epochs counted from 0:
  ``[0/5][50/500]\tLoss_D: 1.3862\tLoss_G: 0.6931\tD(x): 0.5000\tD(G(z)): 0.5000 / 0.5000``
* ``forum``: the Stack Overflow question's loop, epochs from 1:
  ``Epoch 1/5 - Step: 1900/9338 Loss G: ... Loss D: ... D(x): ... D(G(z)): ... / ... Time for the last step: 51.55 s Epoch ETA: 01:04:13``
* ``pytorch-gan``: eriklindernoren/PyTorch-GAN, ``[Epoch 0/5] [Batch 50/500] [D loss: 0.69] [G loss: 0.71]``
  (its D loss is the *mean* of the real and fake parts, as that code prints it)
* ``cyclegan``: the CycleGAN/pix2pix ``loss_log.txt``, ``(epoch: 1, iters: 100, time: 0.012, data: 0.001) D_A: ... G_A: ...``
* ``keras``: Keras-GAN, ``0 [D loss: 0.69, acc.: 50.00%] [G loss: 0.71]`` (mean D loss, accuracy)
* ``dcgan-tf``: carpedm20/DCGAN-tensorflow, ``Epoch: [ 0] [ 100/1093] time: 54.2345, d_loss: 1.2, g_loss: 0.8``

plus TensorBoard event files (tensorboardX), ``discriminator_loss.npy`` /
``generator_loss.npy``, ``metrics.jsonl`` (one object per record, canonical
keys) and ``scenario.json``, the manifest with the scenario's ground truth.
Every file is written atomically.
"""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from ..atomic import write_bytes, write_text

Record = Mapping[str, Any]

LOG_FILE = "train.log"
JSONL_FILE = "metrics.jsonl"
TB_DIR = "tb"
NPY_DIR = "npy"
MANIFEST = "scenario.json"

#: The canonical keys written to JSONL, in order (others follow).
JSONL_KEYS = (
    "step", "epoch", "iter", "wall_time", "loss_d", "loss_g", "loss_d_real", "loss_d_fake",
    "d_x", "d_g_z1", "d_g_z2", "grad_norm_d", "grad_norm_g", "lr_d", "lr_g",
)


def _hms(seconds: float) -> str:
    seconds = max(0, int(seconds)) if math.isfinite(seconds) else 0
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _n_epochs(steps: int, per_epoch: int) -> int:
    return max(1, math.ceil(steps / per_epoch))


def _mean_d(rec: Record) -> float:
    """The D loss as codes that average the real and fake parts print it."""
    return 0.5 * (rec["loss_d_real"] + rec["loss_d_fake"])


def line_dcgan(rec: Record, steps: int, per_epoch: int, **_: Any) -> str:
    E = _n_epochs(steps, per_epoch)
    return (f"[{rec['epoch']}/{E}][{rec['iter']}/{per_epoch}]\tLoss_D: {rec['loss_d']:.4f}\t"
            f"Loss_G: {rec['loss_g']:.4f}\tD(x): {rec['d_x']:.4f}\t"
            f"D(G(z)): {rec['d_g_z1']:.4f} / {rec['d_g_z2']:.4f}")


def line_forum(rec: Record, steps: int, per_epoch: int, dt: float = 0.0, **_: Any) -> str:
    E = _n_epochs(steps, per_epoch)
    left_in_epoch = per_epoch - rec["iter"]
    eta = dt * left_in_epoch
    return (f"Epoch {rec['epoch'] + 1}/{E} - Step: {rec['iter']}/{per_epoch} "
            f"Loss G: {rec['loss_g']:f} Loss D: {rec['loss_d']:f} D(x): {rec['d_x']:f} "
            f"D(G(z)): {rec['d_g_z1']:f} / {rec['d_g_z2']:f} "
            f"Time for the last step: {dt:.2f} s Epoch ETA: {_hms(eta)}")


def line_pytorch_gan(rec: Record, steps: int, per_epoch: int, **_: Any) -> str:
    E = _n_epochs(steps, per_epoch)
    return (f"[Epoch {rec['epoch']}/{E}] [Batch {rec['iter']}/{per_epoch}] "
            f"[D loss: {_mean_d(rec):f}] [G loss: {rec['loss_g']:f}]")


def line_cyclegan(rec: Record, steps: int, per_epoch: int, batch_size: int = 1,
                  dt: float = 0.0, **_: Any) -> str:
    return (f"(epoch: {rec['epoch'] + 1}, iters: {(rec['iter'] + 1) * batch_size}, "
            f"time: {dt:.3f}, data: {dt * 0.05:.3f}) D_A: {rec['loss_d']:.3f} G_A: {rec['loss_g']:.3f} ")


def line_keras(rec: Record, steps: int, per_epoch: int, **_: Any) -> str:
    acc = rec.get("d_acc", math.nan)
    return (f"{rec['step']} [D loss: {_mean_d(rec):f}, acc.: {100 * acc:.2f}%] "
            f"[G loss: {rec['loss_g']:f}]")


def line_dcgan_tf(rec: Record, steps: int, per_epoch: int, elapsed: float = 0.0, **_: Any) -> str:
    return (f"Epoch: [{rec['epoch']:2d}] [{rec['iter']:4d}/{per_epoch:4d}] time: {elapsed:4.4f}, "
            f"d_loss: {rec['loss_d']:.8f}, g_loss: {rec['loss_g']:.8f}")


LINE_FORMATS: dict[str, Callable[..., str]] = {
    "dcgan": line_dcgan,
    "forum": line_forum,
    "pytorch-gan": line_pytorch_gan,
    "cyclegan": line_cyclegan,
    "keras": line_keras,
    "dcgan-tf": line_dcgan_tf,
}


def format_log(records: Iterable[Record], fmt: str, *, steps: int, per_epoch: int,
               batch_size: int = 1) -> str:
    """The whole text log of a run in one of :data:`LINE_FORMATS`."""
    try:
        line = LINE_FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown log format {fmt!r} (expected one of {', '.join(LINE_FORMATS)})") from None
    out = io.StringIO()
    if fmt == "cyclegan":
        out.write("================ Training Loss (reference trainer) ================\n")
    start = prev = None
    for rec in records:
        wt = float(rec.get("wall_time", 0.0))
        start = wt if start is None else start
        dt = 0.0 if prev is None else wt - prev
        prev = wt
        out.write(line(rec, steps, per_epoch, dt=dt, elapsed=wt - start, batch_size=batch_size))
        out.write("\n")
    return out.getvalue()


class LiveLog:
    """Write the text log record by record while the run trains (``ganlog train --live``),
    so ``ganlog watch`` can follow it. Each line is flushed as soon as it is written; the
    lines are exactly those :func:`format_log` writes at the end of a run."""

    def __init__(self, path: Path, fmt: str, *, steps: int, per_epoch: int, batch_size: int = 1) -> None:
        if fmt not in LINE_FORMATS:
            raise ValueError(f"unknown log format {fmt!r} (expected one of {', '.join(LINE_FORMATS)})")
        self._line = LINE_FORMATS[fmt]
        self._kw = {"steps": steps, "per_epoch": per_epoch, "batch_size": batch_size}
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(path, "w", encoding="utf-8")
        self._start: float | None = None
        self._prev: float | None = None
        if fmt == "cyclegan":
            self._fh.write("================ Training Loss (reference trainer) ================\n")
            self._fh.flush()

    def __call__(self, rec: Record) -> None:
        wt = float(rec.get("wall_time", 0.0))
        self._start = wt if self._start is None else self._start
        dt = 0.0 if self._prev is None else wt - self._prev
        self._prev = wt
        self._fh.write(self._line(rec, self._kw["steps"], self._kw["per_epoch"], dt=dt,
                                  elapsed=wt - self._start, batch_size=self._kw["batch_size"]) + "\n")
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()


def _json_value(v: Any) -> Any:
    """NaN -> null, infinities -> "inf"/"-inf"; floats keep 7 significant digits (all a float32 holds)."""
    if isinstance(v, float):
        if not math.isfinite(v):
            return None if math.isnan(v) else ("inf" if v > 0 else "-inf")
        return float(f"{v:.7g}")
    return v


def format_jsonl(records: Iterable[Record]) -> str:
    """One JSON object per record; NaN becomes null and infinities the strings "inf"/"-inf"."""
    lines = []
    for rec in records:
        keys = [k for k in JSONL_KEYS if k in rec] + [k for k in rec if k not in JSONL_KEYS]
        lines.append(json.dumps({k: _json_value(rec[k]) for k in keys}, allow_nan=False))
    return "\n".join(lines) + ("\n" if lines else "")


def write_npy(records: list[Record], directory: Path) -> None:
    import numpy as np

    directory.mkdir(parents=True, exist_ok=True)
    for name, key in (("discriminator_loss.npy", "loss_d"), ("generator_loss.npy", "loss_g")):
        buf = io.BytesIO()
        np.save(buf, np.array([r[key] for r in records], dtype=np.float32))
        write_bytes(directory / name, buf.getvalue())


#: TensorBoard tags: losses under Loss/..., the rest under their canonical names.
TB_TAGS = {"loss_d": "Loss/D", "loss_g": "Loss/G", "loss_d_real": "Loss/D/real", "loss_d_fake": "Loss/D/fake"}


def write_tensorboard(records: list[Record], directory: Path) -> None:
    """Event files written by tensorboardX into ``directory`` (replaced as a whole)."""
    import logging

    from tensorboardX import SummaryWriter

    # NaN and inf are data here (a diverged run): tensorboardX would warn once per value.
    logging.getLogger("tensorboardX.x2num").setLevel(logging.ERROR)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        # Every event is at hand: a queue as long as the run keeps add_scalar from waiting on
        # the writer thread at each of its default 10 slots (3x faster for a 400-record run).
        n_events = sum(len(rec) for rec in records) + 1
        writer = SummaryWriter(logdir=str(tmp), flush_secs=3600, max_queue=n_events)
        for rec in records:
            step = int(rec["step"])
            wt = rec.get("wall_time")
            for key, value in rec.items():
                if key in ("step", "epoch", "iter", "wall_time") or not isinstance(value, (int, float)):
                    continue
                writer.add_scalar(TB_TAGS.get(key, key), float(value), step, walltime=wt)
        writer.close()
        if directory.exists():
            shutil.rmtree(directory)
        os.replace(tmp, directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


#: What ``write_run`` can write; all of them by default.
OUTPUT_KINDS = ("log", "jsonl", "tensorboard", "npy")


def write_run(out: Path, records: list[Record], manifest: dict[str, Any], *,
              log_format: str = "dcgan", formats: Iterable[str] = OUTPUT_KINDS,
              log_written: bool = False) -> dict[str, str]:
    """Write a run's files into ``out``; return {kind: relative path} (also stored in the manifest).

    ``log_written``: train.log was already written live (:class:`LiveLog`) and is left as it is.
    """
    out.mkdir(parents=True, exist_ok=True)
    cfg = manifest["config"]
    files: dict[str, str] = {}
    formats = tuple(formats)
    if "log" in formats and log_written:
        files["log"] = LOG_FILE
    elif "log" in formats:
        write_text(out / LOG_FILE, format_log(records, log_format, steps=cfg["steps"],
                                              per_epoch=cfg["iters_per_epoch"], batch_size=cfg["batch_size"]))
        files["log"] = LOG_FILE
    if "jsonl" in formats:
        write_text(out / JSONL_FILE, format_jsonl(records))
        files["jsonl"] = JSONL_FILE
    if "npy" in formats:
        write_npy(records, out / NPY_DIR)
        files["npy"] = NPY_DIR
    if "tensorboard" in formats:
        write_tensorboard(records, out / TB_DIR)
        files["tensorboard"] = TB_DIR
    manifest = dict(manifest, files=files, log_format=log_format)
    write_text(out / MANIFEST, json.dumps(manifest, indent=2, allow_nan=False) + "\n")
    return files
