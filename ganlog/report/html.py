"""The self-contained HTML report: ``render(analysis) -> str``.

A pure function of the :class:`~ganlog.analysis.Analysis`: the same input
gives the same bytes (no clock, no random ids). The page carries its CSS and
its plots (inline SVG) and needs no script and no network. Everything that
came from the log (run names, column names, skipped lines, messages) goes
through jinja2's autoescaping; only our own CSS and the SVG that matplotlib
wrote (which escapes its text itself) are marked safe.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..detectors.base import Finding, Severity
from .text import describe_span, fmt_value

if TYPE_CHECKING:
    import jinja2

    from ..analysis import Analysis

#: Plain-language line under the verdict, for someone who has never seen a GAN log.
VERDICT_TEXT = {
    "healthy": "Nothing here looks wrong: the checks on the D and G losses found no problem in this run.",
    "degraded": "The run is still training, but something looks off. Read the first finding below.",
    "broken": "The run has failed. Training it further as it is will not help: read what to try first.",
    "inconclusive": "This log does not hold enough to judge the run: see what is missing and how to log it.",
}
#: healthy, with notes (info findings): the line must not say "no check found anything" above them
HEALTHY_WITH_NOTES = ("Nothing here looks wrong: no check found a problem in this run. "
                      "The {n} below {are} for information, not problems.")


def verdict_text(analysis: "Analysis") -> str:
    verdict = analysis.verdict
    notes = sum(1 for f in analysis.findings if f.severity == Severity.INFO)
    if verdict == "healthy" and notes:
        return HEALTHY_WITH_NOTES.format(n="note" if notes == 1 else f"{notes} notes",
                                         are="is" if notes == 1 else "are")
    # the verdict's reason has a paragraph of its own under this line (verdict.html.j2)
    return VERDICT_TEXT.get(verdict, f"Verdict: {verdict}.")


# -- templates ----------------------------------------------------------------
def templates_dir() -> Path:
    """Where the templates are: inside the installed package first, else the repo's ``templates/``."""
    try:
        from importlib.resources import files

        packaged = Path(str(files("ganlog") / "templates"))
        if (packaged / "report.html.j2").is_file():
            return packaged
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - unusual loaders
        pass
    repo = Path(__file__).resolve().parents[2] / "templates"
    if (repo / "report.html.j2").is_file():
        return repo
    raise FileNotFoundError(
        "ganlog's report templates are missing (looked in the package's templates/ and the repository's)"
    )


@functools.lru_cache(maxsize=1)
def environment() -> "jinja2.Environment":
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = fmt_value
    env.filters["paragraphs"] = _paragraphs
    env.filters["rst"] = rst_inline
    return env


_RST_LITERAL = re.compile(r"``(.+?)``|`([^`]+?)`(?:_)?|\*\*(.+?)\*\*|(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])")


