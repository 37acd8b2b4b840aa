"""The terminal summary: what was read, the findings with evidence and top remedy, a verdict.

Readable in 80 columns. Colour only on a terminal and never when NO_COLOR is
set (https://no-color.org); FORCE_COLOR turns it on for pipes.
"""

from __future__ import annotations

import os
import textwrap
from typing import IO, TYPE_CHECKING, Any

from ..detectors.base import Finding, Severity

if TYPE_CHECKING:
    from ..analysis import Analysis

WIDTH = 80

_SEVERITY_COLOR = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_VERDICT_COLOR = {"healthy": "green", "degraded": "yellow", "broken": "red", "inconclusive": "magenta"}


def use_color(stream: IO[str] | None) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    force = os.environ.get("FORCE_COLOR")
    if force is not None and force.strip().lower() not in ("0", "false", "no"):
        return True  # FORCE_COLOR= (empty) or 1/2/3 force it, as in node and many CLIs
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):
        return False


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, fg: str | None = None, bold: bool = False, dim: bool = False) -> str:
        if not self.color:
            return text
        import click

        return click.style(text, fg=fg, bold=bold, dim=dim)


def _wrap(text: str, indent: int, width: int = WIDTH, hang: int = 0) -> list[str]:
    """Wrap to ``width``; continuation lines get ``hang`` more spaces of indent."""
    pad = " " * indent
    return textwrap.wrap(
        text, width=width, initial_indent=pad, subsequent_indent=pad + " " * hang,
        break_on_hyphens=False,
    ) or [pad]


def fmt_value(v: Any) -> str:
    """Short, human numbers for evidence tables."""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if v != v:
            return "nan"
        if v in (float("inf"), float("-inf")):
            return "inf" if v > 0 else "-inf"
        if v.is_integer() and abs(v) >= 1000:
            return f"{int(v):,}"
        return f"{v:.4g}"
    if isinstance(v, (list, tuple)) and v and all(isinstance(x, (list, tuple)) and len(x) == 2 for x in v):
        return ", ".join(f"{fmt_value(a)}–{fmt_value(b)}" for a, b in v[:6]) + (" …" if len(v) > 6 else "")
    if isinstance(v, (list, tuple)):
        return ", ".join(fmt_value(x) for x in v[:6]) + (" …" if len(v) > 6 else "")
    return str(v)


def describe_span(analysis: "Analysis", finding: Finding) -> str:
    if finding.span is None:
        return "whole run"
    run = analysis.run
    a = run.describe_step(finding.span.start)
    if finding.span.end == finding.span.start:
        return a
    b = run.describe_step(finding.span.end).replace("step ", "", 1)
    return a.replace("step ", "steps ", 1) + "–" + b


def render_read_summary(analysis: "Analysis", style: _Style) -> list[str]:
    run = analysis.run
    df = run.frame
    lines = [style("ganlog", bold=True) + " · " + run.name + style(f"  ({run.source})", dim=True)]
    rec = f"{len(df):,} record{'s' if len(df) != 1 else ''}"
    seg = f"{run.n_segments} segment{'s' if run.n_segments != 1 else ''}"
    span = ""
    import numpy as np

    steps = df["step"][np.isfinite(df["step"].to_numpy(dtype=float))] if len(df) else df["step"]
    if len(steps):  # a record without a step (first or last JSON line) is no span end
        span = f" · steps {int(steps.iloc[0]):,}–{int(steps.iloc[-1]):,}"
    lines += _wrap(f"read     {run.format} via {run.reader} · {rec} · {seg}{span}", 2, hang=9)
    cols = [c for c in df.columns if c not in ("step", "segment")]
    lines += _wrap("columns  " + " ".join(cols), 2, hang=9)
    fam = run.loss_family
    lines += _wrap(f"loss     {fam.name} ({fam.decided_by}): {fam.reason}", 2, hang=9)
    st = run.stats
    if st.lines_skipped:
        ex = st.skipped_examples[0] if st.skipped_examples else None
        msg = f"skipped  {st.lines_skipped:,} of {st.lines_read:,} lines"
        if ex is not None:
            msg += f", e.g. line {ex.line}: {ex.text[:40]!r}"
        lines += _wrap(msg, 2, hang=9)
    for w in st.warnings[:5]:
        lines += _wrap(style("warning  ", fg="yellow") + w, 2, hang=9)
    if run.partial:
        lines += _wrap(style("partial  ", fg="yellow", bold=True)
                       + "part of the input could not be read; results cover what was read", 2, hang=9)
    return lines


