"""One event, one finding: merge what the detectors reported more than once, and fit the remedies.

Detectors report per column and per stretch, which is the right grain to
measure at and the wrong one to read: a NaN that reaches five columns at one
step is one event, and a D frozen over three stretches is one problem. Every
output (terminal, JSON, JUnit, GitHub annotations, HTML) renders the merged
list, so each says it once.

Rules, applied in order:

1. Same code and same column (or no column), several stretches: one finding
   whose span covers them all, with ``evidence["spans"]`` listing each
   ``[start, end]`` step pair. Regime changes (GAN302) stay separate: each is
   its own event at its own step.
2. Same code, several columns, starting at the same step (any start for
   GAN401: non-finite values spread within a step or two): one finding with
   ``evidence["columns"]`` listing them.
3. Each finding keeps only the remedies that fit the run
   (:func:`ganlog.remedies.select`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Iterable

from .detectors.base import Finding, Span

if TYPE_CHECKING:
    from .frame import Run

#: codes whose separate stretches are separate events
KEEP_STRETCHES = frozenset({"GAN302"})
#: evidence counts that add up when stretches merge
SUMMED = ("records", "equal_records", "count", "spikes")
#: codes whose columns are one event whatever step each starts at
ONE_EVENT_ACROSS_COLUMNS = frozenset({"GAN401"})


def tidy(findings: Iterable[Finding], run: "Run | None" = None) -> list[Finding]:
    """Merge repeated findings (rules 1 and 2), then fit each one's remedies to ``run``."""
    merged = merge_columns(merge_stretches(list(findings)))
    if run is not None:
        from .remedies import select

        merged = [replace(f, remedies=select(f, run)) for f in merged]
    return merged


def _union(spans: list[Span]) -> Span:
    first = min(spans, key=lambda s: s.start)
    last = max(spans, key=lambda s: s.end)
    return Span(first.start, last.end, min(s.start_index for s in spans), max(s.end_index for s in spans))


def _groups(findings: list[Finding], key: Any) -> list[list[Finding]]:
    """Findings grouped by ``key`` (None: never grouped), in order of first appearance."""
    order: list[list[Finding]] = []
    index: dict[Any, list[Finding]] = {}
    for f in findings:
        k = key(f)
        if k is None:
            order.append([f])
            continue
        if k not in index:
            index[k] = []
            order.append(index[k])
        index[k].append(f)
    return order


def _step(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:g}"


def merge_stretches(findings: list[Finding]) -> list[Finding]:
    def key(f: Finding) -> Any:
        if f.code in KEEP_STRETCHES or f.span is None:
            return None
        return (f.code, str(f.evidence.get("column", "")))

    out = []
    for group in _groups(findings, key):
        if len(group) == 1:
            out.append(group[0])
            continue
        group = sorted(group, key=lambda f: f.span.start)  # type: ignore[union-attr]
        spans = [f.span for f in group if f.span is not None]
        lead = max(group, key=lambda f: (f.severity, f.confidence))
        stretches = ", ".join(f"{_step(s.start)}–{_step(s.end)}" if s.end != s.start else _step(s.start)
                              for s in spans)
        evidence = dict(lead.evidence)
        for k in SUMMED:
            if all(isinstance(f.evidence.get(k), int) for f in group):
                evidence[k] = sum(int(f.evidence[k]) for f in group)
        evidence["stretches"] = len(spans)
        evidence["spans"] = [[s.start, s.end] for s in spans]
        out.append(replace(
            lead,
            span=_union(spans),
            confidence=max(f.confidence for f in group),
            message=f"{group[0].message}; {len(spans)} stretches in all, steps {stretches}",
            evidence=evidence,
            remedies=_all_remedies(group, lead),
        ))
    return out


def merge_columns(findings: list[Finding]) -> list[Finding]:
    def key(f: Finding) -> Any:
        if "column" not in f.evidence:
            return None
        if f.code in ONE_EVENT_ACROSS_COLUMNS:
            return (f.code,)
        if f.span is None or f.code in KEEP_STRETCHES:
            return None
        return (f.code, f.span.start)

    out = []
    for group in _groups(findings, key):
        if len(group) == 1:
            out.extend(group)
            continue
        columns = list(dict.fromkeys(str(f.evidence["column"]) for f in group))
        if len(columns) == 1:
            out.extend(group)
            continue
        lead = max(group, key=lambda f: (f.severity, f.confidence, -(f.span.start if f.span else 0)))
        spans = [f.span for f in group if f.span is not None]
        others = [c for c in columns if c != str(lead.evidence["column"])]
        evidence = dict(lead.evidence)
        evidence.pop("column", None)
        evidence = {"columns": [str(lead.evidence["column"]), *others], **evidence}
        out.append(replace(
            lead,
            span=_union(spans) if spans else lead.span,
            confidence=max(f.confidence for f in group),
            message=f"{lead.message}; the same in {len(others)} more column{'s' if len(others) != 1 else ''}: "
                    + ", ".join(others),
            evidence=evidence,
            remedies=_all_remedies(group, lead),
        ))
    return out


def _all_remedies(group: list[Finding], lead: Finding) -> list[str]:
    return list(dict.fromkeys([*lead.remedies, *(r for f in group for r in f.remedies)]))
