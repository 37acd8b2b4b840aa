"""The vectorized path for large logs in one fixed layout (needs pyarrow).

A per-record Python loop reads about 150,000 records a second; a million-record
log would take ~7 s. Trainers print every record with the same format string,
so after mapping punctuation (``[ ] ( ) / : = , | %`` and tabs) to spaces,
every record line has the same number of space-separated tokens, with each
value at a fixed token position. That makes the log a space-delimited CSV:
pyarrow's multithreaded CSV reader converts just the value columns (plus one
label column, to reject lines that merely have the right token count) in C++.

The layout (token count, value positions, names) is learned from the first
record line using the format's own regex (or, for the generic fallback, the
``name: value`` tokenizer), and the result is checked against the regex parse
of the first records: any disagreement, and any input this path does not
handle (records glued together, context lines such as Keras' ``Epoch 3/50``,
bytes that are not UTF-8), returns ``None`` and the regex path reads the log.
The input is read in chunks, so memory stays near the size of the result.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

from ..frame import ParseStats, build_run, to_float
from .base import ReadOptions, Source
from .formats import GENERIC_NAME, TextFormat, get_format
from .generic import _main_signature, name_positions, pair_spans, parse_pairs
from .records import ANSI_RE_B, LOG_PREFIX_RE, clean
from .textparse import Detection, detect, format_meta, nan_columns, parse_generic, parse_known

if TYPE_CHECKING:
    import numpy as np

    from ..frame import Run

CHUNK_BYTES = 4 * 1024 * 1024
#: A run of NUL bytes this long in a chunk without a line end marks padding, not a line.
_NUL_RUN = b"\0" * 4096
_DELIMS = b" \t[]()/:=,|%;\x0b\x0c"
_TABLE = bytes.maketrans(_DELIMS + b"\r", b" " * len(_DELIMS) + b"\n")
_WORD_B = re.compile(rb"[A-Za-z_]+")
_VERIFY_RECORDS = 300
#: A record line longer than this is not a fixed layout (a paste that lost its newlines).
MAX_RECORD_LINE = 64 * 1024
_GENERIC_HEAD_LINES = 1000


#: Letters that can be part of a printed number (``1e-05``, ``nan``, ``-inf``, ``Infinity``):
#: a glued word starting with one of them needs a space inserted; any other first letter
#: can simply be translated to a space along with the punctuation (no extra pass, no copy).
#: (``Infinity`` is not in the set: a chunk holding it goes to the regex parse, see read_fast.)
_NUMBER_LETTERS = frozenset(b"eEnNaAiIfF")


@dataclass
class Layout:
    """Where each value sits in a translated record line."""

    n_tokens: int
    values: dict[str, int]  #: column name -> token index
    labels: dict[int, bytes]  #: token index -> the label text that must be there
    splits: tuple[bytes, ...]  #: words glued to a number (``0.11Time``): a space goes before them
    table: bytes = _TABLE  #: the byte translation (punctuation, and glued words' first letters, to spaces)


def _table_for(letters: bytes) -> bytes:
    if not letters:
        return _TABLE
    return bytes.maketrans(_DELIMS + letters + b"\r", b" " * (len(_DELIMS) + len(letters)) + b"\n")


def _split_words(splits: tuple[bytes, ...]) -> tuple[tuple[bytes, ...], bytes]:
    """Glued words -> (those that need a space inserted, first letters that can become spaces)."""
    inserted = tuple(w for w in splits if w[0] in _NUMBER_LETTERS)
    letters = bytes(sorted({w[0] for w in splits if w[0] not in _NUMBER_LETTERS}))
    return inserted, letters


def _translate(line: bytes, splits: tuple[bytes, ...], table: bytes = _TABLE) -> bytes:
    for w in splits:
        line = line.replace(w, b" " + w)
    return line.translate(table)


def learn_layout(line: str, fields: list[tuple[str, int, int]]) -> Layout | None:
    """The layout of one record line, given each value's name and span in it."""
    if not line.isascii() or len(line) > MAX_RECORD_LINE:
        return None  # one huge line is not a fixed-layout log: the regex path reads it
    raw = line.encode()
    splits: list[bytes] = []
    for _ in range(4):
        inserted, letters = _split_words(tuple(splits))
        table = _table_for(letters)
        t = _translate(raw, inserted, table)
        # Offsets move by one for each split inserted before them: recompute from the spans.
        shift = _shifts(raw, inserted)
        glued = None
        for _name, a, b in fields:
            a2, b2 = a + shift(a), b + shift(a)
            if b2 < len(t) and t[b2:b2 + 1] not in (b" ", b"\n"):
                m = _WORD_B.match(t, b2)
                if not m:
                    return None
                glued = m.group(0)
                break
            if a2 > 0 and t[a2 - 1:a2] != b" ":
                return None
        if glued is None:
            break
        if glued in splits:
            return None
        splits.append(glued)
    else:
        return None
    tokens = t.split(b" ")
    values: dict[str, int] = {}
    idx, at = 0, 0
    for name, a, b in sorted(fields, key=lambda f: f[1]):
        a2 = a + shift(a)
        idx += t.count(b" ", at, a2)  # counted from the previous field: linear in the line
        at = a2
        if tokens[idx] != raw[a:b]:
            return None
        values[name] = idx
    used = set(values.values())
    labels: dict[int, bytes] = {}
    if len(tokens) < 12:
        # Short layouts (`step 10 loss 0.5`) are easily mimicked by other lines: check a label too.
        # Long ones are not, and a label check costs a string column per chunk.
        for i, tok in enumerate(tokens):
            if i not in used and len(tok) >= 2 and tok.isalpha() and len(labels) < 2:
                labels[i] = tok
    return Layout(len(tokens), values, labels, inserted, table)


