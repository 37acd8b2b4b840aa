"""Followers: read only what is new in a growing log, and only what is complete.

A follower is polled; each poll returns a :class:`Chunk` of new, complete data.

* :class:`TextFollower` reads a text log by byte offset. It remembers the
  file's identity (``st_dev``, ``st_ino``): a file replaced at the same path
  (log rotation, or an atomic rewrite) and a file that shrank (truncated,
  ``python train.py > train.log`` run again) are noticed. A replaced file whose
  first bytes differ from what was read is a rotation, and reading continues
  in the new file from its start; a replaced file that starts with the same
  bytes, or a truncated one, is a rewrite of the log, so the run restarts
  (``Chunk.reset``). It never consumes an unfinished last record: only bytes up
  to the last ``\\n`` or ``\\r`` are returned (a ``\\r`` progress bar's current
  state and a line being written stay pending until their end arrives).
* :class:`StdinFollower` does the same over a pipe (a reader thread, so the
  main loop never blocks); at end of input the pending tail is flushed.
* :class:`EventFollower` reads a TensorBoard event file up to its last
  complete record whose checksums are valid (TFRecord framing from
  :mod:`ganlog.readers._tfrecord`); a record still being written stays pending.
* :class:`FolderFollower` watches a run folder: every text log and event file
  in it, including files that appear later (a resumed run, a new rank).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

#: Bytes read per poll at most (a follower that starts on a large existing log catches up
#: over several polls, so the loop stays responsive).
READ_LIMIT = 16 * 1024 * 1024
#: Bytes compared to tell a rotated file from a rewritten one.
PREFIX_PROBE = 4096


@dataclass
class Chunk:
    """New complete data from one poll."""

    data: bytes = b""
    #: the log was rewritten or truncated: what was read before is void
    reset: bool = False
    #: the input ended (stdin closed); no more data will come
    eof: bool = False
    #: something happened worth saying (rotation, truncation), for the event log
    notes: list[str] = field(default_factory=list)
    #: new whole records (event files), when the follower can count them
    records: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.data) or self.reset or self.records > 0


def complete_prefix(data: bytes) -> int:
    """Length of the prefix of ``data`` that ends at a record separator (``\\n`` or ``\\r``)."""
    return max(data.rfind(b"\n"), data.rfind(b"\r")) + 1


class TextFollower:
    """Follow a text log on disk by byte offset, with rotation and truncation handled."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.name = str(path)
        self._fh: BinaryIO | None = None
        self._ident: tuple[int, int] | None = None
        self.offset = 0  # bytes of the current file consumed (complete records)
        self._pending = b""  # bytes read after the last separator
        self._prefix = b""  # the first bytes of the log as read (to tell rotation from rewrite)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def _open(self, st: os.stat_result) -> None:
        self.close()
        self._fh = open(self.path, "rb")
        self._ident = (st.st_dev, st.st_ino)
        self.offset = 0
        self._pending = b""

    def _read_new(self) -> bytes:
        assert self._fh is not None
        self._fh.seek(self.offset + len(self._pending))
        return self._fh.read(READ_LIMIT)

    def _take(self, new: bytes, chunk: Chunk) -> None:
        buf = self._pending + new
        cut = complete_prefix(buf)
        if cut:
            chunk.data += buf[:cut]
            self.offset += cut
        self._pending = buf[cut:]
        if len(self._prefix) < PREFIX_PROBE and chunk.data:
            self._prefix = (self._prefix + chunk.data)[:PREFIX_PROBE]

    def poll(self) -> Chunk:
        chunk = Chunk()
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            # Rotated away and not yet recreated: finish the old file, then wait.
            if self._fh is not None:
                self._take(self._read_new(), chunk)
            return chunk
        ident = (st.st_dev, st.st_ino)
        if self._fh is None:
            self._open(st)
        elif ident != self._ident:
            # A new file at the path. Drain what the old one still holds, then decide.
            self._take(self._read_new(), chunk)
            with open(self.path, "rb") as fh:
                head = fh.read(min(len(self._prefix), PREFIX_PROBE))
            rewrite = bool(head) and head == self._prefix[: len(head)]
            self._open(st)
            if rewrite:
                chunk.data = b""
                chunk.reset = True
                self._prefix = b""
                chunk.notes.append(f"{self.name} was rewritten; reading it again from the start")
            else:
                chunk.notes.append(f"{self.name} was rotated; following the new file")
        elif st.st_size < self.offset + len(self._pending):
            self._open(st)
            chunk.data = b""
            chunk.reset = True
            self._prefix = b""
            chunk.notes.append(f"{self.name} was truncated; reading it again from the start")
        if st.st_size > self.offset + len(self._pending) or chunk.reset:
            self._take(self._read_new(), chunk)
        return chunk

    def flush(self) -> bytes:
        """The unfinished tail (at the very end only: a last line without its newline)."""
        tail, self._pending = self._pending, b""
        self.offset += len(tail)
        return tail


