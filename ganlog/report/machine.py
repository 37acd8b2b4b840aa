"""Machine-readable output: JSON with a schema version, JUnit XML, GitHub annotations, Markdown.

Reporters are pure functions: an :class:`~ganlog.analysis.Analysis` (or, for
``ganlog check``, a :class:`~ganlog.judge.CheckResult`) in, a string out.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from ..detectors.base import Finding, Severity

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..judge import CheckResult, RunJudgement

#: 2: verdicts broken / degraded / healthy / inconclusive, with verdict_reason and what to log
SCHEMA_VERSION = 2


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
        "verdict_reason": analysis.verdict_reason,
        "missing": analysis.missing,
        "to_log": [_remedy_dict(r) for r in analysis.verdict_remedies],
        "healthy_until": _num(healthy_until) if healthy_until is not None else None,
        "findings": [f.to_dict() for f in analysis.findings],
        "detectors": {
            "ran": list(analysis.ran),
            "skipped": [{"code": s.code, "name": s.name, "reason": s.reason} for s in analysis.skipped],
            "crashed": [{"code": c.code, "name": c.name, "error": c.error} for c in analysis.crashed],
        },
        # the checkpoint advisor (ganlog/checkpoints.py): best snapshot by the logged metric, or null
        "checkpoint": analysis.extras.get("checkpoint"),
    }


def _remedy_dict(rid: str) -> dict[str, Any]:
    from .. import remedies

    try:
        r = remedies.get(rid)
    except KeyError:
        return {"id": rid}
    return {"id": r.id, "title": r.title, "change": r.change, "sketch": r.sketch}


# -- ganlog check: one document for several judged runs ----------------------

def _tool() -> dict[str, str]:
    from .. import __version__

    return {"name": "ganlog", "version": __version__}


def check_to_dict(result: "CheckResult") -> dict[str, Any]:
    """The JSON document of ``ganlog check --format json``.

    ``runs`` holds each run's :func:`analysis_to_dict` plus a ``check`` object:
    whether it passed, the indices of the findings that failed it, and the
    baseline comparison when ``--baseline`` was given.
    """
    runs = []
    for judged in result.runs:
        doc = analysis_to_dict(judged.analysis)
        doc.pop("schema_version", None)  # one version, on the envelope
        doc["check"] = {
            "passed": judged.passed,
            "failing": [i for i, f in enumerate(judged.analysis.findings) if judged.counts_against(f)],
            "failed_inconclusive": judged.fails_inconclusive,
            "baseline": judged.baseline.to_dict() if judged.baseline is not None else None,
            "input_errors": judged.input_errors,
        }
        runs.append(doc)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": _tool(),
        "command": "check",
        "fail_on": result.fail_on.label,
        "fail_on_inconclusive": result.fail_on_inconclusive,
        "passed": result.passed,
        "exit_code": result.exit_code,
        "summary": {
            "runs": len(result.runs),
            "failed_runs": sum(1 for r in result.runs if not r.passed),
            "findings": result.counts(),
        },
        "runs": runs,
    }


def to_json(result: "CheckResult") -> str:
    import json

    return json.dumps(check_to_dict(result), indent=2, ensure_ascii=False, allow_nan=False,
                      default=_json_default) + "\n"


def _json_default(value: Any) -> Any:
    """Evidence may hold numpy arrays or other objects: lists where possible, else text."""
    from ..detectors.base import _plain

    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    return str(value)


# -- JUnit XML -----------------------------------------------------------------

# XML 1.0 forbids most control characters even when escaped; logs can hold them.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: Any) -> str:
    return _XML_BAD.sub("\N{REPLACEMENT CHARACTER}", str(text))


def _finding_block(judged: "RunJudgement", f: Finding) -> str:
    from .text import describe_span, fmt_value

    lines = [f"{f.severity.label.upper()} {f.code} {f.name} (confidence {f.confidence:.0%})",
             f"where: {describe_span(judged.analysis, f)}", f.message]
    if f.evidence:
        lines.append("evidence: " + "; ".join(f"{k}={fmt_value(v)}" for k, v in f.evidence.items()))
    if f.remedies:
        lines.append("try: " + ", ".join(_remedy_title(r) for r in f.remedies[:3]))
    if judged.in_baseline(f):
        lines.append("(also in the baseline run: not a regression)")
    return "\n".join(lines)


def _remedy_title(rid: str) -> str:
    from .. import remedies

    try:
        return f"{remedies.get(rid).title} [{rid}]"
    except KeyError:
        return rid


def to_junit(result: "CheckResult") -> str:
    """JUnit XML: a test suite per run, a test case per detector that ran, was skipped or crashed.

    A detector with findings at or above ``--fail-on`` (regressions only, with
    a baseline) is a ``<failure>``; its findings below the bar go to
    ``<system-out>``; a skipped detector is ``<skipped>``; a crashed one ``<error>``.
    """
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="ganlog check")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for judged in result.runs:
        a = judged.analysis
        suite = ET.SubElement(root, "testsuite", name=_xml_text(f"ganlog: {a.run.name}"))
        props = ET.SubElement(suite, "properties")
        for key, value in (
            ("source", a.run.source), ("verdict", a.verdict), ("verdict_reason", a.verdict_reason),
            ("loss_family", a.run.loss_family.name),
            ("fail_on", result.fail_on.label), ("records", len(a.run.frame)),
            ("partial", str(a.partial).lower()),
        ):
            ET.SubElement(props, "property", name=key, value=_xml_text(value))
        if judged.baseline is not None:
            ET.SubElement(props, "property", name="baseline",
                          value=_xml_text(judged.baseline.baseline_source))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        classname = _xml_text(f"ganlog.{a.run.name}")
        file_attr = {} if a.run.source.startswith("<") else {"file": _xml_text(a.run.source)}

        by_code: dict[str, list[Finding]] = {}
        for f in a.findings:
            by_code.setdefault(f.code, []).append(f)
        names = _detector_names(a)
        for code in sorted(set(a.ran) | {s.code for s in a.skipped} | {c.code for c in a.crashed}):
            case = ET.SubElement(suite, "testcase", classname=classname,
                                 name=_xml_text(f"{code} {names.get(code, '')}".strip()), time="0",
                                 **file_attr)
            counts["tests"] += 1
            crashed = next((c for c in a.crashed if c.code == code), None)
            skipped = next((s for s in a.skipped if s.code == code), None)
            if crashed is not None:
                err = ET.SubElement(case, "error", message=_xml_text(f"detector crashed: {crashed.error}"),
                                    type="crash")
                err.text = _xml_text(crashed.traceback or crashed.error)
                counts["errors"] += 1
                continue
            if skipped is not None:
                ET.SubElement(case, "skipped", message=_xml_text(skipped.reason))
                counts["skipped"] += 1
                continue
            found = by_code.get(code, [])
            bad = [f for f in found if judged.counts_against(f)]
            rest = [f for f in found if not judged.counts_against(f)]
            if bad:
                fail = ET.SubElement(case, "failure", message=_xml_text(bad[0].message),
                                     type=bad[0].severity.label)
                fail.text = _xml_text("\n\n".join(_finding_block(judged, f) for f in bad))
                counts["failures"] += 1
            if rest:
                out = ET.SubElement(case, "system-out")
                out.text = _xml_text("\n\n".join(_finding_block(judged, f) for f in rest))
        if a.verdict == "inconclusive":  # the core checks could not run: a case of its own
            case = ET.SubElement(suite, "testcase", classname=classname, name="verdict", time="0", **file_attr)
            counts["tests"] += 1
            if judged.fails_inconclusive:
                fail = ET.SubElement(case, "failure", message=_xml_text(a.verdict_reason), type="inconclusive")
                fail.text = _xml_text(_inconclusive_block(a))
                counts["failures"] += 1
            else:
                ET.SubElement(case, "skipped", message=_xml_text("inconclusive: " + a.verdict_reason))
                counts["skipped"] += 1
        if judged.input_errors:  # damaged input: what was read was judged, the read itself failed
            case = ET.SubElement(suite, "testcase", classname=classname, name="input", time="0", **file_attr)
            err = ET.SubElement(case, "error", message=_xml_text(judged.input_errors[0]), type="input")
            err.text = _xml_text("\n".join(judged.input_errors))
            counts["tests"] += 1
            counts["errors"] += 1
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
        suite.set("time", f"{float(a.extras.get('seconds', 0.0)):.3f}")
    for k, v in totals.items():
        root.set(k, str(v))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _inconclusive_block(a: "Analysis") -> str:
    lines = [a.verdict_reason]
    lines += [f"to judge it: {_remedy_title(r)}" for r in a.verdict_remedies]
    return "\n".join(lines)


def _detector_names(a: "Analysis") -> dict[str, str]:
    from ..detectors import registry

    names = {code: cls.name for code, cls in registry().items()}
    names.update({s.code: s.name for s in a.skipped})
    names.update({c.code: c.name for c in a.crashed})
    names.update({f.code: f.name for f in a.findings})
    return names


# -- GitHub workflow commands ---------------------------------------------------

_GH_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def gh_escape_data(text: str) -> str:
    """Escape a workflow command's message (GitHub's toolkit: %, CR, LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def gh_escape_property(text: str) -> str:
    """Escape a workflow command property value (also ``:`` and ``,``)."""
    return gh_escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _gh_command(level: str, message: str, **props: str) -> str:
    head = ",".join(f"{k}={gh_escape_property(v)}" for k, v in props.items() if v)
    return f"::{level}{' ' + head if head else ''}::{gh_escape_data(message)}"


