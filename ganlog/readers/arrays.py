"""NumPy arrays: ``.npy`` files named after what they hold, ``.npz`` archives, folders of them.

Tutorial-style trainers save ``discriminator_loss.npy`` and ``generator_loss.npy``
(or ``d_losses.npy``, ``G_loss.npy``, a 2-D ``losses.npy`` of ``(d_loss, g_loss)``
pairs, an ``.npz`` with one key per metric). The file name (or the key) is the
metric's name and goes through the alias table; the index is the step.

Loading a pickle runs code, so a ``.npy`` that holds pickled objects (some
trainers save a dict of lists that way) is refused unless the user passes
``--allow-pickle`` (``ReadOptions.allow_pickle``).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ..errors import InputError
from ..frame import ParseStats, alias_key, build_run, canonical_name
from .base import Reader, ReadOptions, Sniff, Source

if TYPE_CHECKING:
    import numpy as np

    from ..frame import Run

NPY_MAGIC = b"\x93NUMPY"
ZIP_MAGIC = b"PK\x03\x04"

_PICKLE_HELP = ("a numeric array; loading a pickle can run code, so pass --allow-pickle "
                "(allow_pickle=True) only if you trust the file")


def _pair_names(stem: str, k: int) -> list[str] | None:
    """Column names for a 2-D array without names: ``losses.npy`` of (d_loss, g_loss) pairs."""
    if k == 2 and ("loss" in alias_key(stem) or alias_key(stem) in {"gan", "history", "hist"}):
        return ["loss_d", "loss_g"]
    return None


def array_columns(arr: "np.ndarray", name: str, source: str, stats: ParseStats,
                  options: ReadOptions) -> "dict[str, np.ndarray]":
    """Named 1-D columns from one loaded array (its name is the metric's name)."""
    import numpy as np

    if arr.dtype.names:  # a structured array: one column per field
        return {str(f): np.asarray(arr[f], dtype=float).reshape(-1) for f in arr.dtype.names}
    if arr.dtype == object:
        return _object_columns(arr, name, source)
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise InputError(source, f"array {name!r} has dtype {arr.dtype}, not numbers",
                         expected="a float or integer array of loss values")
    if np.iscomplexobj(arr):
        raise InputError(source, f"array {name!r} holds complex numbers", expected="real loss values")
    if arr.ndim == 0:
        raise InputError(source, f"array {name!r} is a single number (shape ())",
                         expected="a 1-D array with one value per step, or 2-D with one column per loss")
    if arr.ndim == 1:
        return {name: arr.astype(float, copy=False)}
    if arr.ndim == 2:
        rows, k = arr.shape
        if k == 1:
            return {name: arr[:, 0].astype(float)}
        if rows < k and rows <= 8 and k > 8:  # (metrics, steps): one row per loss
            arr = arr.T
            rows, k = arr.shape
            stats.warn(f"{source}: array {name!r} has shape ({k}, {rows}); read as {k} series of {rows} steps")
        names = _pair_names(name, k)
        if names is not None:
            stats.warn(f"{source}: 2-D array {name!r} read as (D loss, G loss) columns, the usual order "
                       "of losses.append((d_loss, g_loss)); name the files to say otherwise")
        else:
            names = [f"{name}_{j}" for j in range(k)]
        return {n: arr[:, j].astype(float) for j, n in enumerate(names)}
    raise InputError(source, f"array {name!r} has shape {arr.shape}",
                     expected="1-D (one value per step) or 2-D (one column per loss)")


def _object_columns(arr: "np.ndarray", name: str, source: str) -> "dict[str, np.ndarray]":
    """A pickled dict of sequences (or a list of per-step dicts) -> columns."""
    import numpy as np

    obj: Any = arr.item() if arr.ndim == 0 else list(arr)
    if isinstance(obj, Mapping):
        out: dict[str, np.ndarray] = {}
        for k, v in obj.items():
            try:
                col = np.asarray(v, dtype=float)
            except (TypeError, ValueError):
                continue
            if col.ndim == 1:
                out[str(k)] = col
            elif col.ndim == 2 and col.shape[1] == 1:
                out[str(k)] = col[:, 0]
        if out:
            return out
        raise InputError(source, f"pickled object {name!r} is a dict without numeric sequences",
                         expected="a dict of 1-D arrays or lists of numbers")
    if isinstance(obj, list) and obj and all(isinstance(x, Mapping) for x in obj):
        import pandas as pd

        frame = pd.DataFrame.from_records(obj)
        return {str(c): pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float) for c in frame.columns}
    try:
        return {name: np.asarray(obj, dtype=float).reshape(-1)}
    except (TypeError, ValueError):
        raise InputError(source, f"pickled object {name!r} of type {type(obj).__name__} holds no numbers",
                         expected="a dict of arrays") from None