def render_finding(analysis: "Analysis", f: Finding, style: _Style) -> list[str]:
    from .. import remedies as catalog

    sev = f.severity.label.upper()
    head = (
        "  " + style(f"{sev:<7}", fg=_SEVERITY_COLOR[f.severity], bold=True)
        + " " + style(f.code, bold=True) + " " + f.name
        + style(f"  confidence {f.confidence:.0%}", dim=True)
    )
    lines = [head]
    where = describe_span(analysis, f)
    if where not in f.message:  # most messages already say where; don't say it twice
        lines += _wrap("where: " + where, 10)
    lines += _wrap(f.message, 10)
    if f.evidence:
        ev = "; ".join(f"{k}={fmt_value(v)}" for k, v in list(f.evidence.items())[:6])
        lines += [style(line, dim=True) for line in _wrap("evidence: " + ev, 10)]
    if f.remedies:
        rid = f.remedies[0]
        try:
            title = catalog.get(rid).title
        except KeyError:
            title = rid
        lines += _wrap(style("try: ", fg="green", bold=True) + f"{title} [{rid}]", 10)
    return lines


def render_verdict(analysis: "Analysis", style: _Style) -> str:
    counts = {s: sum(1 for f in analysis.findings if f.severity == s) for s in Severity}
    parts = []
    for s in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        if counts[s]:
            parts.append(f"{counts[s]} {s.label}{'s' if counts[s] != 1 else ''}")
    verdict = analysis.verdict
    text = style(f"Verdict: {verdict.upper()}", fg=_VERDICT_COLOR.get(verdict, "white"), bold=True)
    text += " — " + (", ".join(parts) if parts else "no findings")
    hu = analysis.healthy_until
    if hu is not None and verdict in ("broken", "degraded"):
        text += f"; healthy until {analysis.run.describe_step(hu)}"
    if analysis.partial:
        text += " (partial input)"
    reason = getattr(analysis, "verdict_reason", None)
    if reason and not parts:
        text += f" ({reason})"
    return text + "."


def render_verdict_reason(analysis: "Analysis", style: _Style) -> list[str]:
    """The verdict's one sentence of why and, for INCONCLUSIVE, what to log (remedy cards)."""
    from .. import remedies as catalog

    lines = _wrap(analysis.verdict_reason, 2)
    for rid in analysis.verdict_remedies:
        try:
            r = catalog.get(rid)
        except KeyError:
            continue
        lines += _wrap(style("to judge it: ", fg="green", bold=True) + f"{r.title} [{rid}]", 2, hang=4)
        lines += _wrap(r.change, 6)
    return lines
def render_verdict_line(analysis: "Analysis", *, color: bool = False) -> str:
    """``--quiet``: the run's name and the verdict line, nothing else."""
    style = _Style(color)
    return f"{analysis.run.name}: {render_verdict(analysis, style)}\n"


def render(analysis: "Analysis", *, color: bool = False, width: int = WIDTH) -> str:
    """The whole terminal summary as one string."""
    style = _Style(color)
    out: list[str] = []
    out += render_read_summary(analysis, style)
    out.append("")
    if analysis.findings:
        out.append(style("Findings", bold=True))
        for f in analysis.findings:
            out += render_finding(analysis, f, style)
            out.append("")
    else:
        ran = len(analysis.ran)
        out.append(f"No findings from {ran} detector{'s' if ran != 1 else ''}.")
        out.append("")
    if analysis.skipped:
        short = [s for s in analysis.skipped if s.reason.startswith("too short")]
        rest = [s for s in analysis.skipped if not s.reason.startswith("too short")]
        for s in short:
            out += [style(line, dim=True) for line in _wrap(f"not judged: {s.code} {s.reason}", 0, hang=2)]
        if rest:
            names = ", ".join(s.code for s in rest)
            out += [style(line, dim=True) for line in _wrap(f"not checked (columns not logged): {names}", 0)]
    for c in analysis.crashed:
        out += _wrap(style("detector crashed: ", fg="red") + f"{c.code} {c.name}: {c.error}", 0)
    for comp in analysis.extras.get("comparison_lines", []):
        indent = len(comp) - len(comp.lstrip(" "))  # "  - item" lines keep their indent
        out += _wrap(comp.lstrip(" "), indent, hang=2 if comp.lstrip(" ").startswith("- ") else 0)
    ckpt = analysis.extras.get("checkpoint")
    if ckpt:  # the checkpoint advisor (ganlog/checkpoints.py)
        from ..checkpoints import describe

        out += _wrap(describe(ckpt), 0)
    out.append(render_verdict(analysis, style))
    out += render_verdict_reason(analysis, style)
    return "\n".join(out) + "\n"