def to_github(result: "CheckResult") -> str:
    """GitHub Actions annotations: one workflow command per finding (and per crashed detector).

    Errors are ``::error``, warnings ``::warning``, info ``::notice``; a finding
    the baseline already had is downgraded to a notice.
    """
    lines = []
    for judged in result.runs:
        a = judged.analysis
        file = "" if a.run.source.startswith("<") else a.run.source
        for f in a.findings:
            level = "notice" if judged.in_baseline(f) else _GH_LEVEL[f.severity]
            msg = f"{a.run.name}: {f.message}"  # detectors' messages say where already
            if f.remedies:
                msg += f"\nTry: {_remedy_title(f.remedies[0])}"
            if judged.in_baseline(f):
                msg += "\n(also in the baseline run)"
            lines.append(_gh_command(level, msg, file=file, title=f"{f.code} {f.name}"))
        if a.verdict == "inconclusive":
            msg = f"{a.run.name}: {a.verdict_reason}"
            if a.verdict_remedies:
                msg += f"\nTo judge it: {_remedy_title(a.verdict_remedies[0])}"
            lines.append(_gh_command("error" if judged.fails_inconclusive else "warning", msg, file=file,
                                     title="ganlog inconclusive"))
        for e in judged.input_errors:
            lines.append(_gh_command("error", e, file=file, title="ganlog input error"))
        for c in a.crashed:
            lines.append(_gh_command("warning", f"{a.run.name}: detector {c.code} crashed: {c.error}",
                                     file=file, title=f"{c.code} {c.name} crashed"))
    return "".join(line + "\n" for line in lines)