def rst_inline(text: str) -> "Any":
    """Docstring text -> safe HTML: ``code`` and `code` as <code>, **bold**, *emphasis*; the rest escaped."""
    from markupsafe import Markup, escape

    out = []
    pos = 0
    for m in _RST_LITERAL.finditer(str(text)):
        out.append(str(escape(text[pos:m.start()])))
        code, code1, strong, em = m.groups()
        if code is not None or code1 is not None:
            out.append(f"<code>{escape(code if code is not None else code1)}</code>")
        elif strong is not None:
            out.append(f"<strong>{escape(strong)}</strong>")
        else:
            out.append(f"<em>{escape(em)}</em>")
        pos = m.end()
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def _paragraphs(text: str) -> list[str]:
    """Docstring text -> paragraphs, hard-wrapped lines joined."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def css() -> str:
    return (templates_dir() / "report.css").read_text(encoding="utf-8")


MAX_SHOWN = 3
SCALE_LABELS = {"log": "log scale", "log1p": "log1p scale", "linear": "linear scale"}
SCALE_NOTES = {
    "log": "The D loss sinks towards 0, where a linear axis flattens it: the log scale is shown first.",
    "log1p": "A few very large values squash the rest of the losses on a linear axis, so the log1p scale "
             "is shown first.",
}


# -- view model ---------------------------------------------------------------
@dataclass
class RemedyView:
    id: str
    title: str
    applies: str = ""
    change: str = ""
    sketch: str = ""
    references: list[str] = field(default_factory=list)
    known: bool = True
    #: described in full on an earlier card: this one links there
    seen_in: str = ""
    anchor: str = ""


@dataclass
class FindingView:
    anchor: str
    code: str
    name: str
    severity: str
    confidence: str
    summary: str
    message: str
    where: str
    evidence: list[tuple[str, str]]
    why: list[str]
    detects: list[str]
    remedies: list[RemedyView]
    plot: str | None
    #: remedies past the first few: shown folded, one click away
    more_remedies: list[RemedyView] = field(default_factory=list)


def remedy_view(remedy_id: str) -> RemedyView:
    from .. import remedies as catalog

    try:
        r = catalog.get(remedy_id)
    except KeyError:
        return RemedyView(id=remedy_id, title=f"{remedy_id} (not in the remedy catalog)", known=False)
    return RemedyView(
        id=r.id, title=r.title, applies=r.applies, change=r.change, sketch=r.sketch,
        references=[str(ref) for ref in r.references],
    )


def _detector_docs(code: str) -> tuple[str, dict[str, str]]:
    """(one-line summary, doc sections) of the detector behind a code, when it is registered."""
    try:
        from ..detectors import registry

        cls = registry().get(code)
    except Exception:  # a broken detector module must not take the report down
        cls = None
    if cls is None:
        return "", {}
    sections = cls.doc_sections()
    summary = getattr(cls, "summary", "") or sections.get("Summary", "").split("\n\n")[0]
    return " ".join(summary.split()), sections


def finding_view(analysis: "Analysis", f: Finding, i: int, with_plot: bool = True) -> FindingView:
    from . import plots

    summary, sections = _detector_docs(f.code)
    anchor = f"finding-{i + 1}-{f.code.lower()}"
    return FindingView(
        anchor=anchor,
        code=f.code,
        name=f.name,
        severity=f.severity.label,
        confidence=f"{f.confidence:.0%}",
        summary=summary,
        message=f.message,
        where=describe_span(analysis, f),
        evidence=[(str(k), fmt_value(v)) for k, v in f.evidence.items()],
        why=_paragraphs(sections.get("Why it matters", "")),
        detects=_paragraphs(sections.get("What it detects", "")),
        remedies=[remedy_view(r) for r in f.remedies[:MAX_SHOWN]],
        more_remedies=[remedy_view(r) for r in f.remedies[MAX_SHOWN:]],
        plot=plots.zoom_svg(analysis, f, f"{i + 1}") if with_plot else None,
    )


def _remedies_once(views: list[FindingView]) -> None:
    """Describe each remedy in full once, on the first card that names it; later cards link there."""
    seen: dict[str, str] = {}
    for v in views:
        for r in [*v.remedies, *v.more_remedies]:
            if r.id in seen:
                r.seen_in = seen[r.id]
            else:
                seen[r.id] = f"{v.code} {v.name}"
                r.anchor = f"remedy-{r.id}"


def _steps_text(analysis: "Analysis") -> str:
    df = analysis.run.frame
    if df.empty:
        return "none"
    first, last = df["step"].iloc[0], df["step"].iloc[-1]
    return f"{fmt_value(float(first))}–{fmt_value(float(last))}"


def _counts(analysis: "Analysis") -> list[str]:
    out = []
    for s in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        k = sum(1 for f in analysis.findings if f.severity == s)
        if k:
            out.append(f"{k} {s.label}{'s' if k != 1 else ''}")
    return out


def _first_step(analysis: "Analysis", views: list[FindingView]) -> dict[str, Any] | None:
    """What to try first: the top remedy of the most severe finding."""
    for f, v in zip(analysis.findings, views):
        if f.severity < Severity.WARNING:
            continue
        if v.remedies:
            return {"finding": v, "remedy": v.remedies[0]}
        return {"finding": v, "remedy": None}
    return None


def _comparison_rows(analysis: "Analysis") -> list[dict[str, Any]]:
    rows = []
    for comp in analysis.comparisons:
        rows.append({
            "name": comp.run.name,
            "source": comp.run.source,
            "verdict": comp.verdict,
            "records": fmt_value(len(comp.run.frame)),
            "steps": _steps_text(comp),
            "codes": ", ".join(sorted({f.code for f in comp.findings})) or "none",
        })
    return rows


def _remedy_or_none(rid: str) -> Any:
    from .. import remedies

    try:
        return remedies.get(rid)
    except KeyError:
        return None


def context(analysis: "Analysis") -> dict[str, Any]:
    """Everything the templates show, computed once."""
    from .. import __version__
    from . import plots

    run = analysis.run
    stats = run.stats
    views = [finding_view(analysis, f, i) for i, f in enumerate(analysis.findings)]
    _remedies_once(views)
    scales = ["linear"]
    if plots.collapse_view(analysis):  # a log axis also tames early spikes: no third view
        scales.insert(0, "log")
    elif plots.spikes_squash(run):
        scales.insert(0, "log1p")
    timeline_views = []
    for scale in scales:
        wide = plots.timeline_svg(analysis, scale=scale, size=plots.WIDE)
        if wide is None:
            continue
        narrow = plots.timeline_svg(analysis, scale=scale, size=plots.NARROW)
        timeline_views.append({"name": scale, "label": SCALE_LABELS[scale], "wide": wide, "narrow": narrow})
    gaps = [f"{fmt_value(a)}–{fmt_value(b)}" for a, b in plots.record_gaps(run)]
    columns = [
        (c, run.original_names.get(c, c)) for c in run.frame.columns if c not in ("segment",)
    ]
    hu = analysis.healthy_until
    return {
        "version": __version__,
        "css": css(),
        "run": run,
        "title": f"{run.name} · ganlog {analysis.verdict}",
        "verdict": analysis.verdict,
        "verdict_class": analysis.verdict.replace(" ", "-"),
        "verdict_text": verdict_text(analysis),
        "counts": _counts(analysis),
        "healthy_until": run.describe_step(hu) if hu is not None and analysis.verdict in ("broken", "degraded")
        else None,
        "verdict_reason": analysis.verdict_reason,
        "to_log": [_remedy_or_none(r) for r in analysis.verdict_remedies],
        "notes": sum(1 for f in analysis.findings if f.severity == Severity.INFO),
        "partial": analysis.partial,
        "records": fmt_value(len(run.frame)),
        "steps": _steps_text(analysis),
        "segments": run.n_segments,
        "family": run.loss_family,
        "findings": views,
        "first": _first_step(analysis, views),
        "timeline_views": timeline_views,
        "scale_note": SCALE_NOTES.get(timeline_views[0]["name"], "") if timeline_views else "",
        "gaps": gaps,
        "plotted": [label for _, label, _ in plots.loss_columns(run)],
        "has_probs": any(run.has(c) for c, _, _ in plots.PROB_COLUMNS),
        "regime_steps": [
            run.describe_step(f.span.start) for f in analysis.findings
            if f.code == plots.REGIME_CODE and f.span is not None
        ],
        "stats": stats,
        "columns": columns,
        "ran": analysis.ran,
        "skipped": analysis.skipped,
        "crashed": analysis.crashed,
        "comparisons": _comparison_rows(analysis),
        "comparison_lines": list(analysis.extras.get("comparison_lines", [])),
    }


def render(analysis: "Analysis") -> str:
    """The report as one HTML string (UTF-8 text, no external resources)."""
    return environment().get_template("report.html.j2").render(**context(analysis))


def notebook_frame(analysis: "Analysis", height: int = 720) -> str:
    """The report inside an ``<iframe srcdoc>``: what ``Analysis._repr_html_`` shows in Jupyter.

    A frame keeps the report's CSS from restyling the notebook around it; the
    page still needs no script and no network.
    """
    from html import escape

    return (f'<iframe class="ganlog-report" title="ganlog report: {escape(analysis.run.name)}" '
            f'style="width:100%;height:{int(height)}px;border:1px solid #ddd;border-radius:6px" '
            f'srcdoc="{escape(render(analysis), quote=True)}"></iframe>')


def write(analysis: "Analysis", path: "str | Path") -> Path:
    """Render and write atomically; returns the path written."""
    from ..atomic import write_text

    write_text(path, render(analysis))
    return Path(path)