class StdinFollower:
    """Follow a pipe: a thread reads it, polls hand over complete records."""

    def __init__(self, stream: BinaryIO | None = None, name: str = "<stdin>") -> None:
        import sys

        self.name = name
        self._stream = stream if stream is not None else sys.stdin.buffer
        self._lock = threading.Lock()
        self._buf = bytearray()
        self._eof = False
        self._thread = threading.Thread(target=self._pump, name="ganlog-stdin", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        read = getattr(self._stream, "read1", None) or self._stream.read
        while True:
            try:
                data = read(65536)
            except (OSError, ValueError):
                data = b""
            with self._lock:
                if not data:
                    self._eof = True
                    return
                self._buf += data

    def poll(self) -> Chunk:
        with self._lock:
            if self._eof:
                data = bytes(self._buf)
                self._buf.clear()
                return Chunk(data=data, eof=True)
            cut = complete_prefix(self._buf)
            data = bytes(self._buf[:cut])
            del self._buf[:cut]
        return Chunk(data=data)

    def close(self) -> None:
        pass


class EventFollower:
    """Follow a TensorBoard event file up to its last complete, checksum-valid record."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.name = str(path)
        self._ident: tuple[int, int] | None = None
        #: end of the last complete, valid record: the reader is given the file up to here
        self.valid_end = 0
        self.records = 0
        self.problems: list[str] = []

    def poll(self) -> Chunk:
        from ganlog.readers._tfrecord import FOOTER, frame

        chunk = Chunk()
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return chunk
        ident = (st.st_dev, st.st_ino)
        if self._ident is not None and (ident != self._ident or st.st_size < self.valid_end):
            chunk.reset = True
            chunk.notes.append(f"{self.name} was replaced or truncated; reading it again")
            self.valid_end = 0
            self.records = 0
        self._ident = ident
        if st.st_size <= self.valid_end:
            return chunk
        with open(self.path, "rb") as fh:
            fh.seek(self.valid_end)
            data = fh.read(min(st.st_size - self.valid_end, READ_LIMIT))
        fr = frame(data)
        if len(fr.starts):
            end = int(fr.starts[-1] + fr.lengths[-1] + FOOTER)
            self.valid_end += end
            self.records += len(fr.starts)
            chunk.records = len(fr.starts)
        for p in fr.problems:
            if p.kind != "truncated":  # a record being written is not damage
                self.problems.append(f"{self.name}: byte {self.valid_end + p.offset:,}: {p.message}")
                chunk.notes.append(self.problems[-1])
        return chunk

    def complete_bytes(self) -> bytes:
        """The file up to its last complete valid record (what the reader is given)."""
        with open(self.path, "rb") as fh:
            return fh.read(self.valid_end)

    def close(self) -> None:
        pass


class FolderFollower:
    """Follow a run folder: its text logs and event files, new files included."""

    #: files that are not training records (the trainer's manifest, reports, our own output)
    IGNORED_SUFFIXES = (".html", ".json", ".png", ".jpg", ".pt", ".pth", ".ckpt", ".tmp")

    def __init__(self, path: str | os.PathLike[str], ignore: tuple[str, ...] = ()) -> None:
        self.path = Path(path)
        self.name = str(path)
        self._files: dict[Path, TextFollower | EventFollower] = {}
        self._ignore = {os.path.abspath(p) for p in ignore}

    def _scan(self, chunk: Chunk) -> None:
        from ganlog.readers.tensorboard import is_event_filename

        for root, dirs, files in os.walk(self.path):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for f in files:
                p = Path(root) / f
                if f.startswith(".") or p in self._files or f.endswith(self.IGNORED_SUFFIXES):
                    continue
                if os.path.abspath(p) in self._ignore:
                    continue
                if is_event_filename(f):
                    self._files[p] = EventFollower(p)
                elif f.endswith((".log", ".txt", ".jsonl", ".csv", ".out")):
                    self._files[p] = TextFollower(p)
                else:
                    continue
                if len(self._files) > 1:
                    chunk.notes.append(f"new file in {self.name}: {p.relative_to(self.path)}")

    def poll(self) -> Chunk:
        chunk = Chunk()
        self._scan(chunk)
        for f in self._files.values():
            c = f.poll()
            chunk.notes += c.notes
            chunk.records += c.records + (c.data.count(b"\n") if c.data else 0)
            chunk.reset = chunk.reset or c.reset
        return chunk

    def close(self) -> None:
        for f in self._files.values():
            f.close()


__all__ = ["Chunk", "TextFollower", "StdinFollower", "EventFollower", "FolderFollower",
           "complete_prefix", "READ_LIMIT"]