# -- Markdown for $GITHUB_STEP_SUMMARY --------------------------------------------


def md_escape(text: Any) -> str:
    """Safe inside a Markdown table cell: no pipes, no newlines, no raw HTML."""
    s = str(text).replace("\r", " ").replace("\n", " ")
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for ch in ("\\", "|", "`", "*", "[", "]"):
        s = s.replace(ch, "\\" + ch)
    return s


def to_markdown(result: "CheckResult") -> str:
    """A step summary: the overall result, a row per run, then each run's findings."""
    mark = "✅ passed" if result.passed else "❌ failed"
    if result.input_errors:
        mark += " · ⚠️ damaged input (exit 2)"
    out = [f"## ganlog check: {mark}", ""]
    out.append(f"Fail on **{result.fail_on.label}** or above"
               + (" and on an **inconclusive** verdict" if result.fail_on_inconclusive else "")
               + (" (only what got worse than the baseline)" if any(r.baseline for r in result.runs) else "")
               + (" · `--exit-zero`" if result.exit_zero else "") + ".")
    out += ["", "| Run | Verdict | Errors | Warnings | Info | Check |", "|---|---|---:|---:|---:|---|"]
    for judged in result.runs:
        a = judged.analysis
        c = {s: sum(1 for f in a.findings if f.severity == s) for s in Severity}
        out.append(
            f"| {md_escape(a.run.name)} | {a.verdict} | {c[Severity.ERROR]} | {c[Severity.WARNING]} "
            f"| {c[Severity.INFO]} | {'pass' if judged.passed else '**FAIL**'} |"
        )
    for judged in result.runs:
        a = judged.analysis
        run = a.run
        out += ["", f"### {md_escape(run.name)}: {a.verdict}", ""]
        facts = [f"{md_escape(run.source)}", f"{len(run.frame):,} records",
                 f"loss family {md_escape(run.loss_family.name)}"]
        if a.healthy_until is not None and a.verdict in ("broken", "degraded"):
            facts.append(f"healthy until {md_escape(run.describe_step(a.healthy_until))}")
        if a.partial:
            facts.append("**partial input**")
        out.append(" · ".join(facts))
        out += ["", md_escape(a.verdict_reason)]
        out += [f"- To judge it: {md_escape(_remedy_title(r))}" for r in a.verdict_remedies]
        out += [f"\n> **Input error:** {md_escape(e)}" for e in judged.input_errors]
        if judged.baseline is not None:
            regs = judged.baseline.regressions
            out += ["", f"Against baseline {md_escape(judged.baseline.baseline_source)}: "
                    + (f"{len(regs)} regression{'s' if len(regs) != 1 else ''}." if regs
                       else "nothing got worse.")]
            out += [f"- {md_escape(r.message)}" for r in regs]
        if a.findings:
            out += ["", "| Severity | Code | Steps | Finding | Try |", "|---|---|---|---|---|"]
            for f in a.findings:
                sev = f.severity.label + (" (in baseline)" if judged.in_baseline(f) else "")
                if judged.counts_against(f):
                    sev = f"**{sev}**"
                try_ = md_escape(_remedy_title(f.remedies[0])) if f.remedies else ""
                out.append(f"| {sev} | {f.code} {md_escape(f.name)} | {_short_span(f)} "
                           f"| {md_escape(f.message)} | {try_} |")
        else:
            out += ["", f"No findings from {len(a.ran)} detector{'s' if len(a.ran) != 1 else ''}."]
        if a.skipped:
            out += ["", "<details><summary>Not checked (columns not logged): "
                    + ", ".join(s.code for s in a.skipped) + "</summary>", ""]
            out += [f"- {s.code} {md_escape(s.name)}: {md_escape(s.reason)}" for s in a.skipped]
            out += ["", "</details>"]
        for c in a.crashed:
            out += ["", f"> **Detector crashed:** {c.code} {md_escape(c.name)}: {md_escape(c.error)}"]
    out += ["", md_escape(result.summary_line()), ""]
    return "\n".join(out)


