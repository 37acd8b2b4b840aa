"""Run directories: find every run under a folder and read each with the reader it needs.

``ganlog analyze runs/exp1/`` should work whatever the folder holds:

* TensorBoard event files -- every folder holding ``events.out.tfevents.*`` is one
  run (files of one folder are one run resumed across launches); tensorboardX's
  ``add_scalars("Loss", {"D": ..., "G": ...})`` sub-folders (``Loss_D/``, ``Loss_G/``)
  are folded back into their parent run as ``Loss/D``, ``Loss/G``;
* ``.npy`` files of one folder -- one run, aligned by index; each ``.npz`` one run;
* ``metrics.csv`` (Lightning), ``stats.jsonl`` (StyleGAN2-ADA / StyleGAN3), other
  CSV/TSV/JSONL tables -- one run each;
* MLflow run folders (``mlruns/<experiment>/<run>/metrics/``) -- one run each;
* training logs the text reader recognises -- one run each;
* one run written in several formats in one folder (``ganlog train`` writes train.log,
  metrics.jsonl, npy/ and tb/) -- read once, from the source with the most columns.

A file that cannot be read is reported (one line, with its byte or line) while
the rest are read. A folder with nothing readable says what it found and what
ganlog reads.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from .base import Reader, ReadOptions, Sniff, Source
from .tables import is_table_name
from .tensorboard import is_event_filename

if TYPE_CHECKING:
    from ..frame import Run

MAX_FILES = 50_000
_TEXT_SUFFIXES = (".log", ".txt", ".out", ".err", ".stdout")
_GZ_TEXT_SUFFIXES = tuple(s + ".gz" for s in _TEXT_SUFFIXES)
_SKIP_DIRS = {"__pycache__", "node_modules", ".git", ".ipynb_checkpoints"}

WHAT_WE_READ = ("events.out.tfevents.* files, .npy/.npz arrays, .csv/.tsv/.jsonl tables "
                "(metrics.csv, stats.jsonl), MLflow metrics/ folders, or training logs")


@dataclass
class Layout:
    """What a directory holds, grouped into runs."""

    event_dirs: dict[Path, list[Path]] = field(default_factory=dict)
    npy_dirs: dict[Path, list[Path]] = field(default_factory=dict)
    npz_files: list[Path] = field(default_factory=list)
    tables: list[Path] = field(default_factory=list)
    mlflow_runs: list[Path] = field(default_factory=list)
    text_candidates: list[Path] = field(default_factory=list)
    other: Counter = field(default_factory=Counter)
    n_dirs: int = 0
    truncated: bool = False
    #: pipes, sockets and devices: never opened (a FIFO would block the scan forever)
    special: list[str] = field(default_factory=list)
    #: files and folders that exist but cannot be listed or opened: input errors
    unreadable: list[str] = field(default_factory=list)

    @property
    def n_groups(self) -> int:
        return (len(self.event_dirs) + len(self.npy_dirs) + len(self.npz_files) + len(self.tables)
                + len(self.mlflow_runs))

    def summary(self) -> str:
        parts = []
        for label, n in (("event-file folder", len(self.event_dirs)), (".npy folder", len(self.npy_dirs)),
                         (".npz file", len(self.npz_files)), ("table", len(self.tables)),
                         ("MLflow run", len(self.mlflow_runs))):
            if n:
                parts.append(f"{n} {label}{'s' if n != 1 else ''}")
        return ", ".join(parts)

    def found(self) -> str:
        if not self.other and not self.text_candidates and not self.n_dirs:
            return "found nothing (an empty folder)"
        kinds = Counter(self.other)
        for p in self.text_candidates:
            kinds[p.suffix.lower() or "(no extension)"] += 1
        total = sum(kinds.values())
        shown = ", ".join(f"{n} {k}" for k, n in kinds.most_common(6))
        return (f"found {total:,} file{'s' if total != 1 else ''}" + (f" ({shown})" if shown else "")
                + f" in {self.n_dirs + 1:,} folder{'s' if self.n_dirs else ''}, none of them readable")


def _is_mlflow_run(d: Path, names: set[str]) -> bool:
    return "metrics" in names and (d / "metrics").is_dir() and (
        "meta.yaml" in names or "params" in names or "tags" in names)


def scan(root: Path) -> Layout:
    """Walk ``root`` (hidden folders skipped) and group what it holds into runs."""
    import stat as st_

    lay = Layout()
    count = 0

    def cannot_list(exc: OSError) -> None:
        where = exc.filename or "?"
        lay.unreadable.append(str(InputError(str(where), f"a folder that cannot be listed ({exc.strerror or exc})")))

    seen: set[str] = set()
    # Links to run folders (runs/latest -> runs/2024-05-01) are followed; a link back to a folder
    # already walked (a loop) is not, and is said.
    for dirpath, dirnames, filenames in os.walk(root, onerror=cannot_list, followlinks=True):
        d = Path(dirpath)
        real = os.path.realpath(dirpath)
        if real in seen:
            dirnames[:] = []
            lay.special.append(f"{d}: the same folder as one already read (through a link), skipped")
            continue
        seen.add(real)
        names = set(dirnames) | set(filenames)
        dirnames[:] = sorted(n for n in dirnames if not n.startswith(".") and n not in _SKIP_DIRS)
        if d != root:
            lay.n_dirs += 1
        if _is_mlflow_run(d, names):
            lay.mlflow_runs.append(d)
            dirnames[:] = []
            continue
        for fname in sorted(filenames):
            count += 1
            if count > MAX_FILES:
                lay.truncated = True
                return lay
            p = d / fname
            low = fname.lower()
            if fname.startswith("."):
                continue
            try:
                mode = os.stat(p).st_mode
            except OSError as exc:
                why = "a broken symbolic link" if os.path.islink(p) else (exc.strerror or str(exc))
                if low.endswith(_TEXT_SUFFIXES) or is_table_name(fname) or is_event_filename(fname) \
                        or low.endswith((".npy", ".npz", ".gz")) or "." not in fname:
                    lay.unreadable.append(str(InputError(str(p), f"cannot be read ({why})")))
                continue
            if not st_.S_ISREG(mode):
                kind = ("a named pipe" if st_.S_ISFIFO(mode) else "a socket" if st_.S_ISSOCK(mode)
                        else "a device")
                lay.special.append(f"{p}: {kind}, skipped (give it on its own to read it as a stream)")
                continue
            if not os.access(p, os.R_OK):
                lay.unreadable.append(str(InputError(str(p), "permission denied")))
                continue
            if is_event_filename(fname):
                lay.event_dirs.setdefault(d, []).append(p)
            elif low.endswith(".npy"):
                lay.npy_dirs.setdefault(d, []).append(p)
            elif low.endswith(".npz"):
                lay.npz_files.append(p)
            elif is_table_name(fname):
                lay.tables.append(p)
            elif low.endswith(_TEXT_SUFFIXES) or "." not in fname or low.endswith(_GZ_TEXT_SUFFIXES):
                lay.text_candidates.append(p)
            else:
                lay.other[os.path.splitext(low)[1] or "(no extension)"] += 1
    return lay


def rel_name(root: Path, p: Path) -> str:
    try:
        rel = p.relative_to(root)
    except ValueError:
        return p.name
    s = rel.as_posix()
    return root.resolve().name if s in ("", ".") else s


class DirectoryReader(Reader):
    name = "directory"
    description = "folders of runs: event files, .npy files, metrics.csv / stats.jsonl, MLflow mlruns/"
    reads_directories = True

    def sniff(self, source: Source) -> Sniff:
        if not source.is_dir:
            return Sniff.no("not a directory")
        assert source.path is not None
        lay = scan(source.path)
        if lay.n_groups:
            return Sniff(0.9, f"a folder holding {lay.summary()}")
        if lay.text_candidates:
            return Sniff(0.5, f"a folder with {len(lay.text_candidates)} possible text log(s)")
        # Still claim it: read() says what was found and what ganlog reads.
        return Sniff(0.01, lay.found())

    def read(self, source: Source, options: ReadOptions) -> "list[Run]":
        assert source.path is not None
        root = source.path
        lay = scan(root)
        runs: list[Run] = []
        errors: list[str] = []
        notes: list[str] = []  # text files tried on a guess (log.txt, README.txt) that hold no run

        def attempt(fn, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            try:
                out = fn(*args, **kwargs)
            except InputError as exc:
                errors.append(str(exc))
                return
            for r in out if isinstance(out, list) else [out]:
                runs.append(r)

        from .stylegan import claim_folders, read_run_folder

        sg_folders, lay.tables, lay.text_candidates = claim_folders(lay.tables, lay.text_candidates)
        for d in sg_folders:
            attempt(read_run_folder, d, options, options.run_name or rel_name(root, d))
        if lay.event_dirs:
            from .tensorboard import read_event_dirs

            ev_runs, ev_errors = read_event_dirs(
                root, lay.event_dirs, options, lambda d: options.run_name or rel_name(root, d))
            runs.extend(ev_runs)
            errors.extend(ev_errors)
        for d, files in lay.npy_dirs.items():
            from .arrays import read_npy_files

            attempt(read_npy_files, files, name=rel_name(root, d), source=str(d), options=options)
        for p in lay.npz_files + lay.tables:
            attempt(self._read_file, root, p, options)
        for d in lay.mlflow_runs:
            from .mlflow import read_mlflow_run

            attempt(read_mlflow_run, d, name=rel_name(root, d), options=options)
        for p in lay.text_candidates:
            self._read_text(root, p, options, runs, notes, errors)
        errors.extend(lay.unreadable)  # a run that cannot be read is never passed over in silence
        if not runs:
            errors.extend(notes)
            if errors:
                raise InputError(source.name, f"nothing readable; {len(errors)} file(s) failed, first: {errors[0]}")
            raise InputError(source.name, f"nothing readable: {lay.found()}", expected=WHAT_WE_READ)
        runs = same_run_once(runs, root)
        if lay.truncated:
            errors.append(f"{source.name}: more than {MAX_FILES:,} files; the rest were not scanned")
        if errors:
            first = runs[0]
            first.meta.setdefault("input_errors", [])
            first.meta["input_errors"] = list(first.meta["input_errors"]) + errors
            for e in errors:
                first.stats.warn(f"not read: {e}")
        for note in notes:
            runs[0].stats.warn(f"not a training log: {note}")
        for note in lay.special:
            runs[0].stats.warn(note)
        return runs

    def _read_file(self, root: Path, p: Path, options: ReadOptions) -> "list[Run]":
        from . import pick_reader

        from .base import unwrap

        src = unwrap(Source.from_path(p))
        opts = _file_options(options, root, p)
        try:
            return pick_reader(src, opts).read(src, opts)
        except OSError as exc:
            raise InputError(str(p), f"cannot be read ({exc.strerror or exc})") from None
        finally:
            src.release()

    def _read_text(self, root: Path, p: Path, options: ReadOptions, runs: "list[Run]",
                   notes: list[str], errors: list[str]) -> None:
        """A file the text reader recognises (a known print format) is a run; others are not ours.

        These files are tried on a guess (a run folder's ``log.txt`` may be a StyleGAN progress
        log without losses), so one that yields no run is a note, not an input error."""
        from . import explain
        from .base import unwrap

        try:
            src = unwrap(Source.from_path(p))
            choices = explain(src)
        except InputError as exc:
            errors.append(str(exc))
            return
        except OSError as exc:  # it was listed, and now it cannot be read: say so
            errors.append(str(InputError(str(p), f"cannot be read ({exc.strerror or exc})")))
            return
        try:
            if not choices or choices[0].sniff.score < 0.5:
                return
            opts = _file_options(options, root, p)
            try:
                runs.extend(choices[0].reader.read(src, opts))
            except InputError as exc:
                notes.append(str(exc))
            except OSError as exc:
                errors.append(str(InputError(str(p), f"cannot be read ({exc.strerror or exc})")))
        finally:
            src.release()


def _run_folder(root: Path, run: "Run") -> Path:
    """The folder a run's files belong to: a file's folder; for a folder of arrays or
    event files (``run/npy/``, ``run/tb/``) the folder above it."""
    p = Path(run.source)
    if p.is_dir() and p.resolve() != root.resolve():
        return p.parent.resolve()
    return (p.parent if not p.is_dir() else p).resolve()


def _same_values(a: "Run", b: "Run") -> bool:
    """One run in two formats: different readers, equal length, the same losses up to print precision."""
    import numpy as np

    if a.reader == b.reader:  # two files of one kind (two logs, two MLflow runs) are two runs
        return False
    if len(a.frame) != len(b.frame) or not len(a.frame):
        return False
    common = [c for c in ("loss_d", "loss_g") if c in a.frame.columns and c in b.frame.columns]
    if not common:
        return False
    for c in common:
        x = a.frame[c].to_numpy(dtype=float)
        y = b.frame[c].to_numpy(dtype=float)
        if not np.allclose(x, y, rtol=1e-3, atol=1e-3, equal_nan=True):
            return False
    return True


def same_run_once(runs: "list[Run]", root: Path) -> "list[Run]":
    """One run written in several formats in one folder (a stdout log, metrics.jsonl,
    .npy files, event files: what ``ganlog train`` writes) is analyzed once, from the
    source with the most columns; the others are named in a note. Two different runs
    never merge: their losses differ."""
    kept: list[Run] = []
    for run in runs:
        folder = _run_folder(root, run)
        at = next((i for i, k in enumerate(kept) if _run_folder(root, k) == folder and _same_values(k, run)), None)
        if at is None:
            kept.append(run)
            continue
        twin = kept[at]
        richer, other = (run, twin) if len(run.frame.columns) > len(twin.frame.columns) else (twin, run)
        kept[at] = richer
        notes = list(other.meta.get("same_run_sources", [])) + [other.source]
        richer.meta["same_run_sources"] = list(richer.meta.get("same_run_sources", [])) + notes
    for run in kept:
        others = run.meta.get("same_run_sources")
        if others:
            run.stats.warn(
                f"the same {len(run.frame):,} records are also in {', '.join(others)}; "
                f"read {run.source}, the source with the most columns"
            )
    return kept


def _file_options(options: ReadOptions, root: Path, p: Path) -> ReadOptions:
    """The folder's options for one file in it: its own run name, its reader chosen by sniffing."""
    from dataclasses import replace

    return replace(options, format=None, run_name=_file_run_name(root, p))


def _file_run_name(root: Path, p: Path) -> str:
    """``version_0`` for ``version_0/metrics.csv``; ``logs/train`` for ``logs/train.log``."""
    from .tables import TABLE_NAMES

    if p.name.lower() in TABLE_NAMES:
        return rel_name(root, p.parent)
    rel = rel_name(root, p)
    return rel.rsplit(".", 1)[0] if "." in rel.rsplit("/", 1)[-1] else rel