def _shifts(raw: bytes, splits: tuple[bytes, ...]):
    """A function: offset in ``raw`` -> how many split spaces were inserted before it."""
    marks: list[int] = []
    for w in splits:
        start = raw.find(w)
        while start >= 0:
            marks.append(start)
            start = raw.find(w, start + 1)
    marks.sort()

    def shift(pos: int) -> int:
        return bisect.bisect_left(marks, pos)

    return shift


def _known_fields(fmt: TextFormat, line: str) -> tuple[list[tuple[str, int, int]], dict[str, str]] | None:
    m = fmt.regex.search(line)
    if m is None:
        return None
    fields: list[tuple[str, int, int]] = []
    for key in fmt.regex.groupindex:
        if m.group(key) is None:
            continue
        if key.startswith("_rest"):
            base = m.start(key)
            for name, a, b in pair_spans(m.group(key)):
                if key == "_rest_d" and not name.lower().startswith("d"):
                    name = "D " + name
                elif key == "_rest_g" and any(f[0] == name for f in fields):
                    name = "G " + name  # as the regex path: `[D loss: .., acc: ..] [G loss: .., acc: ..]`
                fields.append((name, base + a, base + b))
        elif not key.startswith("_"):
            fields.append((fmt.printed.get(key, key), m.start(key), m.end(key)))
    return fields, {}


def _generic_fields(line: str) -> tuple[list[tuple[str, int, int]], dict[str, str]] | None:
    m = LOG_PREFIX_RE.match(line)
    off = m.end() if m else 0
    spans = [(n, a + off, b + off) for n, a, b in pair_spans(line[off:])]
    if len(spans) < 2:
        return None
    # Name the positions as the regex path does (Epoch e/E + Step i/N -> iter, iters_per_epoch).
    renamed = name_positions({n: str(i) for i, (n, _, _) in enumerate(spans)})
    fields = [(new, spans[int(i)][1], spans[int(i)][2]) for new, i in renamed.items()]
    return fields, {}


def _chunks(source: Source) -> Iterator[bytes]:
    """The input in pieces of about CHUNK_BYTES, each ending at a line end (the last may not)."""
    if source.data is not None:
        data = source.data
        pos = 0
        while pos < len(data):
            end = min(pos + CHUNK_BYTES, len(data))
            if end < len(data):
                nl = data.rfind(b"\n", pos, end)
                end = nl + 1 if nl >= pos else end
            yield data[pos:end]
            pos = end
        return
    assert source.path is not None
    # A line longer than a chunk is gathered in pieces and joined once (joining it again per
    # chunk was quadratic); a chunk of NUL padding with no line end (a disk that filled up) is
    # passed on as it is, never held: a 2 GB NUL tail ran for minutes.
    pending: list[bytes] = []
    with open(source.path, "rb") as fh:
        while True:
            block = fh.read(CHUNK_BYTES)
            if not block:
                break
            nl = block.rfind(b"\n")
            if nl < 0:
                if _NUL_RUN in block:
                    if pending:
                        yield b"".join(pending)
                        pending = []
                    yield block
                else:
                    pending.append(block)
                continue
            pending.append(block[: nl + 1])
            tail = block[nl + 1:]
            del block  # not two copies of the chunk alive while it is parsed
            out = b"".join(pending)
            pending = [tail] if tail else []
            yield out
            del out
    if pending:
        yield b"".join(pending)


