"""``ganlog rules``: the detectors, from the registry and their docstrings.

Docs come from the code: the table is the registry, a detector's page is its
docstring sections, its Params dataclass (names, types, defaults) and the
remedy catalog entries it points at.
"""

from __future__ import annotations

from typing import Any

import click

from .common import user_errors


@click.command(short_help="List the detectors, or print one's documentation.")
@click.argument("code", required=False, metavar="[CODE]")
@click.option("--format", "out_format", type=click.Choice(("text", "json")), default="text",
              show_default=True)
@user_errors
def rules(code: str | None, out_format: str) -> None:
    """List every detector (code, name, default severity, summary, columns it needs), or,
    with CODE (e.g. GAN202, or its name d-frozen), print that detector's documentation.
    """
    import json

    from ..detectors import get, registry

    if code is None:
        rows = [rule_summary(cls) for cls in registry().values()]
        if out_format == "json":
            click.echo(json.dumps(rows, indent=2))
        else:
            click.echo(render_table(rows), nl=False)
        return
    cls = get(code)
    doc = rule_doc(cls)
    if out_format == "json":
        click.echo(json.dumps(doc, indent=2))
    else:
        click.echo(render_doc(doc), nl=False)


def rule_summary(cls: Any) -> dict[str, Any]:
    return {
        "code": cls.code,
        "name": cls.name,
        "severity": cls.default_severity.label,
        "summary": cls.summary or cls.doc_sections().get("Summary", "").split("\n")[0],
        "requires": list(cls.requires),
    }


def rule_doc(cls: Any) -> dict[str, Any]:
    from .. import remedies
    from ..config import params_table

    doc = rule_summary(cls)
    sections = cls.doc_sections()
    doc["sections"] = {k: v for k, v in sections.items() if k != "Summary"}
    doc["description"] = sections.get("Summary", "")
    doc["parameters"] = params_table(cls)
    doc["remedies"] = []
    for rid in cls.remedies:
        entry: dict[str, Any] = {"id": rid}
        rem = remedies.CATALOG.get(rid)
        if rem is not None:
            entry["title"] = rem.title
        doc["remedies"].append(entry)
    return doc


def render_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "No detectors registered.\n"
    name_w = max(len(r["name"]) for r in rows)
    lines = [f"{'CODE':<7} {'NAME':<{name_w}} {'SEVERITY':<8} SUMMARY"]
    for r in rows:
        needs = f" [needs {', '.join(r['requires'])}]" if r["requires"] else ""
        lines.append(f"{r['code']:<7} {r['name']:<{name_w}} {r['severity']:<8} {r['summary']}{needs}")
    lines.append("")
    lines.append("`ganlog rules CODE` prints one detector's documentation; "
                 "configure with [tool.ganlog.CODE] or --set CODE.PARAM=VALUE.")
    return "\n".join(lines) + "\n"


def render_doc(doc: dict[str, Any]) -> str:
    import textwrap

    out = [f"{doc['code']} {doc['name']} (default severity: {doc['severity']})", ""]
    if doc["description"]:
        out += [doc["description"], ""]
    if doc["requires"]:
        out += [f"Needs: {', '.join(doc['requires'])}", ""]
    for title, body in doc["sections"].items():
        out += [title, "-" * len(title), body, ""]
    if doc["parameters"]:
        out += ["Parameters (set with [tool.ganlog." + doc["code"] + "] or --set "
                + doc["code"] + ".NAME=VALUE)", ""]
        for p in doc["parameters"]:
            line = f"  {p['name']} = {_toml(p['default'])}  ({p['type']})"
            out.append(line)
            if p["help"]:
                out += textwrap.wrap(p["help"], 76, initial_indent="      ", subsequent_indent="      ")
        out.append("")
    if doc["remedies"]:
        out += ["Remedies, most likely to help first", ""]
        out += [f"  {r['id']}: {r.get('title', '(not in the catalog)')}" for r in doc["remedies"]]
        out.append("")
    return "\n".join(out)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if value is None:
        return "(none)"
    return repr(value)
