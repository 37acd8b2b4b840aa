"""ganlog: read GAN training logs, find out why the run broke, and what to try.

>>> import ganlog
>>> run = ganlog.load("sample_logs/forum_bce.log")      # doctest: +SKIP
>>> analysis = ganlog.analyze(run)                        # doctest: +SKIP
>>> analysis.verdict, [f.code for f in analysis.findings]  # doctest: +SKIP

The public face is small on purpose: :func:`load`, :func:`load_runs`,
:func:`analyze`, and the result types. Everything else is internal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Analysis",
    "Finding",
    "Run",
    "Severity",
    "Span",
    "__version__",
    "analyze",
    "load",
    "load_runs",
]

if TYPE_CHECKING:
    from .analysis import Analysis, analyze
    from .detectors.base import Finding, Severity, Span
    from .frame import Run
    from .readers import load, load_runs

_LAZY = {
    "Analysis": ("ganlog.analysis", "Analysis"),
    "analyze": ("ganlog.analysis", "analyze"),
    "Finding": ("ganlog.detectors.base", "Finding"),
    "Severity": ("ganlog.detectors.base", "Severity"),
    "Span": ("ganlog.detectors.base", "Span"),
    "Run": ("ganlog.frame", "Run"),
    "load": ("ganlog.readers", "load"),
    "load_runs": ("ganlog.readers", "load_runs"),
}


def __getattr__(name: str) -> Any:  # PEP 562: keep `import ganlog` cheap
    if name in _LAZY:
        import importlib

        mod, attr = _LAZY[name]
        value = getattr(importlib.import_module(mod), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ganlog' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
