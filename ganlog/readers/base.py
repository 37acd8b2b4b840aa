"""What a reader is: a name, a sniff that scores an input, and a read that returns Runs.

Readers never see detectors or reports. They take a :class:`Source` (a file,
a directory or stdin's bytes) and :class:`ReadOptions`, and return one or
more :class:`~ganlog.frame.Run` built with :func:`~ganlog.frame.build_run`.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
import sys
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

    #: temporary files this source owns (a spooled pipe, an inflated .gz); see :meth:`release`
    scratch: list[Path] = field(default_factory=list, repr=False)
    #: what turning the input into something readable said (``decompressed from gzip``, ...)
    notes: list[str] = field(default_factory=list, repr=False)

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> "Source":
        from ..atomic import protect

        p = Path(path)
        protect(p)
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

    def release(self) -> None:
        """Remove the temporary files behind this source (once its runs are built)."""
        for p in self.scratch:
            with contextlib.suppress(OSError):
                p.unlink()
            with contextlib.suppress(OSError):
                p.parent.rmdir()  # the file's own folder in the scratch folder
        self.scratch.clear()

    def binary_kind(self) -> str | None:
        """What the head says this is when it is not text (``a PNG image``), else None."""
        return describe_binary(self.head())


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

# ---------------------------------------------------------------------------------------------
# Opening an input: paths, pipes, stdin, gzip and UTF-16, with bounded memory and time.
#
# Memory: a pipe or stdin is copied to a temporary file in 1 MiB pieces (never held whole), a
# .gz is inflated the same way, UTF-16 is transcoded to UTF-8 the same way; readers then see a
# plain file and read it as they read any file. Sniffing reads the first 64 KiB.
# ---------------------------------------------------------------------------------------------

CHUNK = 1 << 20
#: Inflating past this many bytes needs a ratio below MAX_INFLATE_RATIO (decompression bombs).
INFLATE_FREE_BYTES = 64 << 20
MAX_INFLATE_RATIO = 100
#: Largest stream (stdin, a pipe) copied to disk; ``GANLOG_MAX_STREAM_BYTES`` changes it.
MAX_STREAM_BYTES = 4 << 30
#: Seconds a named pipe may stay silent (no writer, or no data) before it is given up on.
PIPE_TIMEOUT_S = 30.0

GZIP_MAGIC = b"\x1f\x8b"

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"BZh", "bzip2-compressed data (decompress it first: bunzip2 FILE)"),
    (b"\xfd7zXZ\x00", "xz-compressed data (decompress it first: unxz FILE)"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data (decompress it first: unzstd FILE)"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive (extract the log first)"),
    (b"Rar!\x1a\x07", "a RAR archive (extract the log first)"),
    (b"PK\x03\x04", "a ZIP archive (extract the log first; .npz archives are read when named .npz)"),
    (b"\x7fELF", "an executable (ELF)"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x89HDF\r\n\x1a\n", "an HDF5 file"),
    (b"\x80\x02", "a Python pickle"), (b"\x80\x03", "a Python pickle"),
    (b"\x80\x04", "a Python pickle"), (b"\x80\x05", "a Python pickle"),
    (b"RIFF", "a RIFF media file"),
    (b"\x00\x00\x00\x0cjP  ", "a JPEG 2000 image"),
)


def describe_binary(head: bytes) -> str | None:
    """A person's name for what ``head`` holds when it is not text, else None.

    Magic bytes first (PNG, archives, pickles, ...), then NUL bytes, then control bytes (over
    10% of the first 64 KiB) or bytes that are not UTF-8 (over 40%).
    """
    if not head:
        return None
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return f"binary data ({what}, by its first bytes)"
    if head.startswith(GZIP_MAGIC):
        return "binary data (gzip-compressed, by its first bytes)"
    if utf16_kind(head):
        return "UTF-16 text"
    probe = head[:HEAD_BYTES]
    nul = probe.find(b"\x00")
    if nul >= 0:
        return f"binary data (a NUL byte at byte {nul:,})"
    text = probe.decode("utf-8", "replace")
    if len(probe) == HEAD_BYTES:  # a multi-byte character cut by the probe's end
        text = text[:-4]
    bad = text.count("\ufffd") - probe.count("\ufffd".encode())
    control = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\x08\x0b\x0c\x1b")
    # Control bytes mark binary data; bytes that are not UTF-8 only when they are many (a log in
    # GBK or Latin-1 has some: up to a third of its bytes for Chinese words between numbers).
    if text and (control > 0.1 * len(text) or bad > 0.4 * len(text) or bad + control > 0.5 * len(text)):
        share = 100 * (bad + control) / len(text)
        return f"binary data ({share:.0f}% of the first {len(probe):,} bytes are not text)"
    return None


def utf16_kind(head: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` (with or without a BOM) when the head looks like UTF-16."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) and not head.startswith(b"\xff\xfe\x00\x00"):
        return "utf-16"
    probe = head[:512]
    if len(probe) < 16:
        return None
    probe = probe[: len(probe) // 2 * 2]
    even, odd = probe[0::2], probe[1::2]
    def texty(b: bytes) -> bool:
        return all(32 <= c < 127 or c in (9, 10, 13) for c in b)
    if not odd.strip(b"\x00") and texty(even):
        return "utf-16-le"
    if not even.strip(b"\x00") and texty(odd):
        return "utf-16-be"
    return None


_scratch_dir: Path | None = None


def scratch_file(name: str) -> Path:
    """A new empty file named ``name`` in this process's scratch folder (removed at exit)."""
    global _scratch_dir
    import tempfile

    if _scratch_dir is None or not _scratch_dir.is_dir():
        import atexit
        import shutil

        _scratch_dir = Path(tempfile.mkdtemp(prefix="ganlog-"))
        atexit.register(shutil.rmtree, _scratch_dir, True)
    folder = Path(tempfile.mkdtemp(dir=_scratch_dir))
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)[-120:].lstrip(".") or "input"
    p = folder / safe
    p.touch()
    return p