def load_npy(path_or_file: Any, source: str, allow_pickle: bool,
             stats: ParseStats | None = None, problems: list[str] | None = None) -> "np.ndarray":
    """``np.load`` with the pickle refusal turned into one clear line, and a file cut short
    (a trainer killed inside ``np.save``) read up to its last whole row, marked partial."""
    import numpy as np

    if _check_npy_header(path_or_file, source, stats, problems) == "truncated":
        cut = _read_truncated(path_or_file, source, stats, problems)
        if cut is not None:
            return cut  # type: ignore[return-value]
    try:
        return np.load(path_or_file, allow_pickle=allow_pickle)
    except _DAMAGED as exc:
        raise InputError(source, f"not a readable .npy file ({_one_line(exc)})",
                         expected="a file written by np.save") from None
    except ValueError as exc:
        msg = str(exc)
        if "allow_pickle" in msg:
            raise InputError(source, "holds pickled Python objects (dtype object), refused",
                             expected=_PICKLE_HELP) from None
        cut = _read_truncated(path_or_file, source, stats, problems)
        if cut is not None:
            return cut
        raise InputError(source, f"not a readable .npy file ({msg})", expected="a file written by np.save") from None
    except (OSError, EOFError) as exc:
        raise InputError(source, f"not a readable .npy file ({exc})", expected="a file written by np.save") from None


def _damaged() -> tuple[type[BaseException], ...]:
    import struct
    import tokenize
    import zlib

    return (SyntaxError, TypeError, tokenize.TokenError, struct.error, zlib.error, NotImplementedError,
            OverflowError, KeyError, IndexError, UnicodeDecodeError, zipfile.BadZipFile)


#: what a damaged header or archive member raises inside numpy and zipfile
_DAMAGED = _damaged()

#: an archive member may inflate past this only at a ratio below MAX_INFLATE_RATIO
from .base import INFLATE_FREE_BYTES, MAX_INFLATE_RATIO  # noqa: E402


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


def _npy_header(fh: Any) -> "tuple[tuple[int, ...], bool, np.dtype, int]":
    """Shape, Fortran order, dtype and data offset of the .npy at ``fh``'s position; raises
    InputError-worthy exceptions (anything) on a damaged header."""
    from numpy.lib import format as npformat

    start = fh.tell() if hasattr(fh, "tell") else 0
    version = npformat.read_magic(fh)
    reader = npformat.read_array_header_1_0 if version == (1, 0) else npformat.read_array_header_2_0
    shape, fortran, dtype = reader(fh)
    return shape, fortran, dtype, (fh.tell() - start) if hasattr(fh, "tell") else 0


def _need_bytes(shape: "tuple[int, ...]", dtype: "np.dtype") -> int:
    n = 1
    for k in shape:
        n *= int(k)
    return n * int(dtype.itemsize)


def _check_npy_header(path_or_file: Any, source: str, stats: ParseStats | None,
                      problems: list[str] | None) -> str:
    """A damaged header is one clear line; a header that claims more data than the file holds is
    not allowed to make numpy allocate it (a 1 KB file claiming 80 TB)."""
    import os

    try:
        if hasattr(path_or_file, "read"):
            pos = path_or_file.tell()
            try:
                shape, _, dtype, offset = _npy_header(path_or_file)
                size = path_or_file.seek(0, os.SEEK_END)
            finally:
                path_or_file.seek(pos)
        else:
            with open(path_or_file, "rb") as fh:
                shape, _, dtype, offset = _npy_header(fh)
                size = os.fstat(fh.fileno()).st_size
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            return "ok"
        raise InputError(source, f"a damaged .npy header ({_one_line(exc)})", where="byte 0",
                         expected="a file written by np.save") from None
    except (OSError, EOFError, *_DAMAGED) as exc:
        raise InputError(source, f"a damaged .npy header ({type(exc).__name__}: {_one_line(exc)})",
                         where="byte 0", expected="a file written by np.save") from None
    if dtype.hasobject:
        return "ok"
    need = _need_bytes(shape, dtype)
    have = size - offset
    if need > have:
        if _read_truncated(path_or_file, source, None, None, probe_only=True):
            return "truncated"
        raise InputError(source, f"the header claims {need:,} bytes of data ({shape} {dtype}) but the file "
                         f"holds {max(have, 0):,}", where="byte 0", expected="a file written by np.save")
    return "ok"


