"""The text parser shared by the regex engine (:mod:`.text`) and the vectorized path
(:mod:`.fastpath`): format detection, the known-format record parse, JSON lines,
the generic ``name: value`` fallback, and records -> DataFrame.

It lives beneath both engines so that neither imports the other: the text
reader calls the fast path for large inputs, and the fast path checks its
first records against this module's parse.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from ..frame import ParseStats, flatten_record
from .formats import FORMATS, GENERIC_NAME, JSONL_NAME, TextFormat, guess_trainer
from .generic import _EVAL_NAME, group_records, html_tables_to_text, pair_spans, parse_pairs, rest_pairs
from .records import strip_log_prefix

if TYPE_CHECKING:
    import pandas as pd

#: Records a format must show in the first 64 KiB to be picked without being forced.
_MIN_SNIFF_RECORDS = 1

_JSON_LINE = re.compile(r"^\s*\{.*\}\s*$", re.M)


@dataclass(frozen=True)
class Detection:
    """Which format the head of a log is in, and the evidence."""

    name: str
    records: int
    reason: str
    fmt: TextFormat | None = None


def detect(text: str) -> Detection:
    """The best format for ``text`` (normally the first 64 KiB): most records found wins."""
    best: Detection | None = None
    for fmt in FORMATS:
        if fmt.anchor and fmt.anchor not in text:
            continue
        n = 0
        for m in fmt.regex.finditer(text):
            if fmt.rest_only and not _match_has_metric(fmt, m):
                continue  # a progress bar of this shape without values is no record
            n += 1
            if n >= 200:
                break
        if n >= _MIN_SNIFF_RECORDS and (best is None or n > best.records):
            best = Detection(fmt.name, n, f"{n}{'+' if n >= 200 else ''} records in the "
                             f"{fmt.name!r} format ({fmt.title})", fmt)
    if best is not None:
        return best
    json_lines = len(_JSON_LINE.findall(text))
    if json_lines:
        return Detection(JSONL_NAME, json_lines, f"{json_lines} lines holding JSON objects")
    lines = [ln for ln in text.splitlines()[:500] if ln.strip()]
    kv = sum(1 for ln in lines if parse_pairs(ln))
    if not kv:
        kv = len(group_records(lines[:200]).records)  # a header naming rows of bare numbers
    if kv:
        return Detection(GENERIC_NAME, kv, f"no known format; {kv} of {len(lines)} lines hold "
                         "'name: value' pairs (generic fallback)")
    return Detection("", 0, "text, but no training records in any known format or as name: value pairs")


def nan_columns(frame: "pd.DataFrame", records: list[dict[str, Any]]) -> list[str]:
    """Columns with no number but printed values (``nan``, ``inf``): a run gone NaN, not an empty column."""
    out = []
    for c in frame.columns:
        if frame[c].isna().all() and any(isinstance(r.get(c), str) and r.get(c).strip().lower() in
                                         ("nan", "-nan", "+nan") for r in records[:1000]):
            out.append(str(c))
    return out


_NAN_WORDS = ("nan", "-nan", "+nan")


def printed_nan_counts(records: "list[dict[str, Any]]", columns: "Iterable[str]") -> dict[str, int]:
    """How many records printed each column's value as ``nan`` (a string or a JSON ``NaN``).

    A table has one row per record, so a column is NaN both where ``nan`` was printed and
    where the record never printed the name (FID evaluated every N ticks); only the reader
    still sees the difference. Columns never printed as nan are left out.
    """
    out: dict[str, int] = {}
    for c in columns:
        n = 0
        for r in records:
            v = r.get(c)
            if v is None:
                continue
            if isinstance(v, str):
                n += v.strip().lower() in _NAN_WORDS
            elif isinstance(v, float) and v != v:
                n += 1
        if n:
            out[str(c)] = n
    return out


def records_to_frame(records: list[dict[str, Any]]) -> "pd.DataFrame":
    """Records (printed text values) -> a DataFrame of floats, converted column by column in C.

    ``pandas.to_numeric`` reads ``nan``, ``inf``, ``-inf``; what it cannot read (``N/A``,
    ``None``) is NaN, as :func:`ganlog.frame.to_float` would make it.
    """
    import pandas as pd

    keys: dict[str, None] = {}
    for r in records[:1000]:
        keys.update(dict.fromkeys(r))
    if len(records) > 1000:
        for r in records:
            if len(r) != len(keys) or any(k not in keys for k in r):
                keys.update(dict.fromkeys(r))
    cols: dict[str, Any] = {}
    for k in keys:
        vals = [r.get(k) for r in records]
        if k == "segment":
            cols[k] = pd.Series(vals, dtype="float64").fillna(0).astype("int64")
            continue
        ser = pd.Series(vals, dtype=object)
        num = pd.to_numeric(ser, errors="coerce")
        cols[k] = num.astype("float64")
    return pd.DataFrame(cols)


def format_meta(reason: str, fmt: TextFormat | None, head: str) -> dict[str, Any]:
    """The run's reading metadata: why this format, and the trainer it implies when known."""
    meta: dict[str, Any] = {"format_reason": reason}
    trainer = fmt.trainer if fmt is not None else guess_trainer(head)
    if fmt is not None and fmt.name == "stylegan":
        trainer = guess_trainer(head) or trainer  # StyleGAN (TF), StyleGAN3 or StyleGAN2-ADA by what they print
    if trainer:
        meta["trainer"] = trainer
    if fmt is not None and fmt.scopes:
        meta["scopes"] = dict(fmt.scopes)
    return meta