def remove_scratch() -> None:
    """Remove this process's scratch folder now (a child process that ends without atexit)."""
    global _scratch_dir
    if _scratch_dir is not None:
        import shutil

        shutil.rmtree(_scratch_dir, ignore_errors=True)
        _scratch_dir = None


def _env_number(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


def _stream_to_file(fd: int, name: str, shown: str, *, timeout: float | None) -> Path:
    """Copy what arrives on ``fd`` to a scratch file in 1 MiB pieces, up to MAX_STREAM_BYTES."""
    import select

    from ..errors import InputError

    limit = int(_env_number("GANLOG_MAX_STREAM_BYTES", MAX_STREAM_BYTES))
    out = scratch_file(name)
    total = 0
    try:
        with open(out, "wb") as fh:
            while True:
                if timeout is not None:
                    ready, _, _ = select.select([fd], [], [], timeout)
                    if not ready:
                        what = "no writer opened it" if total == 0 else "no more data arrived"
                        raise InputError(shown, f"a pipe: {what} within {timeout:g} s; gave up",
                                         expected="a writer that sends the log and closes the pipe "
                                                  "(GANLOG_PIPE_TIMEOUT sets the wait)")
                try:
                    block = os.read(fd, CHUNK)
                except BlockingIOError:
                    continue
                if not block:
                    break
                total += len(block)
                if total > limit:
                    raise InputError(shown, f"more than {limit:,} bytes arrived on a stream; stopped",
                                     expected="a log file of that size given by its path "
                                              "(GANLOG_MAX_STREAM_BYTES raises the limit)")
                fh.write(block)
    except BaseException:
        with contextlib.suppress(OSError):
            out.unlink()
        raise
    return out


def open_input(path: "str | os.PathLike[str]") -> Source:
    """The Source for a command-line input: ``-`` (stdin), a file, a directory or a pipe.

    Pipes and stdin are streamed to a temporary file; character devices, sockets and block
    devices are refused; a symlink loop, a missing file and an unreadable one each get their
    own words. The result is then unwrapped (:func:`unwrap`): gzip inflated, UTF-16 decoded.
    """
    import errno
    import stat as st_

    from ..errors import InputError

    text = str(path)
    if text == "-":
        stdin = sys.stdin
        if stdin is None:
            raise InputError("<stdin>", "there is no standard input", expected="a log piped in")
        fd = stdin.fileno()
        if os.isatty(fd):
            raise InputError("<stdin>", "standard input is a terminal, not a log",
                             expected="a log piped in (ganlog analyze - < train.log) or a file path")
        src = Source(name="<stdin>", path=_stream_to_file(fd, "stdin", "<stdin>", timeout=None))
        src.scratch.append(src.path)  # type: ignore[arg-type]
        return unwrap(src)
    try:
        info = os.stat(text)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(text, "a symbolic link loop (the link points back to itself)",
                             expected="a link to a real file") from None
        if exc.errno == errno.ENOENT:
            if os.path.islink(text):
                raise InputError(text, "a broken symbolic link (its target does not exist)") from None
            raise InputError(text, "no such file or directory") from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise InputError(text, "permission denied") from None
        if exc.errno == errno.ENAMETOOLONG:
            raise InputError(text[:200], "the file name is too long") from None
        raise InputError(text, f"cannot be opened ({exc.strerror or exc})") from None
    mode = info.st_mode
    if st_.S_ISDIR(mode):
        if not os.access(text, os.R_OK | os.X_OK):
            raise InputError(text, "permission denied (the folder cannot be listed)")
        return Source.from_path(path)
    if st_.S_ISFIFO(mode):
        timeout = _env_number("GANLOG_PIPE_TIMEOUT", PIPE_TIMEOUT_S)
        try:
            fd = os.open(text, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as exc:
            raise InputError(text, f"a pipe that cannot be opened ({exc.strerror or exc})") from None
        try:
            spooled = _stream_to_file(fd, Path(text).name, text, timeout=timeout)
        finally:
            os.close(fd)
        src = Source(name=text, path=spooled)
        src.scratch.append(spooled)
        return unwrap(src)
    if not st_.S_ISREG(mode):
        kind = ("a character device" if st_.S_ISCHR(mode) else "a block device" if st_.S_ISBLK(mode)
                else "a socket" if st_.S_ISSOCK(mode) else "a special file")
        raise InputError(text, f"{kind}, not a log file", expected="a regular file, a folder, a pipe or -")
    if not os.access(text, os.R_OK):
        raise InputError(text, "permission denied")
    return unwrap(Source.from_path(path))


def unwrap(source: Source, depth: int = 0) -> Source:
    """Inflate gzip and decode UTF-16 into a scratch file; anything else is returned as is.

    Inflation is bounded: past 64 MiB, output may not exceed 100x the compressed bytes read
    (a 2 MB archive that claims 2 GiB is refused before it is written out).
    """
    if source.is_dir or depth > 2:
        return source
    head = source.head(HEAD_BYTES)
    if head.startswith(GZIP_MAGIC):
        return unwrap(_gunzip(source), depth + 1)
    kind = utf16_kind(head)
    if kind:
        return _from_utf16(source, kind)
    return source


def _open_raw(source: Source):  # type: ignore[no-untyped-def]
    import io

    if source.data is not None:
        return io.BytesIO(source.data)
    assert source.path is not None
    return open(source.path, "rb")


def _derived(source: Source, path: Path, note: str) -> Source:
    out = Source(name=source.name, path=path)
    out.scratch = [*source.scratch, path]
    source.scratch = []
    out.notes = [*source.notes, note]
    return out


def _gunzip(source: Source) -> Source:
    import zlib

    from ..errors import InputError

    inner = source.filename[:-3] if source.filename.lower().endswith(".gz") else (source.filename or "stdin")
    out = scratch_file(inner)
    read_in = written = 0
    note = "decompressed from gzip"
    try:
        with _open_raw(source) as fin, open(out, "wb") as fout:
            d = zlib.decompressobj(wbits=31)
            pending = b""
            between = False  # after a member's end: another member, or the end of the file
            while True:
                if not pending:
                    pending = fin.read(CHUNK)
                    read_in += len(pending)
                    if not pending:
                        if not between:
                            note = "the gzip data ends early (a truncated file); read what was there"
                        break
                if between:
                    if not pending.startswith(GZIP_MAGIC):
                        if pending.strip(b"\x00"):
                            note = "decompressed from gzip; bytes after the gzip data were ignored"
                        break
                    d, between = zlib.decompressobj(wbits=31), False
                try:
                    block = d.decompress(pending, CHUNK)
                except zlib.error as exc:
                    if written:
                        note = (f"the gzip data is damaged after {written:,} decompressed bytes ({exc}); "
                                "read what came before")
                        break
                    raise InputError(source.name, f"damaged gzip data ({exc})",
                                     expected="a complete .gz file") from None
                pending = d.unconsumed_tail
                written += len(block)
                if written > INFLATE_FREE_BYTES and written > MAX_INFLATE_RATIO * max(read_in, 1):
                    raise InputError(source.name, f"gzip data inflating more than {MAX_INFLATE_RATIO}:1 "
                                     f"({written:,} bytes from {read_in:,}); refused as a possible "
                                     "decompression bomb", expected="a gzip-compressed training log")
                fout.write(block)
                if d.eof:  # another gzip member may follow (cat a.gz b.gz > c.gz)
                    pending, between = d.unused_data, True
    except BaseException:
        with contextlib.suppress(OSError):
            out.unlink()
        raise
    return _derived(source, out, note)


def _from_utf16(source: Source, kind: str) -> Source:
    import codecs

    inner = source.filename or "stdin"
    out = scratch_file(inner)
    decoder = codecs.getincrementaldecoder(kind)("replace")
    try:
        with _open_raw(source) as fin, open(out, "wb") as fout:
            while True:
                block = fin.read(CHUNK)
                text = decoder.decode(block, final=not block)
                fout.write(text.lstrip("\ufeff").encode("utf-8"))
                if not block:
                    break
    except BaseException:
        with contextlib.suppress(OSError):
            out.unlink()
        raise
    how = "by its byte-order mark" if kind == "utf-16" else kind.upper().replace("UTF-16-", "UTF-16 ") + ", no byte-order mark"
    return _derived(source, out, f"decoded from UTF-16 ({how})")
