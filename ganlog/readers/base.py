"""What a reader is: a name, a sniff that scores an input, and a read that returns Runs.

Readers never see detectors or reports. They take a :class:`Source` (a file,
a directory or stdin's bytes) and :class:`ReadOptions`, and return one or
more :class:`~ganlog.frame.Run` built with :func:`~ganlog.frame.build_run`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

if TYPE_CHECKING:
    from ..frame import Run

HEAD_BYTES = 64 * 1024


@dataclass
class Source:
    """An input: a path on disk or bytes from stdin, with a cached head for sniffing."""

    name: str
    path: Path | None = None
    data: bytes | None = None
    _head: bytes | None = field(default=None, repr=False)

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> "Source":
        p = Path(path)
        return cls(name=str(path), path=p)

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "<stdin>") -> "Source":
        return cls(name=name, data=data)

    @property
    def is_dir(self) -> bool:
        return self.path is not None and self.data is None and self.path.is_dir()

    @property
    def filename(self) -> str:
        """The base name used by sniffers ('' for stdin)."""
        return self.path.name if self.path is not None else ""

    @property
    def stem(self) -> str:
        if self.path is None:
            return "stdin"
        name = self.path.name
        for suffix in (".gz",):
            if name.endswith(suffix):
                name = name[: -len(suffix)]
        return name.rsplit(".", 1)[0] if "." in name[1:] else name

    def head(self, n: int = HEAD_BYTES) -> bytes:
        """The first bytes (64 KiB by default) for sniffing; empty for a directory."""
        if self._head is None or len(self._head) < min(n, HEAD_BYTES):
            if self.data is not None:
                self._head = self.data[:HEAD_BYTES]
            elif self.is_dir or self.path is None:
                self._head = b""
            else:
                with open(self.path, "rb") as fh:
                    self._head = fh.read(HEAD_BYTES)
        return self._head[:n]

    def read_bytes(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.path is not None
        return self.path.read_bytes()

    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        return self.path.stat().st_size if self.path is not None else 0


@dataclass
class ReadOptions:
    """Options every reader accepts; readers ignore what does not concern them."""

    format: str | None = None  #: force a text format by name
    loss_family: str | None = None  #: the user's word on the loss family
    extra_aliases: Mapping[str, str] = field(default_factory=dict)
    allow_pickle: bool = False  #: .npy files holding pickled dicts (runs code: opt-in)
    run_name: str | None = None


@dataclass(frozen=True)
class Sniff:
    """A reader's verdict on an input: a score in [0, 1] and why."""

    score: float
    reason: str
    #: What the sniff found (the text reader's detected format), handed back to ``read``
    #: so that detection runs once per input.
    detail: Any = field(default=None, compare=False, repr=False)

    @classmethod
    def no(cls, reason: str) -> "Sniff":
        return cls(0.0, reason)


class Reader:
    """Base class for readers. Subclasses set ``name``/``description`` and implement both methods."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    #: Readers that accept directories set this; others are never offered one.
    reads_directories: ClassVar[bool] = False

    def sniff(self, source: Source) -> Sniff:
        raise NotImplementedError

    def read(self, source: Source, options: ReadOptions) -> "list[Run]":
        raise NotImplementedError

    def read_sniffed(self, source: Source, options: ReadOptions, sniff: Sniff | None) -> "list[Run]":
        """``read``, reusing what :meth:`sniff` found; readers with nothing to reuse just read."""
        return self.read(source, options)