def first_skip(stats: ParseStats) -> str | None:
    if stats.skipped_examples:
        ex = stats.skipped_examples[0]
        return f"line {ex.line}"
    return None


def _starts_record(fmt: TextFormat, line: str) -> bool:
    if fmt.record_start:
        return re.search(fmt.record_start, line) is not None
    return any(ch.isdigit() for ch in line) and bool(parse_pairs(line))


def _dangling_name(line: str) -> bool:
    """``loss_d: 0.5 loss_g`` / ``loss_d: 0.5 loss_g:``: a name whose value was cut off."""
    pairs = pair_spans(line)
    if not pairs:
        return False
    tail = line[pairs[-1][2]:].strip()
    return bool(tail) and (tail[-1] in ":=" or (tail.replace("_", "").isalnum() and not tail.isdigit()
                                                 and len(tail) > 1 and tail.lower() not in _TAIL_WORDS))


_TAIL_WORDS = {"s", "ms", "sec", "secs", "seconds", "min", "it/s", "s/it"}


def check_truncated(text: str, fmt: TextFormat | None, name: str, stats: ParseStats) -> None:
    """A last line without its newline that is not a whole record is a cut-off record."""
    if text.endswith("\n"):
        return
    last = text[text.rfind("\n") + 1:][-8192:]  # a 50 MB line: its end is what matters
    if not last.strip():
        return
    # A last line that is whole (a record, or a line that is no record at all such as
    # "Training finished") is complete; only the start of a record without its end is cut.
    if fmt is not None:
        matches = list(fmt.regex.finditer(last))
        tail = last[matches[-1].end():] if matches else last
        cut = (bool(fmt.anchor) and fmt.anchor in tail) or (not matches and _starts_record(fmt, last))
    elif name == JSONL_NAME:
        try:
            json.loads(last)
            cut = False
        except json.JSONDecodeError:
            cut = last.lstrip().startswith("{")
    else:
        cut = _dangling_name(last)
    if cut:
        line = text.count("\n") + 1
        stats.warn(f"the last line (line {line:,}) is cut off and was not read; "
                   "the log may be truncated", partial=True)


