"""Detector, Finding, Severity, Span, and the per-run context detectors share.

A detector *measures* something on the run and *judges* it against a limit
from its parameters; the Finding carries both numbers, so every message can
say "observed X against limit Y". Detectors never render anything.

Each detector class has a docstring in sections (``What it detects``,
``Why it matters``, ``Evidence``, ``Weighing`` (how effect is weighed against
the amount of evidence), ``Too short`` (when a log is too short to say
anything), ``Remedies``, ``Options``, ``References``);
``ganlog rules CODE`` prints it, and a test checks that no section is missing.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Iterable

if TYPE_CHECKING:
    import numpy as np

    from ..frame import LossFamily, Run

DOC_SECTIONS: tuple[str, ...] = (
    "What it detects",
    "Why it matters",
    "Evidence",
    "Weighing",
    "Too short",
    "Remedies",
    "Options",
    "References",
)


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: "str | Severity") -> "Severity":
        if isinstance(value, Severity):
            return value
        try:
            return cls[str(value).strip().upper()]
        except KeyError:
            from ..errors import ConfigError

            raise ConfigError(f"unknown severity {value!r} (expected info, warning or error)") from None


@dataclass(frozen=True)
class Span:
    """Where a finding holds: first and last step (inclusive), and row positions."""

    start: float
    end: float
    start_index: int = 0
    end_index: int = 0

    @property
    def records(self) -> int:
        return self.end_index - self.start_index + 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": _plain(self.start),
            "end": _plain(self.end),
            "start_index": self.start_index,
            "end_index": self.end_index,
            "records": self.records,
        }


@dataclass
class Finding:
    """One diagnosis: what was observed, against which limit, where, and what to do."""

    code: str
    name: str
    severity: Severity
    confidence: float
    message: str
    span: Span | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    remedies: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.label,
            "confidence": round(float(self.confidence), 3),
            "message": self.message,
            "span": self.span.to_dict() if self.span else None,
            "evidence": {k: _plain(v) for k, v in self.evidence.items()},
            "remedies": list(self.remedies),
        }


def _plain(value: Any) -> Any:
    """JSON-friendly: numpy scalars to Python, non-finite floats to strings."""
    import math

    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return float(f"{value:.6g}")
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Params:
    """Base for each detector's frozen, documented parameter dataclass."""


