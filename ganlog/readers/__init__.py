"""The reader registry: every source kind registers one reader; the best sniff wins.

``load(path)`` picks the reader whose :meth:`~ganlog.readers.base.Reader.sniff`
scores highest (``explain(path)`` says why each scored what it did), or the one
named by ``format=``. Reader modules are imported lazily so that each reader's
dependencies (protobuf for event files, ...) are only needed when used.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import InputError, UsageError
from .base import Reader, ReadOptions, Sniff, Source

if TYPE_CHECKING:
    from ..frame import Run

#: module path, class name -- in the order ties are broken.
_READER_CLASSES: tuple[tuple[str, str], ...] = (
    ("ganlog.readers.tensorboard", "TensorBoardReader"),
    ("ganlog.readers.arrays", "ArrayReader"),
    ("ganlog.readers.tables", "TableReader"),
    ("ganlog.readers.directory", "DirectoryReader"),
    ("ganlog.readers.text", "TextReader"),
)

_instances: list[Reader] | None = None


def register(module: str, cls: str) -> None:
    """Add a reader class (by import path) to the registry; used by plug-ins and tests."""
    global _READER_CLASSES, _instances
    if (module, cls) not in _READER_CLASSES:
        _READER_CLASSES = _READER_CLASSES + ((module, cls),)
        _instances = None


def readers() -> list[Reader]:
    """All registered readers, instantiated once."""
    global _instances
    if _instances is None:
        out = []
        for mod, cls in _READER_CLASSES:
            out.append(getattr(importlib.import_module(mod), cls)())
        _instances = out
    return _instances


def reader_names() -> list[str]:
    return [r.name for r in readers()]


@dataclass(frozen=True)
class Choice:
    """The reader picked for an input and its sniff (None when forced by ``format=``).

    ``read`` hands the sniff back to the reader, so what it detected is not detected again.
    """

    reader: Reader
    sniff: Sniff | None = None

    @property
    def name(self) -> str:
        return self.reader.name

    def read(self, source: Source, options: ReadOptions) -> "list[Run]":
        return self.reader.read_sniffed(source, options, self.sniff)


def explain(source: Source) -> list[Choice]:
    """Every reader's sniff for ``source``, best first."""
    choices = []
    for r in readers():
        if source.is_dir and not r.reads_directories:
            continue
        choices.append(Choice(r, r.sniff(source)))
    choices.sort(key=lambda c: -c.sniff.score)
    return choices


def _check_path(source: Source) -> None:
    if source.path is None or source.data is not None:
        return
    p = source.path
    if not p.exists():
        raise InputError(str(p), "no such file or directory")
    if p.is_dir():
        return
    if not os.access(p, os.R_OK):
        raise InputError(str(p), "permission denied")


def pick_reader(source: Source, options: ReadOptions) -> Choice:
    """The reader for ``source`` with its sniff; ``choice.read(source, options)`` reads it."""
    _check_path(source)
    if options.format:
        for r in readers():
            if options.format == r.name:
                return Choice(r)
        # A text format name (e.g. "dcgan") is forced through the text reader.
        text = next((r for r in readers() if r.name == "text"), None)
        if text is not None and hasattr(text, "knows_format") and text.knows_format(options.format):  # type: ignore[attr-defined]
            return Choice(text)
        raise UsageError(
            f"unknown format {options.format!r}; `ganlog formats` lists the readers and text formats"
        )
    choices = explain(source)
    if not choices or choices[0].sniff.score <= 0 or choices[0].reader.name in ("text", "tables"):
        _refuse_binary(source)
    if not choices or choices[0].sniff.score <= 0:
        if source.is_dir:
            raise InputError(
                source.name,
                "nothing readable in this directory",
                expected="a training log, TensorBoard event files, .npy/.npz arrays, or CSV/JSONL metrics",
            )
        reason = choices[0].sniff.reason if choices else "no reader accepts it"
        raise InputError(source.name, reason, expected="a GAN training log")
    return choices[0]


def _refuse_binary(source: Source) -> None:
    """Data that is not text (an image, an archive, random bytes) gets its own name."""
    if source.is_dir:
        return
    what = source.binary_kind()
    if what:
        raise InputError(source.name, f"{what}, not a training log",
                         expected="a text log, TensorBoard event files, .npy/.npz, CSV or JSON lines")


def _drop_empty(runs: "list[Run]", source: Source) -> "list[Run]":
    """A run with no records is an input error, never a run to judge (it would pass)."""
    empty = [r for r in runs if len(r.frame) == 0]
    if not empty:
        return runs
    kept = [r for r in runs if len(r.frame) > 0]
    errors = [str(InputError(r.source or source.name, "no records were read (nothing to judge)",
                             expected="a log with at least one record of loss values")) for r in empty]
    if not kept:
        raise InputError(empty[0].source or source.name, "no records were read (nothing to judge)",
                         expected="a log with at least one record of loss values")
    first = kept[0]
    first.meta["input_errors"] = list(first.meta.get("input_errors", ())) + errors
    return kept


def load_runs(
    path: "str | os.PathLike[str] | Source",
    options: ReadOptions | None = None,
) -> "list[Run]":
    """Read every run in ``path`` (``-`` is stdin). A directory may hold several runs."""
    from .. import errors
    from ..errors import neutralize
    from .base import open_input, unwrap

    options = options or ReadOptions()
    errors.current_input = path.name if isinstance(path, Source) else str(path)
    source = unwrap(path) if isinstance(path, Source) else open_input(path)
    try:
        runs = _drop_empty(pick_reader(source, options).read(source, options), source)
    finally:
        source.release()
    for run in runs:  # names from outside reach terminals and pages: no control or bidi characters
        run.name = neutralize(run.name)
        run.source = neutralize(run.source)
        for note in source.notes:
            run.stats.warn(f"{source.name}: {note}", partial="ends early" in note or "damaged" in note)
    from ..roles import decide  # what each column means and the loss family: decided once, here

    for run in runs:
        decide(run, options.extra_aliases, options.loss_family)
    return runs


def load(path: "str | os.PathLike[str] | Source", **kwargs: object) -> "Run":
    """Read one run. Keyword arguments are :class:`ReadOptions` fields.

    A directory holding several runs is an error here; use :func:`load_runs`.
    """
    options = ReadOptions(**kwargs)  # type: ignore[arg-type]
    runs = load_runs(path, options)
    if len(runs) != 1:
        name = path.name if isinstance(path, Source) else str(path)
        raise InputError(name, f"holds {len(runs)} runs", expected="one run; use load_runs() for several")
    return runs[0]


__all__ = [
    "Choice", "Reader", "ReadOptions", "Sniff", "Source",
    "explain", "load", "load_runs", "pick_reader", "reader_names", "readers", "register",
]
