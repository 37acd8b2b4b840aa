"""Atomic output: write to a temporary file beside the target, then rename over it.

A reader of the target sees the old file or the new one, never half of one,
and an interrupted write leaves the user's existing file untouched.

Three more promises, each kept here so that every writer gets them:

- an output never replaces an input: every file a reader opens is remembered
  (:func:`protect`), and a target that is the same file -- by path, through a
  symlink, or as a hard link -- is refused with one line, before anything is written;
- an existing output keeps its permission bits (a report made group-readable stays so);
- temporary files left by a run that was killed mid-write (their names carry the
  writer's process id) are removed by the next write to the same target.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import time
from pathlib import Path
from typing import Iterator

#: (device, inode) and real path of every input read in this process.
_inputs: dict[tuple[int, int] | str, str] = {}

#: Temporary files without a live owner older than this are stale (names from older versions).
_STALE_SECONDS = 3600.0


def protect(path: str | os.PathLike[str], shown: str | None = None) -> None:
    """Remember ``path`` as an input: no atomic write may replace it."""
    shown = shown or str(path)
    with contextlib.suppress(OSError, ValueError):
        st = os.stat(path)
        _inputs[(st.st_dev, st.st_ino)] = shown
    with contextlib.suppress(OSError, ValueError):
        _inputs[os.path.realpath(path)] = shown


def input_at(target: str | os.PathLike[str]) -> str | None:
    """The input that ``target`` would overwrite, or None."""
    if not _inputs:
        return None
    with contextlib.suppress(OSError, ValueError):
        st = os.stat(target)
        hit = _inputs.get((st.st_dev, st.st_ino))
        if hit is not None:
            return hit
    with contextlib.suppress(OSError, ValueError):
        return _inputs.get(os.path.realpath(target))
    return None


def refuse_input_as_output(target: str | os.PathLike[str], inputs: "list[str] | tuple[str, ...]" = ()) -> None:
    """Raise a UsageError when ``target`` is (or resolves to) one of ``inputs`` or a protected input.

    Commands call it with their input paths before reading, so the refusal comes first and
    costs nothing; :func:`atomic_path` calls it again for the files readers opened.
    """
    from .errors import UsageError, neutralize

    if os.path.isdir(target):
        raise UsageError(f"cannot write the output {neutralize(str(target))}: it is a directory "
                         "(name a file inside it)")
    for p in inputs:
        if p == "-" or not p:
            continue
        if _same_file(target, p):
            raise UsageError(f"the output {neutralize(str(target))} is the input {neutralize(p)}; "
                             "refusing to overwrite it (name another output file)")
    hit = input_at(target)
    if hit is not None:
        raise UsageError(f"the output {neutralize(str(target))} is the input {neutralize(hit)}; "
                         "refusing to overwrite it (name another output file)")


def _same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        pass
    try:
        return os.path.realpath(a) == os.path.realpath(b)
    except (OSError, ValueError):
        return False


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def clean_stale_temps(target: Path) -> int:
    """Remove ``.<name>.<pid>.*.tmp`` files beside ``target`` whose writer is gone; returns the count."""
    directory = target.parent if str(target.parent) else Path(".")
    prefix = f".{target.name}."
    removed = 0
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return 0
    now = time.time()
    for e in entries:
        name = e.name
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        middle = name[len(prefix):-4]
        pid_text = middle.split(".", 1)[0]
        try:
            if pid_text.isdigit() and "." in middle:
                stale = not _pid_alive(int(pid_text))
            else:  # an older name without the writer's pid: stale when old
                stale = now - e.stat(follow_symlinks=False).st_mtime > _STALE_SECONDS
            if stale and e.is_file(follow_symlinks=False):
                os.unlink(e.path)
                removed += 1
        except OSError:
            continue
    return removed


def _output_error(target: Path, exc: OSError) -> Exception:
    from .errors import UsageError, neutralize

    why = {
        errno.EACCES: "permission denied", errno.EPERM: "permission denied",
        errno.EROFS: "the file system is read-only", errno.ENOSPC: "no space left on the device",
        errno.EISDIR: "it is a directory", errno.ENOTDIR: "a part of the path is not a directory",
        errno.ENAMETOOLONG: "the name is too long", errno.ELOOP: "too many levels of symbolic links",
        errno.EDQUOT: "disk quota exceeded",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    return UsageError(f"cannot write the output {neutralize(str(target))}: {why}")


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path in the target's directory; on success it replaces ``target``."""
    from .errors import UsageError, neutralize

    target = Path(target)
    refuse_input_as_output(target)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        from .errors import InputError

        raise InputError(str(target), "the output directory does not exist", expected="an existing directory")
    if target.is_dir():
        raise UsageError(f"cannot write the output {neutralize(str(target))}: it is a directory "
                         "(name a file inside it)")
    mode: int | None = None
    with contextlib.suppress(OSError):
        mode = os.stat(target).st_mode & 0o7777
    clean_stale_temps(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise _output_error(target, exc) from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        try:
            yield tmp_path
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EROFS):
                raise _output_error(target, exc) from None
            raise
        try:  # an existing output keeps its bits; a new one gets what the umask allows
            if mode is None:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
            os.chmod(tmp_path, mode)
        except OSError:
            pass
        try:
            os.replace(tmp_path, target)
        except OSError as exc:
            raise _output_error(target, exc) from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


def write_text(target: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding=encoding)


def write_bytes(target: str | os.PathLike[str], data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