def _read_truncated(path_or_file: Any, source: str, stats: ParseStats | None,
                    problems: list[str] | None, probe_only: bool = False) -> "np.ndarray | None | bool":
    """The whole rows of a numeric .npy whose data ends early; None if it is not that."""
    import io

    import numpy as np
    from numpy.lib import format as npformat

    try:
        if hasattr(path_or_file, "getvalue"):
            raw = path_or_file.getvalue()
        else:
            with open(path_or_file, "rb") as fh:
                raw = fh.read()
        fh2 = io.BytesIO(raw)
        version = npformat.read_magic(fh2)
        reader = npformat.read_array_header_1_0 if version == (1, 0) else npformat.read_array_header_2_0
        shape, fortran, dtype = reader(fh2)
        offset = fh2.tell()
    except Exception:  # noqa: BLE001 - any failure here means "not a cut-short numeric .npy"
        return None
    if dtype.hasobject or fortran or len(shape) not in (1, 2) or dtype.itemsize == 0:
        return None
    row = dtype.itemsize * (shape[1] if len(shape) == 2 else 1)
    rows = (len(raw) - offset) // row if row else 0
    if row == 0 or rows >= shape[0]:
        return None
    if probe_only:
        return True
    arr = np.frombuffer(raw, dtype=dtype, count=rows * (row // dtype.itemsize), offset=offset)
    if len(shape) == 2:
        arr = arr.reshape((rows, shape[1]))
    msg = (f"{source}: byte {offset + rows * row:,}: array data cut short, {rows:,} of {shape[0]:,} "
           f"rows present (the writer was probably killed); read what is there")
    if stats is not None:
        stats.warn(msg, partial=True)
    if problems is not None:
        problems.append(msg)
    return arr


def align_by_index(columns: "Mapping[str, np.ndarray]", stats: ParseStats, source: str) -> "dict[str, np.ndarray]":
    """Columns of different lengths padded with NaN to the longest (aligned by index)."""
    import numpy as np

    lengths = {k: len(v) for k, v in columns.items()}
    n = max(lengths.values(), default=0)
    if len(set(lengths.values())) > 1:
        short = ", ".join(f"{k} ({v:,})" for k, v in lengths.items() if v < n)
        stats.warn(f"{source}: arrays differ in length; aligned by index to {n:,} steps, shorter: {short}")
    out = {}
    for k, v in columns.items():
        if len(v) < n:
            v = np.concatenate([v, np.full(n - len(v), np.nan)])
        out[k] = v
    return out


def require_loss_column(names: Sequence[str], source: str, options: ReadOptions, what: str = "column") -> None:
    """Fail with the names found when nothing looks like a GAN loss or a known metric."""
    from ..frame import CANONICAL_METRICS

    for n in names:
        col = canonical_name(n, options.extra_aliases)
        if col in CANONICAL_METRICS or "loss" in alias_key(n):
            return
    shown = ", ".join(repr(n) for n in list(names)[:12]) + (" ..." if len(names) > 12 else "")
    raise InputError(source, f"no recognisable loss {what} among: {shown or 'none'}",
                     expected="names like loss_D, d_loss, errG, Loss/D/loss, discriminator_loss "
                              "(extend the aliases in config)")


def _lean_run(columns: "Mapping[str, np.ndarray]", *, name: str, source: str, fmt: str,
              stats: ParseStats, options: ReadOptions, meta: dict[str, Any] | None) -> "Run | None":
    """The Run of equal-length arrays indexed by position, built without copying them.

    :func:`~ganlog.frame.build_run` is general (any column may be text, the step
    may come from epoch/iter, ...) and pays for it with several passes and copies;
    a 10,000,000-element array took 25x np.load through it. Here the step is the
    index and every column is already a float array, so the frame is assembled
    around the loaded arrays. ``None`` when a column is an index column (a
    ``steps.npy``), which needs the general path.
    """
    import warnings

    import numpy as np
    import pandas as pd

    from ..frame import CANONICAL_METRICS, INDEX_COLUMNS, LossFamily, Run, rename_columns

    lengths = {len(v) for v in columns.values()}
    if len(lengths) != 1:
        return None
    mapping = rename_columns(list(columns), options.extra_aliases)
    if any(v in INDEX_COLUMNS for v in mapping.values()):
        return None
    (n,) = lengths
    values: dict[str, np.ndarray] = {}
    for k, v in columns.items():
        v = np.asarray(v, dtype=np.float64)
        if n and not np.isnan(v).all():
            values[mapping[k]] = v
    order = [c for c in CANONICAL_METRICS if c in values] + [c for c in values if c not in CANONICAL_METRICS]
    data: dict[str, np.ndarray] = {"step": np.arange(n, dtype=np.int64), "segment": np.zeros(n, dtype=np.int64)}
    data.update((c, values[c]) for c in order)
    with warnings.catch_warnings():  # pandas 3 deprecates copy= (copy-on-write); it still avoids the copy
        warnings.simplefilter("ignore")
        frame = pd.DataFrame(data, copy=False)
    stats.records = n
    run = Run(frame=frame, name=name, source=source, reader="arrays", format=fmt,
              loss_family=LossFamily("unknown", "not decided yet", "default"), stats=stats,
              original_names={mapping[k]: k for k in columns if mapping[k] in values}, meta=dict(meta or {}))
    return run  # roles and the loss family are decided once, by load_runs


def columns_to_run(columns: "Mapping[str, np.ndarray]", *, name: str, source: str, fmt: str,
                   stats: ParseStats, options: ReadOptions, meta: dict[str, Any] | None = None) -> "Run":
    import pandas as pd

    require_loss_column(list(columns), source, options, "array")
    lean = _lean_run(columns, name=name, source=source, fmt=fmt, stats=stats, options=options, meta=meta)
    if lean is not None:
        return lean
    cols = align_by_index(columns, stats, source)
    frame = pd.DataFrame(cols)
    return build_run(frame, name=name, source=source, reader="arrays", format=fmt, stats=stats,
                     loss_family=options.loss_family, extra_aliases=options.extra_aliases, meta=meta)


def read_npy_files(paths: Sequence[Path], *, name: str, source: str, options: ReadOptions) -> "Run":
    """One run from several ``.npy`` files in a folder, aligned by index. A file that cannot be
    read is reported (partial) while the others are read."""
    stats = ParseStats()
    columns: dict[str, np.ndarray] = {}
    errors: list[InputError] = []
    problems: list[str] = []
    for p in sorted(paths):
        try:
            arr = load_npy(p, str(p), options.allow_pickle, stats, problems)
            columns.update(array_columns(arr, _stem(p), str(p), stats, options))
        except InputError as exc:
            errors.append(exc)
            problems.append(str(exc))
            stats.warn(str(exc), partial=True)
    if not columns:
        raise errors[0] if errors else InputError(source, "no arrays found", expected=".npy files")
    stats.lines_read = max(len(v) for v in columns.values())
    run = columns_to_run(columns, name=name, source=source, fmt="npy", stats=stats, options=options,
                         meta={"files": [str(p) for p in sorted(paths)]})
    run.meta["input_errors"] = problems
    return run


def _check_member(archive: Any, key: str, where: str) -> None:
    """Refuse a member that would inflate past the bound, or whose header claims more than it holds.

    Bound: a member may inflate to 64 MiB freely; past that, to at most 100x its compressed size.
    Its .npy header's shape x itemsize may not exceed the member's own uncompressed size.
    """
    zf = archive.zip
    member = key if key in zf.namelist() else f"{key}.npy"
    info = zf.getinfo(member)
    if info.file_size > INFLATE_FREE_BYTES and info.file_size > MAX_INFLATE_RATIO * max(info.compress_size, 1):
        raise InputError(where, f"inflates to {info.file_size:,} bytes from {info.compress_size:,} "
                         f"(more than {MAX_INFLATE_RATIO}:1); refused as a possible decompression bomb",
                         expected="an archive written by np.savez")
    with zf.open(member) as fh:
        magic = fh.read(6)
        if magic != NPY_MAGIC:
            return  # numpy says what it is
        import io

        head = io.BytesIO(magic + fh.read(65536 + 10))
    shape, _, dtype, offset = _npy_header(head)
    if not dtype.hasobject and _need_bytes(shape, dtype) > info.file_size - offset:
        raise InputError(where, f"its header claims {_need_bytes(shape, dtype):,} bytes of data but the member "
                         f"holds {max(info.file_size - offset, 0):,}", expected="an archive written by np.savez")


def _stem(p: Path) -> str:
    return p.name[:-4] if p.name.lower().endswith((".npy", ".npz")) else p.stem


class ArrayReader(Reader):
    name = "arrays"
    description = "NumPy .npy arrays (one per metric, or 2-D with a column per loss) and .npz archives"

    def sniff(self, source: Source) -> Sniff:
        head = source.head(8)
        fname = source.filename.lower()
        if head.startswith(NPY_MAGIC):
            return Sniff(0.95, "NumPy .npy magic bytes")
        if head.startswith(ZIP_MAGIC) and fname.endswith(".npz"):
            return Sniff(0.95, "a zip archive named .npz")
        if fname.endswith(".npy"):
            return Sniff(0.5, "named .npy but without NumPy's magic bytes")
        return Sniff.no("no NumPy magic bytes")

    def read(self, source: Source, options: ReadOptions) -> "list[Run]":
        import io

        if source.is_dir:
            raise InputError(source.name, "is a folder; the arrays reader reads one .npy/.npz file",
                             expected="a file, or no --format to read the folder's runs")
        stats = ParseStats()
        name = options.run_name or source.stem
        head = source.head(8)
        target: Any = source.path if source.data is None else io.BytesIO(source.data)
        if head.startswith(ZIP_MAGIC):
            return [self._read_npz(target, source, name, stats, options)]
        if not head.startswith(NPY_MAGIC):
            raise InputError(source.name, "not a .npy file: no NumPy magic bytes", where="byte 0",
                             expected="a file written by np.save (starts with \\x93NUMPY)")
        problems: list[str] = []
        arr = load_npy(target, source.name, options.allow_pickle, stats, problems)
        columns = array_columns(arr, source.stem, source.name, stats, options)
        stats.lines_read = int(arr.shape[0]) if arr.ndim else 1
        run = columns_to_run(columns, name=name, source=source.name, fmt="npy", stats=stats,
                             options=options)
        run.meta["input_errors"] = problems
        return [run]

    def _read_npz(self, target: Any, source: Source, name: str, stats: ParseStats,
                  options: ReadOptions) -> "Run":
        import numpy as np

        try:
            archive = np.load(target, allow_pickle=options.allow_pickle)
        except (OSError, ValueError, EOFError, *_DAMAGED) as exc:
            raise InputError(source.name, f"not a readable .npz archive ({_one_line(exc)})",
                             expected="a file written by np.savez") from None
        columns: dict[str, np.ndarray] = {}
        errors: list[InputError] = []
        with archive:
            for key in archive.files:
                where = f"{source.name}[{key}]"
                try:
                    try:
                        _check_member(archive, key, where)
                        arr = archive[key]
                    except ValueError as exc:
                        if "allow_pickle" in str(exc):
                            raise InputError(where, "holds pickled Python objects, refused",
                                             expected=_PICKLE_HELP) from None
                        raise InputError(where, f"unreadable ({_one_line(exc)})") from None
                    except (OSError, EOFError, *_DAMAGED) as exc:
                        raise InputError(where, f"a damaged archive member ({type(exc).__name__}: "
                                         f"{_one_line(exc)})") from None
                    columns.update(array_columns(arr, key, where, stats, options))
                except InputError as exc:
                    errors.append(exc)
                    stats.warn(str(exc), partial=True)
        if not columns:
            if errors:
                raise errors[0]
            raise InputError(source.name, "the archive holds no arrays", expected="np.savez(path, d_loss=..., g_loss=...)")
        stats.lines_read = max(len(v) for v in columns.values())
        run = columns_to_run(columns, name=name, source=source.name, fmt="npz", stats=stats, options=options)
        run.meta["input_errors"] = [str(e) for e in errors]
        return run