def read_fast(reader_name: str, source: Source, forced: str | None,
              stats: ParseStats, options: ReadOptions, detection: Detection | None = None) -> "Run | None":
    """Read ``source`` with the vectorized path, or return None to leave it to the regex path.

    ``detection`` is the format the sniff found, reused instead of detecting again.
    """
    try:
        import numpy as np
        import pyarrow as pa
        import pyarrow.csv as pcsv
    except ImportError:
        return None
    head = source.head(256 * 1024)
    if not head.isascii() or b"\x08" in head:
        return None
    cut = head.rfind(b"\n")
    if 0 < cut and len(head) >= 256 * 1024:
        head = head[: cut + 1]  # whole lines only; a single huge line is taken as it comes
    head_text = clean(head).text
    if forced == GENERIC_NAME:
        fmt, name = None, GENERIC_NAME
    elif forced:
        fmt, name = get_format(forced), forced
    else:
        det = detection if detection is not None and detection.name else detect(head_text)
        fmt, name = det.fmt, det.name
    split_b: "re.Pattern[bytes] | None" = None
    if fmt is not None:
        if fmt.has_context or fmt.kimg_step or fmt.estimate_iters_per_epoch:
            return None  # context lines, steps from kimg, estimated epoch lengths: the regex path
        lines = head_text.split("\n")
        rec_lines = [ln for ln in lines if fmt.regex.search(ln)]
        if not rec_lines:
            return None
        if any(len(fmt.regex.findall(ln)) > 1 for ln in rec_lines[:200]):
            # Records glued on one line (a paste that lost its newlines): put each on a line.
            if not fmt.record_start:
                return None
            split_s = re.compile(fmt.record_start)
            split_b = re.compile(fmt.record_start.encode())
            head_text = split_s.sub(lambda m: "\n" + m.group(0), head_text)
            lines = head_text.split("\n")
            rec_lines = [ln for ln in lines if fmt.regex.search(ln)]
            if not rec_lines or any(len(fmt.regex.findall(ln)) > 1 for ln in rec_lines[:200]):
                return None
        got = _known_fields(fmt, rec_lines[0])
        epoch_base = fmt.epoch_base
        reason = f"{name} format ({fmt.title})"
    elif name == GENERIC_NAME:
        # The first lines are enough to learn and check the layout (the tokenizer costs ~30 us a line).
        lines = head_text.split("\n", _GENERIC_HEAD_LINES)[:_GENERIC_HEAD_LINES]
        head_text = "\n".join(lines) + "\n"
        parsed = [(ln, parse_pairs(LOG_PREFIX_RE.sub("", ln, count=1))) for ln in lines]
        main = _main_signature([p for _, p in parsed if p])
        if main is None:
            return None
        from ..frame import alias_key

        rec_lines = [ln for ln, p in parsed if p and {alias_key(k) for k, _ in p} == main]
        got = _generic_fields(rec_lines[0])
        epoch_base = None
        reason = "generic name: value fallback"
    else:
        return None
    if got is None:
        return None
    fields, _ = got
    layout = learn_layout(rec_lines[0], fields)
    if layout is None or not layout.values:
        return None

    names = [f"c{i}" for i in range(layout.n_tokens)]
    value_cols = {names[i]: col for col, i in layout.values.items()}
    label_cols = {names[i]: tok.decode() for i, tok in layout.labels.items()}
    include = sorted(set(value_cols) | set(label_cols), key=lambda c: int(c[1:]))
    types = {c: (pa.float64() if c in value_cols else pa.string()) for c in include}
    parse_opts_bad: list[int] = [0]

    def on_bad(row: object) -> str:
        parse_opts_bad[0] += 1
        return "skip"

    read_opts = pcsv.ReadOptions(column_names=names, block_size=1 << 21, use_threads=True)
    parse_opts = pcsv.ParseOptions(delimiter=" ", quote_char=False, escape_char=False,
                                   newlines_in_values=False, invalid_row_handler=on_bad)
    conv_opts = pcsv.ConvertOptions(include_columns=include, column_types=types,
                                    strings_can_be_null=False, quoted_strings_can_be_null=False)

    columns: dict[str, list["np.ndarray"]] = {col: [] for col in value_cols.values()}
    n_lines = 0
    line_offset = 0
    last_chunk = b""
    anchor = (fmt.anchor if fmt is not None else "").encode()
    for chunk in _chunks(source):
        if not chunk.isascii():
            return None  # non-ASCII: the regex path decodes and counts the bad bytes
        last_chunk = chunk
        nl = chunk.count(b"\n")
        n_cr = chunk.count(b"\r") - chunk.count(b"\r\n") if b"\r" in chunk else 0
        if b"\x1b" in chunk:
            chunk = ANSI_RE_B.sub(b"", chunk)
        if b"N/A" in chunk:
            chunk = chunk.replace(b"N/A", b"nan")
        if layout.table is not _TABLE and b"nfinity" in chunk:
            # `Infinity` would lose its `t`/`y` to the translation: this chunk goes by regex.
            _regex_chunk(chunk, fmt, columns, stats, line_offset)
            lines_here = nl + n_cr + (0 if chunk.endswith(b"\n") else 1)
            n_lines += lines_here
            line_offset += lines_here
            continue
        # `\r\n` needs no pass of its own: the translation makes it `\n\n`, and the CSV
        # reader skips the empty line.
        if split_b is not None:
            chunk = split_b.sub(b"\n\\g<0>", chunk)
        t = _translate(chunk, layout.splits, layout.table)
        parse_opts_bad[0] = 0
        try:
            # The system allocator gives freed chunk tables back to the OS (mimalloc keeps them).
            table = pcsv.read_csv(pa.py_buffer(t), read_options=read_opts, parse_options=parse_opts,
                                  convert_options=conv_opts, memory_pool=pa.system_memory_pool())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            # A line with the right token count but text where a number belongs: this chunk
            # goes through the regex parse, the others stay vectorized.
            del t
            _regex_chunk(chunk, fmt, columns, stats, line_offset)
            lines_here = nl + n_cr + (0 if chunk.endswith(b"\n") else 1)
            n_lines += lines_here
            line_offset += lines_here
            continue
        del t
        keep = None
        if label_cols and table.num_rows:
            import pyarrow.compute as pc

            for c, want in label_cols.items():
                ok = pc.equal(table.column(c), want)
                keep = ok if keep is None else pc.and_(keep, ok)
            keep_np = keep.to_numpy(zero_copy_only=False) if keep is not None else None
        else:
            keep_np = None
        n_bad = parse_opts_bad[0]
        n_ok = table.num_rows if keep_np is None else int(keep_np.sum())
        if anchor and chunk.count(anchor) > n_ok + n_bad + (table.num_rows - n_ok):
            # More records than lines: some line holds two (glued) records, and the CSV
            # reader keeps only the first of them. The regex path reads this chunk.
            del table
            _regex_chunk(chunk, fmt, columns, stats, line_offset)
            lines_here = nl + n_cr + (0 if chunk.endswith(b"\n") else 1)
            n_lines += lines_here
            line_offset += lines_here
            continue
        for c, col in value_cols.items():
            arr = table.column(c).to_numpy()
            if keep_np is not None and not keep_np.all():
                arr = arr[keep_np]
            columns[col].append(arr)
        n_rows = table.num_rows if keep_np is None else int(keep_np.sum())
        skipped = n_bad + (table.num_rows - n_rows)
        lines_here = nl + n_cr + (0 if chunk.endswith(b"\n") else 1)
        if skipped:
            _collect_examples(chunk, stats, line_offset, skipped, layout, anchor, fmt)
        n_lines += lines_here
        line_offset += lines_here
        del table
    stats.lines_read = n_lines
    _trim()

    # Column by column, dropping the pieces as we go: memory stays near one copy of the result.
    cols: dict[str, "np.ndarray"] = {}
    for col in list(columns):
        parts = columns.pop(col)
        cols[col] = np.concatenate(parts) if parts else np.zeros(0)
        del parts
    _trim()
    n = len(next(iter(cols.values())))
    if n == 0:
        return None  # let the regex path explain what it found instead

    # Check the first records against the regex parse of the head.
    if fmt is not None:
        ref = parse_known(head_text, fmt, ParseStats())[:_VERIFY_RECORDS]
    else:
        ref = parse_generic(head_text, ParseStats())[:_VERIFY_RECORDS]
    if not _agrees(ref, cols):
        return None
    if any(k not in cols for rec in ref for k in rec):
        return None  # evaluation lines read as sparse columns, context values: the regex path
    if last_chunk and not last_chunk.endswith(b"\n"):
        last = last_chunk[-8192:].decode("ascii", "replace")
        last = last[last.rfind("\n") + 1:]
        if last.strip() and _incomplete(last, fmt):
            stats.warn(f"the last line (line {n_lines:,}) is cut off and was not read; "
                       "the log may be truncated", partial=True)
    import pandas as pd

    # A per-epoch total printed on every line is one number: pass it as such (a column less
    # to carry through build_run, which is where the peak memory is).
    per_epoch = None
    ipe = cols.get("iters_per_epoch")
    if ipe is not None and len(ipe) and np.isfinite(ipe).all() and ipe.min() == ipe.max():
        per_epoch = float(ipe[0])
        del cols["iters_per_epoch"]
    frame = pd.DataFrame(cols, copy=False)
    del cols
    meta = {**format_meta(reason, fmt, head_text), "parser": "vectorized (pyarrow)"}
    # Columns printed as `nan` throughout are a run gone NaN: kept, as the regex path keeps them.
    all_nan = [c for c in frame.columns if not frame[c].notna().any()]
    if all_nan:
        nan_cols = nan_columns(frame[all_nan], ref)
        if nan_cols:
            meta["nan_columns"] = nan_cols
    # build_run replaces columns (float epoch -> int): with no reference left here, the
    # replaced ones are freed at once instead of after it returns.
    owned = [frame]
    del frame
    run = build_run(
        owned.pop(), name=options.run_name or source.stem, source=source.name, reader=reader_name,
        format=name, stats=stats, loss_family=options.loss_family,
        extra_aliases=options.extra_aliases, epoch_base=epoch_base, iters_per_epoch=per_epoch,
        meta=meta,
    )
    _trim()
    return run


