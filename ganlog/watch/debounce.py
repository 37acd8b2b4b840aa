"""Debounce: turn each evaluation's findings into announcements that do not flap.

The detectors run again and again on a growing run; a finding near its limit
may be there in one evaluation and gone in the next. :class:`Debouncer`
announces a finding only once it has held over ``hold`` consecutive
evaluations, and says it cleared only once it has been absent for ``hold``
consecutive evaluations. The onset step announced is where the finding was
first seen, and it stays there even when later evaluations move the span.
A finding that grows more severe while open is announced again (escalated).

Warnings must also hold while the run grows. They describe trends (oscillation,
a plateau, a loss drifting), and the first minutes of a healthy run often show
such a trend and then outgrow it: the reference trainer's healthy BCE run
warns of G-loss oscillation on its first 68-92 and 116-124 records and never
again. So a warning is announced only once it has also held, without a gap,
while the run grew by ``growth`` (half) of the records it had when the
warning was first seen, and by at least ``min_growth`` (20) records, and its span
still reaches the newest quarter of the run (a stretch the run has left behind
is history, not something happening now). Errors
(NaN, a frozen D, a collapsed D loss) are announced after ``hold``
evaluations alone: waiting would only delay stopping a broken job. At the
end of input everything that holds is announced.

A finding is identified by its code and the column it is about (a detector may
report the same code for D's and G's loss separately).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from ganlog.detectors.base import Finding, Severity

Key = tuple[str, str]


def finding_key(f: Finding) -> Key:
    col = f.evidence.get("column") if isinstance(f.evidence, dict) else None
    return (f.code, str(col) if col is not None else "")


@dataclass
class Tracked:
    """A finding the debouncer follows across evaluations."""

    key: Key
    finding: Finding
    first_seen: int  # evaluation number
    onset: float | None  # step where it began (from the first evaluation that saw it)
    first_records: int = 0  # records the run had when it was first seen
    seen: int = 1  # consecutive evaluations present
    missing: int = 0  # consecutive evaluations absent (while announced)
    announced: bool = False
    announced_severity: Severity | None = None


@dataclass
class Change:
    """One announcement: ``kind`` is ``finding``, ``escalated`` or ``cleared``."""

    kind: str
    key: Key
    finding: Finding
    onset: float | None
    extra: dict[str, Any] = field(default_factory=dict)


class Debouncer:
    def __init__(self, hold: int = 2, min_severity: Severity = Severity.WARNING, *,
                 growth: float = 0.5, min_growth: int = 20) -> None:
        if hold < 1:
            raise ValueError("hold must be at least 1")
        self.hold = hold
        self.growth = growth
        self.min_growth = min_growth
        self.min_severity = min_severity
        self.tracked: dict[Key, Tracked] = {}
        self.evaluations = 0

    def confirmed(self, t: Tracked, records: int | None, hold: int, final: bool) -> bool:
        if t.seen < hold:
            return False
        if final or records is None or t.finding.severity >= Severity.ERROR:
            return True
        need = max(self.min_growth, self.growth * t.first_records)
        if records - t.first_records < need:
            return False
        # and it is still about the newest records, not a stretch the run has left behind
        span = t.finding.span
        recent = max(self.min_growth, 0.25 * records)
        return span is None or span.end_index >= records - 1 - recent

    def update(self, findings: Iterable[Finding], *, records: int | None = None,
               final: bool = False) -> list[Change]:
        """Feed one evaluation's findings (``records``: the run's length now); return what
        to announce now.

        ``final``: no more data will come (stdin closed, the run is over), so every
        finding present now is announced without waiting for more evaluations.
        """
        self.evaluations += 1
        hold = 1 if final else self.hold
        now: dict[Key, Finding] = {}
        for f in findings:
            if f.severity < self.min_severity:
                continue
            k = finding_key(f)
            if k not in now or f.severity > now[k].severity:
                now[k] = f
        changes: list[Change] = []
        for k, f in now.items():
            t = self.tracked.get(k)
            if t is None:
                t = self.tracked[k] = Tracked(k, f, self.evaluations, f.span.start if f.span else None,
                                              first_records=records or 0)
            else:
                t.seen += 1
                t.missing = 0
                t.finding = f
            if not t.announced and self.confirmed(t, records, hold, final):
                t.announced = True
                t.announced_severity = f.severity
                changes.append(Change("finding", k, f, t.onset))
            elif t.announced and t.announced_severity is not None and f.severity > t.announced_severity:
                t.announced_severity = f.severity
                changes.append(Change("escalated", k, f, t.onset))
        for k in list(self.tracked):
            if k in now:
                continue
            t = self.tracked[k]
            if not t.announced:
                del self.tracked[k]  # never confirmed: forgotten quietly
                continue
            t.missing += 1
            t.seen = 0
            if t.missing >= hold:
                del self.tracked[k]
                changes.append(Change("cleared", k, t.finding, t.onset))
        return changes

    @property
    def open(self) -> list[Tracked]:
        """Announced findings that hold now, worst first."""
        out = [t for t in self.tracked.values() if t.announced]
        out.sort(key=lambda t: (-int(t.finding.severity), t.onset if t.onset is not None else float("inf")))
        return out


__all__ = ["Debouncer", "Change", "Tracked", "finding_key"]
