"""The generic fallback: read ``name: value`` pairs from a log nobody described.

Most trainers print some variant of ``name: value``, ``name=value``,
``[name: value]`` or ``name value``, sometimes one record per line, sometimes
one value per line. The tokenizer finds the pairs; :func:`group_records`
joins lines into records (a record ends where a name repeats); the alias
table then maps the names. Known formats use the same tokenizer for the
free ``extra: value`` text their variants add.

Value conventions:

* ``e/E`` with integers ``e <= E`` is a position and its total (``Epoch 1/5``);
* ``a / b`` otherwise is two values, named ``name1`` and ``name2``
  (``D(G(z)): 0.11 / 0.12`` gives ``D(G(z))1`` and ``D(G(z))2``, i.e. ``d_g_z1``/``d_g_z2``);
* durations (``01:04:13``, ``ETA: 1:30``) are not metrics and are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..frame import alias_key, canonical_name
from .formats import NUM
from .records import strip_log_prefix

_NAME = r"[A-Za-z_][\w.()/\-]*?(?:[ ][A-Za-z_][\w.()/\-]*?){0,5}?"
_DURATION = r"\d+:\d\d(?::\d\d)?(?:\.\d+)?"
_WORD = r"[A-Za-z_][\w.()/\-]*?"
KV_RE = re.compile(
    r"(?:(?<![\w.])|(?<=\d)(?=[A-Z][a-z]))"
    # several words before ':' ("Time for the last step: 51.55"), one word before '=' or a space
    r"(?:(?P<name>" + _NAME + r")\s*:\s*\[?\s*|(?P<name1>" + _WORD + r")(?:\s*=\s*|\s+))"
    r"(?:(?P<dur>" + _DURATION + r")|(?P<val>" + NUM + r")%?(?:\s*/\s*(?P<val2>" + NUM + r")%?)?)"
    r"(?![\d.:]|[A-Za-z_]*[:=])"
)

#: Names that are timing estimates, not training metrics.
_NOT_METRICS = {"eta", "epocheta", "remaining", "elapsedtime"}
_INT_RE = re.compile(r"[-+]?\d+$")
# Names that only ever label a position, never a metric.
_POSITION_KEYS = {"epoch": "epoch", "iter": "iter", "step": "step"}


def pair_spans(text: str) -> list[tuple[str, int, int]]:
    """``[(name, start, end), ...]``: each value's name and where its text lies in ``text``."""
    out: list[tuple[str, int, int]] = []
    for m in KV_RE.finditer(text):
        if m.group("dur") is not None:
            continue
        name = (m.group("name") or m.group("name1")).strip(" .-/")
        if not name or alias_key(name) in _NOT_METRICS:
            continue
        a, b = m.group("val"), m.group("val2")
        if b is None:
            out.append((name, m.start("val"), m.end("val")))
        elif _INT_RE.match(a) and _INT_RE.match(b) and int(a) <= int(b):
            out.append((name, m.start("val"), m.end("val")))
            out.append((name + "/total", m.start("val2"), m.end("val2")))
        else:
            out.append((name + "1", m.start("val"), m.end("val")))
            out.append((name + "2", m.start("val2"), m.end("val2")))
    return out


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """``[(name, value_text), ...]`` in the order printed; durations dropped."""
    return [(name, text[a:b]) for name, a, b in pair_spans(text)]


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


def _is_position_only(rec: dict[str, str]) -> bool:
    return all(canonical_name(k.split("/")[0]) in _POSITION_KEYS or k.endswith("/total") for k in rec)


def group_records(lines: list[str], first_line: int = 1) -> GenericResult:
    """Parse key/value lines and join them into records.

    A record ends where a name repeats or after a blank line following values;
    a line without any pair is skipped. Records with no metric (only positions)
    are skipped too.
    """
    res = GenericResult()
    parsed: list[tuple[int, str, list[tuple[str, str]]]] = []
    for i, raw in enumerate(lines):
        line = strip_log_prefix(raw.strip())
        if line:
            parsed.append((first_line + i, raw, parse_pairs(line)))
    main = _main_signature([p for _, _, p in parsed if p])
    if main is not None:
        # One record per line: lines sharing the main line's names are records, others skipped
        # (a config line "lr=0.0002 batch=64" is not a training record).
        for ln, raw, pairs in parsed:
            keys = {alias_key(k) for k, _ in pairs}
            if len(pairs) >= 2 and len(keys & main) * 2 >= len(main):
                rec = name_positions(dict(pairs))
                if not _is_position_only(rec):
                    res.records.append(rec)
                    continue
            res.skipped.append((ln, raw))
        return res
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

    for ln, raw, pairs in parsed:
        if not pairs:
            res.skipped.append((ln, raw))
            continue
        keys = {alias_key(k) for k, _ in pairs}
        if cur_keys & keys:
            flush()
        for k, v in pairs:
            cur[k] = v
        cur_keys |= keys
        cur_lines.append(ln)
    flush()
    return res


def _main_signature(pair_lines: list[list[tuple[str, str]]]) -> set[str] | None:
    """The name set most lines share, when most lines are whole records (>= 2 names)."""
    if not pair_lines:
        return None
    counts: dict[frozenset[str], int] = {}
    for pairs in pair_lines:
        sig = frozenset(alias_key(k) for k, _ in pairs)
        counts[sig] = counts.get(sig, 0) + 1
    sig, n = max(counts.items(), key=lambda kv: kv[1])
    if len(sig) >= 2 and n * 2 >= len(pair_lines):
        return set(sig)
    return None


def rest_pairs(text: str | None) -> dict[str, str]:
    """Extra ``name: value`` pairs of a known format's variant (``adv: 0.87, cycle: 0.21``)."""
    if not text:
        return {}
    return dict(parse_pairs(text))


__all__ = ["KV_RE", "GenericResult", "pair_spans", "group_records", "name_positions", "parse_pairs", "rest_pairs"]