def _short_span(f: Finding) -> str:
    """Steps only: the finding's message already says the span in the log's own terms."""
    if f.span is None:
        return "whole run"

    def fmt(v: float) -> str:
        return f"{int(v):,}" if float(v).is_integer() else f"{v:,.1f}"

    return fmt(f.span.start) if f.span.start == f.span.end else f"{fmt(f.span.start)}–{fmt(f.span.end)}"


FORMATS = ("text", "json", "junit", "github", "markdown")


def render_check(result: "CheckResult", fmt: str, *, color: bool = False) -> str:
    """``ganlog check`` output in one of :data:`FORMATS`."""
    if fmt == "json":
        return to_json(result)
    if fmt == "junit":
        return to_junit(result)
    if fmt == "github":
        return to_github(result)
    if fmt == "markdown":
        return to_markdown(result)
    if fmt == "text":
        return to_text(result, color=color)
    raise ValueError(f"unknown format {fmt!r}")


def to_text(result: "CheckResult", *, color: bool = False) -> str:
    """The terminal summary of each run, then what failed and one summary line."""
    from .text import render

    parts = []
    for judged in result.runs:
        text = render(judged.analysis, color=color)
        if judged.baseline is not None:
            regs = judged.baseline.regressions
            text += f"Against baseline {judged.baseline.baseline_source}: "
            text += (f"{len(regs)} regression{'s' if len(regs) != 1 else ''}\n" if regs
                     else "nothing got worse\n")
            text += "".join(f"  {r.kind:<11} {r.message}\n" for r in regs)
        parts.append(text)
    tail = []
    for judged in result.runs:
        if judged.passed:
            tail.append(f"pass  {judged.name}" + (" (inconclusive)" if judged.analysis.verdict == "inconclusive"
                                                  else ""))
        else:
            codes = sorted({f.code for f in judged.failing})
            if judged.fails_inconclusive:
                codes.append("inconclusive")
            tail.append(f"FAIL  {judged.name}: {', '.join(codes)}")
    return "\n".join(parts) + "\n" + "\n".join(tail) + "\n" + result.summary_line() + "\n"