def _trim() -> None:
    """Give freed heap memory back to the OS (glibc keeps it in per-thread arenas otherwise).

    The CSV reader's worker threads allocate in their own arenas; without this a
    million-record parse holds twice the memory it uses. A no-op off glibc.
    """
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except (ImportError, AttributeError):
        pass
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _regex_chunk(chunk: bytes, fmt: TextFormat | None, columns: dict[str, list["np.ndarray"]],
                 stats: ParseStats, line_offset: int) -> int:
    """Parse one chunk with the regex path and append its values to ``columns``."""
    import numpy as np

    text = chunk.decode("ascii", "replace").replace("\r\n", "\n").replace("\r", "\n")
    local = ParseStats()
    recs = parse_known(text, fmt, local) if fmt is not None else parse_generic(text, local)
    for col, parts in columns.items():
        parts.append(np.array([to_float(r.get(col)) for r in recs], dtype=float))
    for ex in local.skipped_examples:
        stats.skip(line_offset + ex.line, ex.text, ex.reason)
    stats.lines_skipped += local.lines_skipped - len(local.skipped_examples)
    return len(recs)


def _incomplete(last: str, fmt: TextFormat | None) -> bool:
    if fmt is None:
        return not parse_pairs(last)
    matches = list(fmt.regex.finditer(last))
    if not matches:
        return True
    tail = last[matches[-1].end():]
    if fmt.record_start:  # what follows a record on its line (an ETA) is not a cut record
        return bool(fmt.anchor) and fmt.anchor in tail
    return tail.strip() != ""


