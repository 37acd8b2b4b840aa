"""Find every run under a root: a local folder or an fsspec URL (memory://, s3://, gs://, file://).

A *unit* is one run folder: the folder that ``ganlog check FOLDER`` reads as a run
(or as a few runs, when it holds two logs). The file kinds come from the directory
reader's own predicates (:mod:`ganlog.readers.directory`), so a sweep and
``ganlog check DIR`` agree on what a run is:

* a folder holding logs, tables (metrics.csv, stats.jsonl, *.jsonl, *.csv), .npz
  files, event files or .npy files is a unit;
* a folder holding only event files or .npy files whose parent is itself a unit
  (``run/tb/``, ``run/npy/``, tensorboardX's ``run/Loss_D/``) belongs to the parent:
  ``ganlog train`` writes one run in several formats and check reads it once;
* an MLflow run folder (``metrics/`` beside ``meta.yaml``, ``params`` or ``tags``)
  is a unit and is not descended into;
* a single file given as the root is one unit.

Listing never reads a file: it records each file's size and modification stamp
(mtime locally; ETag, else mtime, for object stores), which ``--since`` compares.
Hive-style path parts (``lr=2e-4/seed=3/``) become the unit's config values.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..readers.directory import _SKIP_DIRS, _TEXT_SUFFIXES
from ..readers.tables import is_table_name
from ..readers.tensorboard import is_event_filename

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_HIVE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*)=(.*)$")


@dataclass(frozen=True)
class FileEntry:
    rel: str  #: path relative to the root, '/'-separated
    size: int
    stamp: str  #: mtime, or an object store's ETag


@dataclass(frozen=True)
class Unit:
    """One run folder (or one file) to analyze."""

    rel: str  #: folder relative to the root ('' for the root itself), or the file's name
    files: tuple[FileEntry, ...]
    is_file: bool = False
    #: sub-folders (relative to the root) that are units of their own
    nested: tuple[str, ...] = ()
    config: tuple[tuple[str, str], ...] = ()

    @property
    def fingerprint(self) -> str:
        h = hashlib.sha1()
        for f in sorted(self.files, key=lambda e: e.rel):
            h.update(f"{f.rel}\0{f.size}\0{f.stamp}\n".encode())
        return h.hexdigest()[:16]

    @property
    def only_text(self) -> bool:
        """Every file is a text log candidate (tried on a guess, like check does)."""
        return all(_kind(PurePosixPath(f.rel).name) == "text" for f in self.files)


@dataclass
class Root:
    """Where runs are: a local path or a URL with the fsspec filesystem that serves it."""

    url: str
    local: Path | None = None
    protocol: str = "file"
    path: str = ""  #: the root inside the filesystem (no protocol)
    storage_options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, root: str, storage_options: dict[str, Any] | None = None) -> "Root":
        opts = dict(storage_options or {})
        if not _URL.match(root):
            return cls(url=str(Path(root)), local=Path(root), storage_options=opts)
        protocol, rest = root.split("://", 1)
        if protocol == "file":
            return cls(url=root, local=Path("/" + rest.lstrip("/")), storage_options=opts)
        return cls(url=root.rstrip("/"), protocol=protocol, path=rest.rstrip("/"), storage_options=opts)

    @property
    def is_local(self) -> bool:
        return self.local is not None

    def filesystem(self) -> Any:
        from ..errors import UsageError

        extra = {"s3": "s3", "s3a": "s3", "gs": "gcs", "gcs": "gcs"}.get(self.protocol, "fleet")
        try:
            import fsspec  # the fleet extra: only URLs need it

            return fsspec.filesystem(self.protocol, **self.storage_options)
        except ImportError as exc:
            raise UsageError(f"{self.url}: {exc}; pip install 'ganlog[{extra}]'") from None
        except ValueError as exc:  # an unknown protocol
            raise UsageError(f"{self.url}: {exc}") from None

    def join(self, rel: str) -> str:
        if not rel:
            return self.url
        if self.local is not None:
            return str(self.local / rel)
        return f"{self.url}/{rel}"


def hive_config(rel: str) -> tuple[tuple[str, str], ...]:
    """``lr=2e-4/seed=3/run`` -> (("lr", "2e-4"), ("seed", "3")); the deepest value wins."""
    out: dict[str, str] = {}
    for part in PurePosixPath(rel).parts:
        m = _HIVE.match(part)
        if m:
            out[m.group(1)] = m.group(2)
    return tuple(out.items())


def _kind(name: str) -> str | None:
    low = name.lower()
    if name.startswith("."):
        return None
    if is_event_filename(name):
        return "events"
    if low.endswith(".npy"):
        return "npy"
    if low.endswith(".npz") or is_table_name(name):
        return "file"
    if low.endswith(_TEXT_SUFFIXES) or "." not in name:
        return "text"
    return None


def list_files(root: Root) -> tuple[list[FileEntry], bool]:
    """Every file under the root with size and stamp; hidden and tool folders skipped.

    Returns the files and whether the root is a single file."""
    if root.local is not None:
        base = root.local
        if not base.exists():
            from ..errors import InputError

            raise InputError(str(base), "no such file or directory")
        if base.is_file():
            st = base.stat()
            return [FileEntry(base.name, st.st_size, repr(st.st_mtime_ns))], True
        out: list[FileEntry] = []
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(n for n in dirnames if not n.startswith(".") and n not in _SKIP_DIRS)
            d = Path(dirpath)
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                try:
                    st = (d / name).stat()
                except OSError:
                    st = None  # a dangling link: listed, and its read reports the error
                rel = (d / name).relative_to(base).as_posix()
                out.append(FileEntry(rel, st.st_size if st else -1, repr(st.st_mtime_ns) if st else "?"))
        return out, False
    fs = root.filesystem()
    if fs.isfile(root.path):
        info = fs.info(root.path)
        return [FileEntry(PurePosixPath(root.path).name, int(info.get("size") or 0), _stamp(info))], True
    found = fs.find(root.path, detail=True)
    prefix = root.path.strip("/")
    out = []
    for name, info in sorted(found.items()):
        if info.get("type") == "directory":
            continue
        rel = name.strip("/")
        rel = rel[len(prefix):].lstrip("/") if rel.startswith(prefix) else rel
        parts = PurePosixPath(rel).parts
        if any(p.startswith(".") or p in _SKIP_DIRS for p in parts):
            continue
        out.append(FileEntry(rel, int(info.get("size") or 0), _stamp(info)))
    return out, False


def _stamp(info: dict[str, Any]) -> str:
    for key in ("ETag", "etag", "md5Hash", "crc32c", "mtime", "LastModified", "last_modified", "updated",
                "created"):
        v = info.get(key)
        if v is not None:
            return f"{key}:{v}"
    return "?"


def units_of(files: list[FileEntry], *, single_file: bool = False) -> list[Unit]:
    """Group listed files into run folders (see the module docstring)."""
    if single_file:
        f = files[0]
        return [Unit(rel=f.rel, files=(f,), is_file=True)]
    by_dir: dict[str, list[FileEntry]] = {}
    kinds: dict[str, set[str]] = {}
    mlflow: set[str] = set()
    is_mlflow: dict[str, bool] = {}
    for f in files:
        p = PurePosixPath(f.rel)
        parts = p.parts
        # MLflow: <run>/metrics/<name> with <run>/meta.yaml, params/ or tags/ beside it
        if "metrics" in parts[:-1]:
            i = len(parts) - 2 - list(reversed(parts[:-1])).index("metrics")
            run_dir = "/".join(parts[:i])
            if run_dir not in is_mlflow:
                is_mlflow[run_dir] = _is_mlflow(run_dir, files)
            if is_mlflow[run_dir]:
                mlflow.add(run_dir)
                by_dir.setdefault(run_dir, []).append(f)
                continue
        k = _kind(p.name)
        if k is None:
            continue
        d = "/".join(parts[:-1])
        by_dir.setdefault(d, []).append(f)
        kinds.setdefault(d, set()).add(k)
    # Files of an MLflow run (meta.yaml, params/) belong to it.
    for f in files:
        for m in mlflow:
            if f.rel.startswith(m + "/") if m else True:
                if f not in by_dir[m]:
                    by_dir[m].append(f)
    for m in mlflow:
        for d in list(by_dir):
            if d != m and (d.startswith(m + "/") or not m):
                by_dir[m].extend(x for x in by_dir.pop(d) if x not in by_dir[m])
                kinds.pop(d, None)
    # Folders of event files / arrays fold into a parent run folder.
    for d in sorted(by_dir, key=lambda s: -s.count("/")):
        if d in mlflow or not d or not kinds.get(d) or not kinds[d] <= {"events", "npy"}:
            continue
        parent = "/".join(d.split("/")[:-1])
        if parent in by_dir and parent not in mlflow:
            by_dir[parent].extend(by_dir.pop(d))
            kinds[parent] |= kinds.pop(d)
    dirs = sorted(by_dir)
    units = []
    for d in dirs:
        nested = tuple(o for o in dirs if o != d and (not d or o.startswith(d + "/")))
        units.append(Unit(rel=d, files=tuple(sorted(by_dir[d], key=lambda e: e.rel)), nested=nested,
                          config=hive_config(d)))
    return units


def _is_mlflow(run_dir: str, files: list[FileEntry]) -> bool:
    pre = run_dir + "/" if run_dir else ""
    return any(f.rel == pre + "meta.yaml" or f.rel.startswith(pre + "params/") or f.rel.startswith(pre + "tags/")
               for f in files)


def discover(root: Root) -> list[Unit]:
    """Every run folder under ``root``, in path order."""
    files, single = list_files(root)
    return units_of(files, single_file=single)
