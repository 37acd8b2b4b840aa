"""The generic fallback: read ``name: value`` pairs from a log nobody described.

Most trainers print some variant of ``name: value``, ``name=value``,
``[name: value]`` or ``name value``, sometimes one record per line, sometimes
one value per line. The tokenizer (:mod:`.tokens`) finds the values and their
names; :func:`group_records` joins lines into records; the alias table and the
role resolver then say what the names mean. Known formats use the same
tokenizer for the free ``extra: value`` text their variants add.

Records:

* one record per line when most lines share one set of names (the *main
  signature*); other lines with metrics (``FID: 23.1`` every N steps) are
  evaluation values, attached to the training record of their step (or the one
  before them) as sparse columns, never records of their own; position-only
  lines (``Epoch 9:``, ``Epoch 3/50``) give the epoch of the records after them;
* otherwise a record ends where a name repeats (values spread over lines);
* a header line naming columns (``G_loss  D_loss``) gives names to the rows of
  bare numbers under it (``0.91  0.55``); HTML tables (notebook output) are read
  the same way.

Value conventions (see :mod:`.tokens`): ``e/E`` with integers is a position and
its total; ``a / b`` otherwise two values ``name1``/``name2``; durations dropped.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from functools import lru_cache

from ..frame import canonical_name as _canonical_name
from .records import strip_log_prefix
from .tokens import NOT_METRICS, VALUE_RE, alias_key, scoped_pairs

#: Column names repeat on every record: their lookups are cached (built-in aliases only).
canonical_name = lru_cache(maxsize=8192)(_canonical_name)

_INT_RE = re.compile(r"[-+]?\d+$")
# Names that only ever label a position, never a metric.
_POSITION_KEYS = {"epoch": "epoch", "iter": "iter", "step": "step"}
#: Names of evaluation metrics (printed on lines of their own every N steps).
_EVAL_NAME = re.compile(r"(?i)fid|kid|inception|\bis\b|is50k|score|precision|recall|lpips|psnr|ssim|ppl|pr50k|"
                        r"(?:^|[_/ ])val(?:id|idation)?(?:[_/ ]|$)")
_FILE_REF = re.compile(r"\.(?:py|cc|cpp|h)$")
_HEADER_WORD = re.compile(r"[A-Za-z_][\w.()/\-]*$")
_CELL_NUM = re.compile(r"^\s*(?:" + VALUE_RE.pattern + r")\s*$")


def pair_spans(text: str) -> list[tuple[str, int, int]]:
    """``[(name, start, end), ...]``: each value's name and where its text lies in ``text``.

    Names repeated in ``text`` are scoped or, when they cannot be, every record after the
    first is left out (the fast path learns one record's layout from this).
    """
    recs = _records_in_line(text)
    return [(n, a, b) for n, _v, a, b in recs[0]] if recs else []


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """``[(name, value_text), ...]`` in the order printed; durations dropped."""
    return [(n, v) for rec in _records_in_line(text) for n, v, _a, _b in rec]


def _records_in_line(text: str, scopes: dict[str, str] | None = None) -> list[list[tuple[str, str, int, int]]]:
    out = []
    for rec in scoped_pairs(text, scopes):
        kept = [(n, v, a, b) for n, v, a, b in rec
                if alias_key(n) not in NOT_METRICS and not _FILE_REF.search(n)]
        if kept:
            out.append(kept)
    return out


def name_positions(record: dict[str, str]) -> dict[str, str]:
    """Turn ``X`` + ``X/total`` next to an epoch into ``iter`` + ``iters_per_epoch``.

    ``Epoch 1/5 - Step: 1900/9338``: the step counts within the epoch, so it is
    the iteration and 9338 the iterations per epoch. Other totals are dropped.
    """
    keys = {canonical_name(k): k for k in record if not k.endswith("/total")}
    out: dict[str, str] = {}
    has_epoch = "epoch" in keys
    for k, v in record.items():
        if k.endswith("/total"):
            base = k[: -len("/total")]
            col = canonical_name(base)
            if has_epoch and col in ("step", "iter"):
                out["iters_per_epoch"] = v
            continue
        col = canonical_name(k)
        if has_epoch and col == "step" and (k + "/total") in record and "iter" not in keys:
            out["iter"] = v
            continue
        out[k] = v
    return out


@dataclass
class GenericResult:
    records: list[dict[str, str]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  #: (line number, text)
    #: values of evaluation lines attached to a training record (line numbers)
    attached: list[int] = field(default_factory=list)
    header: list[str] | None = None
    #: printed name -> the network whose bracket it sits in (``acc`` in ``[D loss: .., acc: ..]``)
    scopes: dict[str, str] = field(default_factory=dict)


def _is_position(k: str) -> bool:
    return canonical_name(k.split("/")[0]) in _POSITION_KEYS or k.endswith("/total")


def _is_position_only(rec: dict[str, str]) -> bool:
    return all(_is_position(k) for k in rec)


# --------------------------------------------------------------------------- header + rows

def _split_cells(line: str) -> list[str]:
    s = line.strip()
    if "|" in s:
        cells = [c.strip() for c in s.strip("|").split("|")]
    elif "\t" in s:
        cells = [c.strip() for c in s.split("\t")]
    elif "," in s and " " not in s.strip():
        cells = s.split(",")
    elif "  " in s:
        cells = [c.strip() for c in re.split(r"\s{2,}", s)]
    else:
        cells = s.split()
    return cells


def header_names(line: str) -> list[str] | None:
    """The column names of a header line (``G_loss  D_loss``, ``epoch train_loss time``), or None."""
    s = line.strip()
    if not s or any(ch.isdigit() and not _in_word(s, i) for i, ch in enumerate(s)):
        return None
    cells = _split_cells(s)
    if len(cells) < 2 or not all(not c or all(_HEADER_WORD.match(w) for w in c.split()) for c in cells):
        return None
    if sum(1 for c in cells if c) < 2:
        return None
    return cells


def _in_word(s: str, i: int) -> bool:
    j = i
    while j > 0 and (s[j - 1].isalnum() or s[j - 1] in "_."):
        j -= 1
    return s[j].isalpha() or s[j] == "_"


def row_values(line: str) -> list[str | None] | None:
    """The cells of a row of bare numbers (``0.91  0.55``, ``0.004 | 100 | 6.2 | 2 days, 12:04:16``)."""
    s = line.strip()
    if not s or not (s[0].isdigit() or s[0] in "-+.|" or s[:3].lower() in ("nan", "inf")):
        return None
    cells = _split_cells(s)
    out: list[str | None] = []
    numbers = 0
    for c in cells:
        m = _CELL_NUM.match(c)
        if m and m.group("num") is not None:
            out.append(m.group("num").replace(",", "").replace("_", ""))
            numbers += 1
        elif c.strip() and not any(ch.isalpha() for ch in c.replace("days", "").replace("day", "")):
            out.append(None)  # a duration or time stamp cell: no metric
        else:
            out.append(None)
    return out if numbers >= 1 else None


def _labelled_row(line: str, header: list[str]) -> dict[str, str] | None:
    """A table row led by a label (Keras ACGAN: ``generator (train) | 8.35 | 6.03 | 2.32``):
    ``{"generator (train) loss": "8.35", ...}`` named by label and column."""
    cells = _split_cells(line)
    if len(cells) != len(header) or not cells[0] or not any(c.isalpha() for c in cells[0]):
        return None
    out: dict[str, str] = {}
    for h, c in zip(header[1:], cells[1:]):
        m = _CELL_NUM.match(c)
        if not m or m.group("num") is None:
            return None
        out[f"{cells[0]} {h}"] = m.group("num")
    return out or None


# --------------------------------------------------------------------------- HTML tables

_TABLE_RE = re.compile(r"<table\b.*?</table>", re.S | re.I)
_TR_RE = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S | re.I)
_CELL_RE = re.compile(r"<t([hd])\b[^>]*>(.*?)</t[hd]>", re.S | re.I)
_TAG_RE = re.compile(r"<[^>]+>")


def html_tables_to_text(text: str) -> str:
    """Each HTML table (fastai / pandas notebook output) as ``|``-separated lines: header, rows."""
    def one(m: re.Match[str]) -> str:
        lines = []
        for tr in _TR_RE.finditer(m.group(0)):
            cells = [html.unescape(_TAG_RE.sub("", c)).strip() for _k, c in _CELL_RE.findall(tr.group(1))]
            lines.append(" | ".join(c if c else "-" for c in cells))
        return "\n" + "\n".join(lines) + "\n"

    return _TABLE_RE.sub(one, text)


# --------------------------------------------------------------------------- records

def group_records(lines: list[str], first_line: int = 1) -> GenericResult:
    """Parse key/value lines and join them into records (see the module docstring)."""
    res = GenericResult()
    parsed: list[tuple[int, str, list[list[tuple[str, str]]]]] = []
    header: list[str] | None = None
    header_rows: list[tuple[int, dict[str, str]]] = []
    header_lines: set[int] = set()
    last_labelled = -2
    for i, raw in enumerate(lines):
        line = strip_log_prefix(raw.strip())
        if not line:
            continue
        if header is not None and "|" in line:
            lab = _labelled_row(line, header)
            if lab is not None:
                # `generator (train) | 8.35 | 6.03`: one record per block of labelled rows
                if header_rows and last_labelled == i - 1:
                    header_rows[-1][1].update(lab)
                else:
                    header_rows.append((first_line + i, lab))
                last_labelled = i
                continue
        if header is not None:
            row = row_values(line)
            if row is not None and not parse_pairs(line):
                cells = row
                if len(row) == len(header) + 1 and row[-1] is not None and row[0] is not None \
                        and _INT_RE.match(row[0]):
                    cells = row[1:]  # a row index column (pandas) the header does not name
                rec = {h: v for h, v in zip(header, cells) if h and h != "-" and v is not None}
                if rec:
                    header_rows.append((first_line + i, rec))
                    continue
        h = header_names(line)
        if h is not None:
            header = h
            res.header = h
            header_lines.add(first_line + i)
            parsed.append((first_line + i, raw, []))
            continue
        recs = [[(n, v) for n, v, _a, _b in r] for r in _records_in_line(line, res.scopes)]
        parsed.append((first_line + i, raw, recs))
    if header_rows and len(header_rows) * 2 >= sum(1 for _, _, p in parsed
                                                   if any(not _is_position(k) for r in p for k, _ in r)):
        # A table log: header-named rows are the records; other lines are skipped.
        res.records = [name_positions(r) for _, r in header_rows]
        res.skipped = [(ln, raw) for ln, raw, _p in parsed if ln not in header_lines]
        return res
    for ln, _r in header_rows:
        res.skipped.append((ln, lines[ln - first_line]))
    pair_lines = [r for _, _, p in parsed for r in p]
    main = _main_signature(pair_lines)
    mains = [main] if main is not None else _phase_signatures(pair_lines)
    if mains:
        _one_per_line(parsed, mains, res)
        return res
    _spread(parsed, res, lines, first_line)
    if not res.records and header is None:
        _headerless(lines, first_line, res)
    return res


_STEP_ROW = re.compile(r"^\s*(\d+)\s*[:|]\s*(\S.*)$")


def _headerless(lines: list[str], first_line: int, res: GenericResult) -> None:
    """Rows of bare numbers and no header (``0: inf  nan``): ``step`` when the row starts with
    ``N:``, the rest ``value_1``, ``value_2`` ... (no names were printed: no roles can be read)."""
    rows: list[tuple[int, dict[str, str]]] = []
    for i, raw in enumerate(lines):
        line = strip_log_prefix(raw.strip())
        if not line:
            continue
        m = _STEP_ROW.match(line)
        cells = row_values(m.group(2) if m else line)
        if cells is None or len(cells) + bool(m) < 2 or any(c is None for c in cells):
            continue
        rec = {"step": m.group(1)} if m else {}
        rec.update({f"value_{k}": v for k, v in enumerate(cells, 1) if v is not None})
        rows.append((first_line + i, rec))
    n_lines = sum(1 for ln in lines if ln.strip())
    if len(rows) >= 2 and len(rows) * 2 >= n_lines:
        widths = {len(r) for _, r in rows}
        if len(widths) == 1:
            done = {ln for ln, _ in rows}
            res.records = [r for _, r in rows]
            res.skipped = [(ln, raw) for ln, raw in res.skipped if ln not in done]


def _phase_signatures(pair_lines: list[list[tuple[str, str]]]) -> list[set[str]]:
    """Logs in phases, each printing its own names on whole-record lines (TimeGAN:
    ``step: 0/10000, e_loss: ..`` then ``step: .., s_loss: ..`` then ``step: .., d_loss: ..``):
    the signatures that hold a position and a metric, when they cover most lines."""
    counts: dict[frozenset[str], int] = {}
    for pairs in pair_lines:
        sig = frozenset(alias_key(k) for k, _ in pairs)
        counts[sig] = counts.get(sig, 0) + 1
    keep = [set(sig) for sig, n in counts.items()
            if n >= 3 and any(_is_position(k) for k in sig) and not all(_is_position(k) for k in sig)]
    covered = sum(counts[frozenset(sig)] for sig in keep)
    return keep if keep and covered * 10 >= len(pair_lines) * 7 else []


def _one_per_line(parsed: list[tuple[int, str, list[list[tuple[str, str]]]]], mains: list[set[str]],
                  res: GenericResult) -> None:
    """Lines sharing the main line's names are records; metric lines between them are
    evaluation values of the record before (or of the step they name); position-only
    lines give the epoch of the records after them; anything else is skipped (a config
    line "lr=0.0002 batch=64" before training is not a record)."""
    context: dict[str, str] = {}
    by_step: dict[str, int] = {}
    pending: list[tuple[int, str, dict[str, str]]] = []  # metric lines before the first record
    metric_sets = [{k for k in main if not _is_position(k)} or main for main in mains]
    for ln, raw, recs in parsed:
        if not recs:
            res.skipped.append((ln, raw))
            continue
        for pairs in recs:
            keys = {alias_key(k) for k, _ in pairs}
            if len(pairs) >= 2 and any(len(keys & m) * 2 >= len(m) and keys & m for m in metric_sets):
                rec = name_positions(dict(pairs))
                if not _is_position_only(rec):
                    for k, v in context.items():
                        if not any(canonical_name(x) == canonical_name(k) for x in rec):
                            rec[k] = v
                    rec = name_positions(rec)
                    res.records.append(rec)
                    if pending and len(res.records) == 1:
                        _attach_pending(pending, rec, res)
                    step = _step_of(rec)
                    if step is not None:
                        by_step[step] = len(res.records) - 1
                    continue
            rec = dict(pairs)
            if _is_position_only(rec):
                epoch = next((v for k, v in rec.items() if canonical_name(k) == "epoch"), None)
                if epoch is not None:
                    context = {k: v for k, v in rec.items() if canonical_name(k) == "epoch"}
                res.skipped.append((ln, raw))
                continue
            if not res.records:
                pending.append((ln, raw, rec))
                continue
            if res.records:
                # An evaluation line: sparse columns on its step's record (or the last one).
                step = _step_of(rec)
                target = res.records[by_step.get(step, len(res.records) - 1) if step else -1]
                added = False
                for k, v in rec.items():
                    if _is_position(k):
                        continue
                    if k not in target:
                        target[k] = v
                        added = True
                if added:
                    res.attached.append(ln)
                    continue
            res.skipped.append((ln, raw))
    res.skipped.extend((ln, raw) for ln, raw, _r in pending)


def _attach_pending(pending: list[tuple[int, str, dict[str, str]]], first: dict[str, str],
                    res: GenericResult) -> None:
    """Metric lines before the first record (an excerpt starting at a snapshot's FID line)
    belong to the first record; lines that only configure (``lr=0.0002 batch=64``) do not."""
    for ln, raw, rec in pending:
        names = [k for k in rec if not _is_position(k)]
        if names and len(names) <= 3 and all(k not in first and _EVAL_NAME.search(k) for k in names):
            for k in names:
                first[k] = rec[k]
            res.attached.append(ln)
        else:
            res.skipped.append((ln, raw))
    pending.clear()


def _step_of(rec: dict[str, str]) -> str | None:
    for k, v in rec.items():
        if canonical_name(k) == "step" and not k.endswith("/total"):
            return v
    return None


def _spread(parsed: list[tuple[int, str, list[list[tuple[str, str]]]]], res: GenericResult,
            lines: list[str], first_line: int) -> None:
    """Records spread over lines: a record ends where a name repeats."""
    cur: dict[str, str] = {}
    cur_keys: set[str] = set()
    cur_lines: list[int] = []

    def flush() -> None:
        nonlocal cur, cur_keys, cur_lines
        if cur:
            if _is_position_only(cur):
                for ln in cur_lines:
                    res.skipped.append((ln, lines[ln - first_line]))
            else:
                res.records.append(name_positions(cur))
        cur, cur_keys, cur_lines = {}, set(), []

    for ln, raw, recs in parsed:
        if not recs:
            res.skipped.append((ln, raw))
            continue
        for pairs in recs:
            keys = {alias_key(k) for k, _ in pairs}
            if cur_keys & keys:
                flush()
            for k, v in pairs:
                cur[k] = v
            cur_keys |= keys
            if not cur_lines or cur_lines[-1] != ln:
                cur_lines.append(ln)
    flush()


def _main_signature(pair_lines: list[list[tuple[str, str]]]) -> set[str] | None:
    """The name set most lines share, when most lines are whole records (>= 2 names)."""
    if not pair_lines:
        return None
    counts: dict[frozenset[str], int] = {}
    for pairs in pair_lines:
        if all(_is_position(k) for k, _ in pairs):
            continue  # a progress bar's `1/1` or an `Epoch 3/50` header: no record
        sig = frozenset(alias_key(k) for k, _ in pairs)
        counts[sig] = counts.get(sig, 0) + 1
    if not counts:
        return None
    # Most lines wins; on a tie, training names over validation ones (`val_d_loss`).
    sig, n = max(counts.items(), key=lambda kv: (kv[1], -sum(k.startswith(("val", "test", "eval"))
                                                             for k in kv[0])))
    total = sum(counts.values())
    if len(sig) >= 2 and (n * 2 >= total or (n * 3 >= total and n >= 3)):
        return set(sig)
    return None


def rest_pairs(text: str | None) -> dict[str, str]:
    """Extra ``name: value`` pairs of a known format's variant (``adv: 0.87, cycle: 0.21``)."""
    if not text:
        return {}
    return dict(parse_pairs(text))


__all__ = ["GenericResult", "pair_spans", "group_records", "name_positions", "parse_pairs", "rest_pairs",
           "header_names", "row_values", "html_tables_to_text"]