def _collect_examples(chunk: bytes, stats: ParseStats, line_offset: int, skipped: int,
                      layout: Layout, anchor: bytes, fmt: TextFormat | None) -> None:
    """Count the skipped lines and keep the first few as examples, with their line numbers."""
    room = stats.max_examples - len(stats.skipped_examples)
    if room <= 0:
        stats.lines_skipped += skipped
        return
    found = 0
    for i, raw in enumerate(chunk.split(b"\n")):
        if not raw.strip():
            continue
        text = raw.decode("ascii", "replace").rstrip("\r")
        if fmt is not None and fmt.regex.search(text):
            continue
        if fmt is None and len(parse_pairs(text)) >= 2:
            continue
        stats.skip(line_offset + i + 1, text.strip())
        found += 1
        if found >= room or found >= skipped:
            break
    stats.lines_skipped += skipped - found


def _agrees(ref: list[dict[str, object]], cols: dict[str, "np.ndarray"]) -> bool:
    import math

    if not ref:
        return False
    for i, rec in enumerate(ref):
        for key, col in cols.items():
            if key not in rec:
                return False
            want = to_float(rec[key])
            got = float(col[i]) if i < len(col) else math.nan
            if not (want == got or (math.isnan(want) and math.isnan(got))):
                return False
    return True


__all__ = ["Layout", "learn_layout", "read_fast"]
