"""Machine-readable output: JSON with a schema version (more formats build on it)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..analysis import Analysis

SCHEMA_VERSION = 1


def run_summary(analysis: "Analysis") -> dict[str, Any]:
    run = analysis.run
    df = run.frame
    steps = df["step"] if "step" in df.columns else None
    return {
        "name": run.name,
        "source": run.source,
        "reader": run.reader,
        "format": run.format,
        "records": int(len(df)),
        "segments": run.n_segments,
        "first_step": _num(steps.iloc[0]) if steps is not None and len(df) else None,
        "last_step": _num(steps.iloc[-1]) if steps is not None and len(df) else None,
        "columns": [str(c) for c in df.columns],
        "loss_family": {
            "name": run.loss_family.name,
            "reason": run.loss_family.reason,
            "decided_by": run.loss_family.decided_by,
        },
        "partial": run.partial,
        "parse": {
            "lines_read": run.stats.lines_read,
            "records": run.stats.records,
            "lines_skipped": run.stats.lines_skipped,
            "skipped_examples": [
                {"line": s.line, "text": s.text, "reason": s.reason} for s in run.stats.skipped_examples
            ],
            "warnings": list(run.stats.warnings),
        },
    }


def _num(v: Any) -> Any:
    v = v.item() if hasattr(v, "item") else v
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


def analysis_to_dict(analysis: "Analysis") -> dict[str, Any]:
    healthy_until = analysis.healthy_until
    return {
        "schema_version": SCHEMA_VERSION,
        "run": run_summary(analysis),
        "verdict": analysis.verdict,
        "healthy_until": _num(healthy_until) if healthy_until is not None else None,
        "findings": [f.to_dict() for f in analysis.findings],
        "detectors": {
            "ran": list(analysis.ran),
            "skipped": [{"code": s.code, "name": s.name, "reason": s.reason} for s in analysis.skipped],
            "crashed": [{"code": c.code, "name": c.name, "error": c.error} for c in analysis.crashed],
        },
    }