class Context:
    """One run as detectors see it: float arrays, steps, the loss family, a shared cache.

    Expensive statistics (rolling medians, change points) are computed once per
    run and shared through :meth:`cached`.
    """

    def __init__(self, run: "Run") -> None:
        self.run = run
        self.family: "LossFamily" = run.loss_family
        self._cache: dict[Any, Any] = {}

    @property
    def n(self) -> int:
        return len(self.run.frame)

    @property
    def steps(self) -> "np.ndarray":
        return self.cached(("steps",), lambda: self.run.frame["step"].to_numpy(dtype=float))

    def has(self, *columns: str) -> bool:
        """Every column present with a finite value (cached: detectors ask often)."""
        return all(self.cached(("has", c), lambda c=c: self.run.has(c)) for c in columns)

    def series(self, column: str) -> "np.ndarray":
        """The column as a float array (NaN where not logged)."""
        import numpy as np

        def make() -> "np.ndarray":
            if column not in self.run.frame.columns:
                return np.full(self.n, np.nan)
            return self.run.frame[column].to_numpy(dtype=float, na_value=np.nan)

        return self.cached(("series", column), make)

    def finite(self, column: str) -> "tuple[np.ndarray, np.ndarray]":
        """(row positions, values) of the column's finite entries."""
        from .stats import finite

        return self.cached(("finite", column), lambda: finite(self.series(column)))

    def blocks(self, column: str, max_blocks: int | None = None) -> Any:
        """The column's finite values reduced to block medians (see :mod:`ganlog.detectors.stats`)."""
        from .stats import MAX_BLOCKS, block_reduce

        mb = max_blocks or MAX_BLOCKS
        return self.cached(("blocks", column, mb), lambda: block_reduce(*self.finite(column), max_blocks=mb))

    def min_length(self, n_points: int, min_records: int, min_fraction: float, block: int = 1) -> int:
        """Persistence window in block positions: ``min_records`` records and ``min_fraction`` of the run."""
        import math

        need = max(int(min_records), int(math.ceil(min_fraction * n_points * block)))
        return max(1, int(math.ceil(need / max(1, block))))

    def cached(self, key: Any, compute: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def step_text(self, step: float) -> str:
        return self.run.describe_step(step)

    def span(self, start_index: int, end_index: int) -> Span:
        s = self.steps
        return Span(float(s[start_index]), float(s[end_index]), int(start_index), int(end_index))

    def span_text(self, span: Span) -> str:
        """``steps 1,100–2,600 (1,500 steps)`` with epoch/iter where the log had them."""
        a, b = self.step_text(span.start), self.step_text(span.end)
        b = b.replace("step ", "", 1)
        width = span.end - span.start
        return f"{a.replace('step ', 'steps ', 1)}–{b} ({int(width):,} steps, {span.records:,} records)"


class Detector:
    """Base class. Subclasses set the class attributes and implement :meth:`detect`.

    The class docstring is the detector's documentation, in the sections of
    :data:`DOC_SECTIONS`.
    """

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    #: columns that must all be present (with finite values) for the detector to run
    requires: ClassVar[tuple[str, ...]] = ()
    default_severity: ClassVar[Severity] = Severity.WARNING
    #: remedy ids from the catalog, most likely to help first
    remedies: ClassVar[tuple[str, ...]] = ()
    Params: ClassVar[type] = Params

    def __init__(self, params: Any | None = None, severity: Severity | None = None) -> None:
        self.params = params if params is not None else self.Params()
        self.severity = severity if severity is not None else self.default_severity

    # -- to implement -----------------------------------------------------
    def detect(self, ctx: Context) -> Iterable[Finding]:
        raise NotImplementedError

    # -- shared behaviour -------------------------------------------------
    def skip_reason(self, ctx: Context) -> str | None:
        """Why this detector cannot run on this run, or None when it can."""
        missing = [c for c in self.requires if not ctx.has(c)]
        if missing:
            return f"needs {', '.join(missing)}, not in this log"
        return None

    def finding(
        self,
        ctx: Context,
        message: str,
        *,
        span: Span | None = None,
        evidence: dict[str, Any] | None = None,
        confidence: float = 0.8,
        severity: Severity | None = None,
        remedies: Iterable[str] | None = None,
    ) -> Finding:
        return Finding(
            code=self.code,
            name=self.name,
            severity=severity if severity is not None else self.severity,
            confidence=max(0.0, min(1.0, float(confidence))),
            message=message,
            span=span,
            evidence=dict(evidence or {}),
            remedies=list(remedies if remedies is not None else self.remedies),
        )

    @classmethod
    def with_params(cls, overrides: dict[str, Any], severity: Severity | None = None) -> "Detector":
        """Build with some parameters overridden (values already validated by config)."""
        params = dataclasses.replace(cls.Params(), **overrides) if overrides else cls.Params()
        return cls(params, severity)

    @classmethod
    def param_fields(cls) -> list[dataclasses.Field[Any]]:
        return list(dataclasses.fields(cls.Params)) if dataclasses.is_dataclass(cls.Params) else []

    @classmethod
    def doc_sections(cls) -> dict[str, str]:
        """The docstring split into its sections (missing ones are absent)."""
        doc = inspect.getdoc(cls) or ""
        sections: dict[str, str] = {}
        names = "|".join(re.escape(s) for s in DOC_SECTIONS)
        parts = re.split(rf"^({names})\s*\n-+\s*$", doc, flags=re.M)
        if len(parts) > 1:
            sections["Summary"] = parts[0].strip()
            for title, body in zip(parts[1::2], parts[2::2]):
                sections[title] = body.strip()
        else:
            sections["Summary"] = doc.strip()
        return sections