class _LineCounter:
    """Offsets to line numbers, moving forward only (linear over the whole text)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def at(self, pos: int) -> int:
        if pos > self.pos:
            self.line += self.text.count("\n", self.pos, pos)
            self.pos = pos
        return self.line


def parse_known(text: str, fmt: TextFormat, stats: ParseStats) -> list[dict[str, Any]]:
    """Every record of ``fmt`` in ``text``; the text between records is context or skipped."""
    records: list[dict[str, Any]] = []
    counter = _LineCounter(text)
    epoch_rx, seg_rx = fmt.epoch_regex, fmt.segment_regex
    epoch: str | None = None
    segment = 0
    pos = 0
    rest_groups = [g for g in fmt.regex.groupindex if g.startswith("_rest")]
    attached: list[int] = []
    early: dict[str, Any] = {}  # metrics printed before the first record (an excerpt's first line)
    pending: list[tuple[int, str]] = []
    column = fmt.printed.get

    def gap(start: int, end: int) -> None:
        nonlocal epoch, segment
        if end <= start:
            return
        chunk = text[start:end]
        if "\n" not in chunk and start > 0:
            # Text after a record on its line (an ETA, a separator). At the very end, a piece
            # holding the format's anchor is a record cut off by truncation.
            if end == len(text) and fmt.anchor and fmt.anchor in chunk:
                stats.skip(counter.at(start), chunk.strip(), "a record cut off at the end")
            return
        pieces = chunk.split("\n")
        line0 = counter.at(start)
        for k, piece in enumerate(pieces):
            # The first piece ends the previous record's line, the last one prefixes the next
            # record (a logging prefix): whole lines only, except at the very start and end.
            if k == 0 and start > 0 and len(pieces) > 1:
                continue
            if k == len(pieces) - 1 and end < len(text) and len(pieces) > 1:
                continue
            s = piece.strip()
            if not s:
                continue
            if epoch_rx is not None:
                m = epoch_rx.search(s)
                if m:
                    epoch = m.group("epoch")
                    continue
            if seg_rx is not None and seg_rx.search(s):
                if records:
                    segment += 1
                continue
            if records and _attach_eval(records[-1], s):
                attached.append(line0 + k)
                continue
            if not records and _eval_only(s) and _attach_eval(early, s):
                pending.append((line0 + k, piece.strip()))  # a metric line before the first record
                continue
            stats.skip(line0 + k, piece.strip())

    for m in fmt.regex.finditer(text):
        gap(pos, m.start())
        rec: dict[str, Any] = {}
        for key, val in m.groupdict().items():
            if val is None or key.startswith("_"):
                continue
            if "," in val:
                val = val.replace(",", "")  # `iter: 1,000`
            rec[column(key, key)] = val
        for g in rest_groups:
            for k, v in rest_pairs(m.group(g)).items():
                # extras inside the "[D loss: ...]" bracket are D's (acc -> d_acc)
                if g == "_rest_d" and not k.lower().startswith("d"):
                    k = "D " + k
                elif g == "_rest_g" and k in rec:
                    k = "G " + k  # `[D loss: .., acc: ..] [G loss: .., acc: ..]`: scoped, not lost
                rec.setdefault(k, v)
        pos = m.end()
        if not _has_metric(rec):
            # A progress bar without values (a Keras download bar `80142336/80134624 [===]`)
            stats.skip(counter.at(m.start()), m.group(0).strip(), "a progress line without values")
            continue
        if epoch is not None and "epoch" not in rec:
            rec["epoch"] = epoch
        if seg_rx is not None:
            rec["segment"] = segment
        if not records and pending:
            for key, val in early.items():
                rec.setdefault(key, val)
            attached.extend(ln for ln, _t in pending)
        records.append(rec)
    gap(pos, len(text))
    if not records:
        for ln, t in pending:
            stats.skip(ln, t)
    if fmt.kimg_step:
        kimg_to_step(records)
    if attached:
        stats.warn(f"{len(attached):,} evaluation line(s) (first at line {attached[0]:,}) were read as "
                   "sparse columns of the training record before them")
    return records


def _attach_eval(record: dict[str, Any], line: str) -> bool:
    """An evaluation line between records (``FID: 23.1``): its metrics join the record before."""
    if not any(c.isdigit() for c in line):
        return False
    if line.startswith("{") and line.endswith("}"):
        pairs = _json_pairs(line)  # StyleGAN prints its metric-*.jsonl lines into log.txt too
    else:
        pairs = parse_pairs(strip_log_prefix(line))
    added = False
    for k, v in pairs:
        if _POSITION_NAME.match(k) or k.endswith("/total") or k in record or k == "time":
            continue
        record[k] = v
        added = True
    return added


_INDEX_KEYS = frozenset({"epoch", "iter", "iters_per_epoch", "step", "segment"})


def _has_metric(rec: dict[str, Any]) -> bool:
    return any(k not in _INDEX_KEYS for k in rec)


def _match_has_metric(fmt: TextFormat, m: re.Match[str]) -> bool:
    return any(bool(rest_pairs(m.group(g))) for g in fmt.regex.groupindex if g.startswith("_rest") and m.group(g))


def _eval_only(line: str) -> bool:
    """A line of one to three evaluation metrics (``fid50k_full 46.56``), nothing else."""
    pairs = [(k, v) for k, v in (_json_pairs(line) if line.startswith("{") else parse_pairs(strip_log_prefix(line)))
             if k != "time" and not _POSITION_NAME.match(k)]
    return 0 < len(pairs) <= 3 and all(_EVAL_NAME.search(k) for k, _ in pairs)


def _json_pairs(line: str) -> list[tuple[str, str]]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        return []
    if not isinstance(obj, dict):
        return []
    out = []
    for k, v in flatten_record(obj).items():
        if isinstance(v, (int, float)) and not isinstance(v, bool) and not k.startswith(("total_time", "num_gpus",
                                                                                       "timestamp")):
            out.append((k[len("results/"):] if k.startswith("results/") else k, repr(float(v))))
    return out


_POSITION_NAME = re.compile(r"(?i)(?:epoch|iter|iteration|step|steps|batch|it|itr|global_step)(?![a-z_])")


def parse_jsonl(text: str, stats: ParseStats) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    by_iter: dict[str, dict[str, Any]] = {}
    attached = 0
    for i, line in enumerate(text.split("\n"), 1):
        s = line.strip()
        if not s:
            continue
        if s.startswith("{"):
            try:
                obj = json.loads(s)
            except json.JSONDecodeError as exc:
                stats.skip(i, s, f"not valid JSON ({exc.msg} at column {exc.colno})")
                continue
            if isinstance(obj, dict):
                rec = {k: v for k, v in flatten_record(obj).items()
                       if isinstance(v, (int, float, str)) or v is None}
                if not any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in rec.values()):
                    stats.skip(i, s, "a JSON object without numbers (a run's config or environment)")
                    continue
                mode = str(rec.get("mode", "")).lower()
                if mode in _EVAL_MODES and records:
                    # mmgeneration / mmcv .log.json: evaluation entries are sparse columns of the
                    # training entry of their iteration (or the one before), not records
                    target = by_iter.get(str(rec.get("iter")), records[-1])
                    for k, v in rec.items():
                        if k not in ("mode", "iter", "epoch") and k not in target:
                            target[k] = v
                    attached += 1
                    continue
                records.append(rec)
                if "iter" in rec:
                    by_iter[str(rec["iter"])] = rec
                continue
        stats.skip(i, s)
    if attached:
        stats.warn(f"{attached:,} evaluation entr{'y was' if attached == 1 else 'ies were'} read as sparse "
                   "columns of the training entry of their iteration")
    return records


_EVAL_MODES = frozenset({"val", "eval", "test", "valid", "validation"})


def parse_generic(text: str, stats: ParseStats, meta: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Records of a log in no known format; ``meta`` receives ``scopes`` (see :mod:`.generic`)."""
    if "<table" in text and "<t" in text:
        text = html_tables_to_text(text)
    res = group_records(text.split("\n"))
    if meta is not None and res.scopes:
        meta["scopes"] = dict(res.scopes)
    if res.attached:
        stats.warn(f"{len(res.attached):,} evaluation line(s) (first at line {res.attached[0]:,}) were "
                   "read as sparse columns of the training record of their step")
    for ln, t in res.skipped:
        if t.strip():
            stats.skip(ln, t.strip())
    return res.records


def kimg_to_step(records: list[dict[str, Any]]) -> None:
    """StyleGAN's progress is images seen: the step is ``kimg * 1000``, as for its stats.jsonl."""
    for r in records:
        k = r.get("kimg")
        if k is not None and "step" not in r:
            try:
                r["step"] = str(round(float(k) * 1000))
            except ValueError:
                pass


def estimate_iters_per_epoch(records: list[dict[str, Any]], key: str = "iter") -> None:
    """Trainers that print the iteration but not the per-epoch total (CycleGAN's loss_log):
    the largest iteration printed is the best estimate, so steps stay monotone across epochs."""
    iters = [float(r[key]) for r in records if r.get(key) is not None]
    if not iters:
        return
    per = max(iters)
    for r in records:
        r.setdefault("iters_per_epoch", per)


__all__ = ["Detection", "detect", "parse_known", "parse_jsonl", "parse_generic", "records_to_frame",
           "check_truncated", "first_skip", "format_meta", "nan_columns", "printed_nan_counts", "kimg_to_step", "estimate_iters_per_epoch"]
