"""The ``name: value`` tokenizer: one line of a log -> the values in it and their names.

Values are found first, in one left-to-right scan (:data:`VALUE_RE`); each
value's name is then read from the text between it and the previous value
(its *gap*), looking at no more than the gap's last :data:`_GAP_TAIL`
characters. Both steps are linear in the length of the line, so a 50 MB line
without a newline costs what 50 MB of ordinary lines cost.

What the gap rules handle:

* separators ``name: v``, ``name=v``, ``name v``, ``[name: v]``, ``name:(v,)``, tabs;
* multi-word names (``running discriminator loss: 0.3``, ``disc cost\\t-2.04``, ``D loss``);
* a value glued to the next name (``loss_D: 0.51loss_G: 1.2``) and units after values
  (``12s``, ``44.1it/s``, ``51.41 s``), which are not names;
* a text value before a name (``mode: train D_loss: 0.5``): the name is ``D_loss``;
* timestamps and durations (``2021-03-02 10:11:12``, ``0:00:29``) are not values.

Numbers: ``1,234.5`` and ``1_000`` are single numbers (thousands separators);
``0.5,0.7`` is a list of two; ``e/E`` with integers ``e <= E`` is a position and
its total; ``a / b`` otherwise two values; ``50%`` is 50.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..frame import alias_key as _alias_key

#: Names and gaps repeat on every record of a log: their analysis is cached.
alias_key = lru_cache(maxsize=8192)(_alias_key)

_NONFINITE = r"[-+]?(?:nan|NaN|NAN|inf|Inf|INF|infinity|Infinity)(?![A-Za-z])|N/A|None(?!\w)"
VALUE_RE = re.compile(
    # time stamps (4- or 2-digit years) and clock durations: matched so that they are skipped
    r"(?P<stamp>(?<![\w.])(?:\d{4}-\d\d-\d\d|\d\d-\d\d-\d\d(?=[ T]\d))(?:[ T]\d\d:\d\d(?::\d\d)?(?:[.,]\d+)?)?"
    r"|(?<![\w.:])\d+:\d\d(?::\d\d)?(?:[.,]\d+)?(?![\d:]))"
    r"|(?<![\w.\-])(?P<num>[-+]?(?:"
    r"[1-9]\d{0,2}(?:,\d{3})+(?!\d|,\d)(?:\.\d+)?"  # 12,400  1,234.5 (never 0.5,0.7)
    r"|[1-9]\d{0,2}(?:_\d{3})+(?!\d)(?:\.\d+)?"  # 1_000
    r"|\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
    r"|" + _NONFINITE + r")(?![\d_])(?P<pct>%)?"
)

#: First words of a name that say whose value it is (``D loss``, ``Dis_loss``, ``G acc``).
SCOPES = frozenset({"d", "g", "dis", "disc", "gen", "critic", "netd", "netg", "da", "db", "ga", "gb"})
#: Last words of a name that make a two-word name after a text value (``mode: train D loss``).
_NOUNS = frozenset({"loss", "cost", "acc", "accuracy", "score", "err", "error", "penalty", "gp", "real", "fake"})
#: Names that are timing estimates, not training metrics.
NOT_METRICS = frozenset({"eta", "epocheta", "remaining", "elapsedtime", "elapsed"})

_GAP_TAIL = 256
_WORD_RE = re.compile(r"[A-Za-z_(][\w.()/\-]*$")
_HARD = re.compile(r"[,;|\[\]{}\"'\t<>]| - ")
_HARD_WEAK = re.compile(r"[,;|\[\]{}\"'\t<>]| - |  ")
_INT_RE = re.compile(r"[-+]?\d+$")


@dataclass
class Token:
    """One value in a line: its name (None when it has none), text and span."""

    name: str | None
    value: str
    start: int
    end: int
    pct: bool = False
    #: the network a group name gives its values (``Generator_Loss (Content/Advers/Total): ..``)
    scope: str | None = None


def _clean_name(name: str) -> str:
    name = name.strip(" .-/:")
    if name.count("(") > name.count(")"):
        name = name.lstrip("(")
    depth, cut = 0, -1
    for i, c in enumerate(name):  # "score (Step": the name starts after an unclosed "("
        if c == "(":
            depth += 1
            if depth == 1:
                cut = i
        elif c == ")":
            depth = max(depth - 1, 0)
    if depth > 0 and cut >= 0:
        name = name[cut + 1:]
    if name.count(")") > name.count("("):
        name = name.rstrip(")")
    return name.strip(" .-/:")


def _words(body: str, most: int, loose: bool = False) -> list[str]:
    """The last words of ``body``, single spaces apart (``loose``: any run of spaces, kept as printed)."""
    out: list[str] = []
    parts = re.split(r"( +)", body) if loose else body.split(" ")
    if loose:
        # [w, sp, w, sp, w]: walk back over words, keeping the spaces between them
        i, n = len(parts) - 1, 0
        while i >= 0:
            w = parts[i]
            if not w or not _WORD_RE.match(w):
                break
            out.append(w)
            n += 1
            if n >= most or i < 2:
                break
            out.append(parts[i - 1])
            i -= 2
        if out and not _WORD_RE.match(out[-1]):
            out.pop()
        out.reverse()
        return ["".join(out)] if out else []
    for w in reversed(parts):
        if not w or not _WORD_RE.match(w):
            break
        out.append(w)
        if len(out) >= most:
            break
    out.reverse()
    return out


#: Spaced units after a value (``51.41 s``); any word glued to a value (``12s``) is a unit too.
_SPACED_UNITS = frozenset({"s", "sec", "secs", "seconds", "ms", "min", "mins", "it/s", "s/it", "img/s",
                           "imgs/s", "samples/s", "ms/step", "s/step", "steps/s"})

_SMALL_WORDS = frozenset({"a", "an", "the", "of", "for", "to", "at", "in", "on", "with", "from", "by", "is",
                          "and", "or", "after", "before", "per", "was", "are", "be"})

_GLUED_UNITS = _SPACED_UNITS | {"m", "h", "d", "x", "k", "us", "us/step", "it", "mb", "gb", "kb"}


@lru_cache(maxsize=8192)
def name_from_gap(gap: str, after_value: bool) -> str | None:
    """The name a value gets from the text before it (``None``: it has none)."""
    if len(gap) > _GAP_TAIL:
        gap = gap[-_GAP_TAIL:]
        after_value = False
    body = gap.rstrip(" \t:=[(<")
    sep = gap[len(body):]
    if not body or not any(c.isalpha() for c in body):
        return None
    strong = ":" in sep or "=" in sep
    hard = None
    for hard in (_HARD if strong else _HARD_WEAK).finditer(body):
        pass
    seg = body[hard.end():] if hard is not None else body
    if after_value and hard is None:
        # Right after the previous value: a unit (`12s`, `51.41 s`) is not a name, but a
        # word glued to the value and followed by `:` is the next name (`0.51loss_G: 1.2`).
        glued = seg[:1].isalpha() or seg[:1] == "_"
        first, _, rest = seg.lstrip(" ").partition(" ")
        if glued:
            if not rest:
                if not strong:
                    return None
            elif first.lower() in _GLUED_UNITS or not strong:
                seg = rest
        elif first.lower() in _SPACED_UNITS:
            seg = rest
            if not seg.strip():
                return None
    # A text value before this name (`mode: train D_loss`): the name starts after it.
    cut = max(seg.rfind(":"), seg.rfind("="))
    if cut >= 0:
        words = _words(seg[cut + 1:], 6)
        if len(words) >= 2:
            two = [w.lower() for w in words[-2:]]
            if two[0] in SCOPES and two[1].rstrip(".") in _NOUNS:
                return _clean_name(" ".join(words[-2:])) or None
            return _clean_name(words[-1]) or None
        return _clean_name(" ".join(words)) or None
    words = _words(seg, 6, loose=True) if strong else _words(seg, 3)
    if not strong:
        # prose before a number ("Testing for epoch 1", "Epoch 2 of 50"): the name follows its last small word
        for k in range(len(words) - 1, -1, -1):
            if words[k].lower() in _SMALL_WORDS:
                words = words[k + 1:]
                break
    if not words:
        return None
    return _clean_name(" ".join(words)) or None


#: ``FID score (Step: 100000, Using test moments): 135.8``: a name qualified by a parenthesis
#: holding numbers; read as ``Step: 100000, Using test moments, FID score: 135.8``.
_QUALIFIED = re.compile(r"(?<![\w)])([A-Za-z][\w.\-]*(?: [A-Za-z][\w.\-]*){0,4}) ?\(([^()\n]*\d[^()\n]*)\)\s*:(?=\s*[-+.\d])")


_NUM_S = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|nan|inf"
#: ``Generator_Loss (Content/Advers/Total): 0.0021/1.2429/0.0033``: one value per sub-name.
_GROUPED = re.compile(r"[A-Za-z][\w.\-]*\s*\(([A-Za-z_][\w.\-]*(?:/[A-Za-z_][\w.\-]*)+)\)\s*:\s*"
                      r"((?:" + _NUM_S + r")(?:\s*/\s*(?:" + _NUM_S + r"))+)")


#: network words a group name may start or end with (``Generator_Loss``, ``D_losses``)
_GROUP_NETWORKS = frozenset({"generator", "discriminator", "generators", "discriminators"})


def _group_scope(name: str) -> str | None:
    """``Generator`` for ``Generator_Loss``, ``D`` for ``D_losses``; None when no network is named."""
    own = scope_word(name)
    if own is not None:
        return own
    parts = [p for p in re.split(r"[\s_/]+|(?<=[a-z])(?=[A-Z])", name) if p]
    for p in (parts[:1] + parts[-1:]) if len(parts) > 1 else ():
        if p.lower() in _GROUP_NETWORKS:
            return p
    return None


def _ungroup(m: re.Match[str], scoped: dict[str, str] | None = None) -> str:
    subs, vals = m.group(1).split("/"), re.split(r"\s*/\s*", m.group(2))
    if len(subs) != len(vals):
        return m.group(0)
    if scoped is not None:
        scope = _group_scope(m.group(0).split("(")[0].strip())
        if scope is not None:
            for a in subs:
                scoped.setdefault(a, scope)
    return " ".join(f"{a}: {b}" for a, b in zip(subs, vals))


def tokenize(line: str) -> list[Token]:
    """Every value in ``line`` with its name, in order (timestamps and durations dropped).

    A grouped print ``Generator_Loss (Content/Advers/Total): c/a/t`` gives one value per
    sub-name, each scoped (``Token.scope``) to the network the group names.
    """
    scoped: dict[str, str] = {}
    if "(" in line and "):" in line:
        if "/" in line:
            line = _GROUPED.sub(lambda m: _ungroup(m, scoped), line)
        line = _QUALIFIED.sub(lambda m: f"{m.group(2)}, {m.group(1)}:", line)
    out: list[Token] = []
    prev_end = 0
    prev_was_value = False
    for m in VALUE_RE.finditer(line):
        if m.group("stamp") is not None:
            prev_end, prev_was_value = m.end(), True
            continue
        start = m.start("num")
        gap = line[max(prev_end, start - _GAP_TAIL - 1):start]  # a longer gap is cut in name_from_gap
        raw = m.group("num")
        name = name_from_gap(gap, prev_was_value and prev_end > 0)
        if name is None and out and out[-1].name is None and gap.strip() == "/" and out[-1].end == prev_end \
                and raw.isdigit() and out[-1].value.isdigit() and int(out[-1].value) <= int(raw):
            out[-1].name, name = "iter", "iter\x00/"  # a bare `450/500` progress position
            if len(out) >= 3 and out[-3].name == "iter" and out[-2].name == "iter\x00/" \
                    and line[out[-2].end:out[-1].start].strip() in ("][", "] [", ")(", "]"):
                out[-3].name, out[-2].name = "epoch", "epoch\x00/"  # `[4/100][2112/2112]`
        elif name is None and out and out[-1].end == prev_end:
            # `a/b`, or a list `a, b` after a named value: the same name
            g = gap.strip()
            if g in ("/", ",", ";", "") and out[-1].name is not None:
                name = out[-1].name + ("\x00/" if g == "/" else "\x00,")
        if "," in raw or "_" in raw:
            raw = raw.replace(",", "").replace("_", "")
        out.append(Token(name, raw, m.start("num"), m.end("num"), m.group("pct") is not None))
        prev_end, prev_was_value = m.end(), True
    out = _name_lists(out)
    if scoped:
        for t in out:
            if t.name in scoped:
                t.scope = scoped[t.name]
    return out


def _name_lists(tokens: list[Token]) -> list[Token]:
    """``x: a / b`` -> ``x`` + ``x/total`` (positions) or ``x1`` + ``x2``; lists ``x: a, b`` -> ``x1``, ``x2``."""
    if not any(t.name and "\x00" in t.name for t in tokens):
        return tokens
    i = 0
    while i < len(tokens):
        t = tokens[i]
        j = i + 1
        while j < len(tokens) and tokens[j].name is not None and "\x00" in tokens[j].name:
            j += 1
        if j - i > 1 and t.name is not None:
            base = t.name
            slash = j - i == 2 and tokens[i + 1].name.endswith("\x00/")  # type: ignore[union-attr]
            a, b = t.value, tokens[i + 1].value
            if slash and _INT_RE.match(a) and _INT_RE.match(b) and int(a) <= int(b):
                tokens[i + 1].name = base + "/total"
            else:
                for k in range(i, j):
                    tokens[k].name = f"{base}{k - i + 1}"
        i = j
    for t in tokens:
        if t.name is not None and "\x00" in t.name:
            t.name = t.name.split("\x00")[0]
    return tokens


@lru_cache(maxsize=8192)
def scope_word(name: str) -> str | None:
    """``D`` for ``D loss`` / ``D_loss`` / ``loss_D``; None when the name names no network."""
    parts = [p for p in re.split(r"[\s_/]+|(?<=[a-z])(?=[A-Z])", name) if p]
    if len(parts) < 2:
        return None
    if parts[0].lower() in SCOPES:
        return parts[0]
    if parts[-1].lower() in SCOPES:
        return parts[-1]
    return None


def _bracket_groups(line: str, tokens: list[Token]) -> list[int]:
    """For each token, the start of the innermost ``[...]`` around it (-1: none)."""
    out: list[int] = []
    stack: list[int] = []
    pos = 0
    for t in tokens:
        for i in range(pos, t.start):
            c = line[i]
            if c == "[":
                stack.append(i)
            elif c == "]" and stack:
                stack.pop()
        pos = t.start
        out.append(stack[-1] if stack else -1)
    return out


def scoped_pairs(line: str, scope_notes: dict[str, str] | None = None) -> list[list[tuple[str, str, int, int]]]:
    """The named values of ``line`` as records: ``[[(name, value, start, end), ...], ...]``.

    Printed names are kept; a name repeated in one record is scoped rather than overwritten:
    ``[D loss: 0.6, acc: 50%] [G loss: 0.9, acc: 12%]`` and ``D loss: .., acc: .. G loss: ..,
    acc: ..`` give ``D acc`` and ``G acc`` (the scope is the bracket's first name, else the
    last name that names a network). A name repeated without a scope starts the next record
    (a paste that lost its newlines). ``scope_notes`` collects, for the names kept as printed,
    the network whose bracket or run of names they sit in (``acc`` -> ``D``).
    """
    tokens = [t for t in tokenize(line) if t.name is not None]
    if not tokens:
        return []
    groups = _bracket_groups(line, tokens) if "[" in line else [-1] * len(tokens)
    group_scope: dict[int, str | None] = {}
    cur_scope: str | None = None
    names: list[str] = []
    scopes: list[str | None] = []
    for t, g in zip(tokens, groups):
        name = t.name or ""
        own = scope_word(name)
        if own is not None:
            cur_scope = own
        scope = cur_scope
        if t.scope is not None and own is None:
            scope = t.scope  # a sub-name of a grouped print: the group's network
            if scope_notes is not None:
                scope_notes.setdefault(name, t.scope)
        if g >= 0:
            if g not in group_scope:
                group_scope[g] = own
            scope = group_scope[g] or cur_scope
            if scope_notes is not None and group_scope[g] and own is None:
                scope_notes.setdefault(name, group_scope[g])
        names.append(name)
        scopes.append(scope if own is None else None)
    records: list[list[tuple[str, str, int, int]]] = [[]]
    seen: dict[str, int] = {}
    for k, t in enumerate(tokens):
        key = alias_key(names[k])
        if key in seen:
            j = seen[key]
            sj, sk = scopes[j], scopes[k]
            if sj and sk and sj != sk:
                # the same name under two scopes: name both
                rec = records[-1]
                for idx, (n, v, a, b) in enumerate(rec):
                    if a == tokens[j].start:
                        rec[idx] = (f"{sj} {n}", v, a, b)
                del seen[key]
                seen[alias_key(f"{sj} {names[j]}")] = j
                names[k] = f"{sk} {names[k]}"
                key = alias_key(names[k])
            else:
                records.append([])
                seen = {}
        seen[key] = k
        records[-1].append((names[k], t.value, t.start, t.end))
    return [r for r in records if r]


def nameless_values(line: str) -> list[str] | None:
    """The values of a row of bare numbers (no names at all), or None."""
    tokens = tokenize(line)
    if len(tokens) < 1 or any(t.name is not None for t in tokens):
        return None
    return [t.value for t in tokens]


__all__ = ["VALUE_RE", "Token", "tokenize", "name_from_gap", "scoped_pairs", "scope_word", "nameless_values",
           "SCOPES", "NOT_METRICS"]
