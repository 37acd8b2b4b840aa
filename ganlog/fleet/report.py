"""The fleet report: one self-contained HTML file (no script, no external URL) and a Markdown summary.

Rendering is a pure function of the sweep's rows (:func:`render_html`, :func:`render_markdown`).
:func:`write_reports` also writes, for the worst few runs only, each run's own report with
ganlog's run report renderer (:mod:`ganlog.report.html`), and links them.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .discover import Root, Unit
    from .sweep import SweepResult
    from .worker import Settings

HTML_NAME = "fleet.html"
#: a config key with more distinct values (a seed per run) is not tabulated in the report
MAX_CONFIG_VALUES = 24
MD_NAME = "summary.md"

#: worst first; verdict names ganlog does not know (yet) rank between "error" and healthy ones
_VERDICT_RANK = {"error": 0, "broken": 1, "degraded": 2, "needs attention": 2, "inconclusive": 3, "healthy": 5}

_CSS = """
.bar { display: inline-block; height: .8rem; background: var(--error, #c62828); vertical-align: middle; }
.bar.warn { background: var(--warning, #b26a00); }
.barbox { display: inline-block; width: 10rem; background: var(--panel, #f6f7f9); border: 1px solid var(--line, #ddd); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.tiles { display: flex; flex-wrap: wrap; gap: .6rem; margin: .6rem 0; }
.tile { border: 1px solid var(--line, #ddd); border-radius: 8px; padding: .5rem .8rem; min-width: 8rem; }
.tile b { display: block; font-size: 1.6rem; }
.v-error, .v-broken { color: var(--error, #c62828); font-weight: 600; }
.v-degraded, .v-needs-attention { color: var(--warning, #b26a00); font-weight: 600; }
.v-healthy { color: var(--ok, #1f7a3a); }
.v-inconclusive { color: var(--info, #1e6fb8); font-weight: 600; }
"""


def verdict_rank(row: dict[str, Any]) -> tuple:
    """Worst first: unreadable, then by verdict, failing findings, errors, warnings, earliest onset."""
    onset = row.get("first_failing_step")
    return (_VERDICT_RANK.get(row.get("verdict") or "", 4), 0 if not row.get("passed") else 1,
            -(row.get("n_error") or 0), -(row.get("n_warning") or 0),
            onset if onset is not None else float("inf"), row["run"])


def worst_runs(result: "SweepResult", n: int) -> list[dict[str, Any]]:
    return sorted((r for r in result.runs if not r.get("passed")), key=verdict_rank)[:n]


def code_rates(result: "SweepResult") -> list[dict[str, Any]]:
    """Per code: how many runs show it (and fail on it), and the share of readable runs."""
    readable = [r for r in result.runs if r.get("verdict") != "error"]
    total = max(1, len(readable))
    runs_with: dict[str, set[str]] = defaultdict(set)
    failing_with: dict[str, set[str]] = defaultdict(set)
    names: dict[str, str] = {}
    worst: dict[str, str] = {}
    order = {"info": 1, "warning": 2, "error": 3}
    for f in result.findings:
        runs_with[f["code"]].add(f["run"])
        if f.get("failing"):
            failing_with[f["code"]].add(f["run"])
        names[f["code"]] = f.get("name") or ""
        if order.get(f["severity"], 0) > order.get(worst.get(f["code"], ""), 0):
            worst[f["code"]] = f["severity"]
    rows = [{"code": c, "name": names[c], "severity": worst[c], "runs": len(rs), "failing": len(failing_with[c]),
             "rate": len(rs) / total} for c, rs in runs_with.items()]
    return sorted(rows, key=lambda x: (-x["runs"], x["code"]))


def config_rates(result: "SweepResult") -> dict[str, list[dict[str, Any]]]:
    """Per config key and value: runs, failing runs, failure rate."""
    table: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for r in result.runs:
        for k, v in json.loads(r.get("config") or "{}").items():
            cell = table[k][v]
            cell[0] += 1
            cell[1] += 0 if r.get("passed") else 1
    out = {}
    for k, vals in sorted(table.items()):
        out[k] = [{"value": v, "runs": n, "failing": f, "rate": f / n if n else 0.0}
                  for v, (n, f) in sorted(vals.items(), key=lambda kv: _sort_key(kv[0]))]
    return out


def _sort_key(v: str) -> tuple:
    try:
        return (0, float(v), v)
    except ValueError:
        return (1, 0.0, v)


def onsets(result: "SweepResult") -> list[float]:
    """Where failing runs start failing, as a fraction of each run's length (0 = first step)."""
    out = []
    for r in result.runs:
        s, a, b = r.get("first_failing_step"), r.get("first_step"), r.get("last_step")
        if s is None or a is None or b is None:
            continue
        out.append(0.0 if b <= a else min(1.0, max(0.0, (s - a) / (b - a))))
    return out


def _bar(rate: float, warn: bool = False) -> str:
    w = max(0.0, min(1.0, rate)) * 100
    return (f'<span class="barbox"><span class="bar{" warn" if warn else ""}" style="width:{w:.1f}%">'
            f'</span></span>')


def _onset_svg(values: list[float], bins: int = 10) -> str:
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int(v * bins))] += 1
    top = max(counts) or 1
    w, h, pad = 520, 160, 28
    bw = (w - 2 * pad) / bins
    parts = [f'<svg class="plot" viewBox="0 0 {w} {h + 30}" role="img" '
             f'aria-label="Onset of the first failing finding, as a share of each run">']
    for i, c in enumerate(counts):
        bh = (h - pad) * c / top
        x = pad + i * bw
        parts.append(f'<rect x="{x + 2:.1f}" y="{h - bh:.1f}" width="{bw - 4:.1f}" height="{bh:.1f}" '
                     f'fill="#c62828"><title>{i * 10}-{(i + 1) * 10}% of the run: {c} runs</title></rect>')
        if c:
            parts.append(f'<text x="{x + bw / 2:.1f}" y="{h - bh - 4:.1f}" font-size="11" '
                         f'text-anchor="middle">{c}</text>')
        parts.append(f'<text x="{x + bw / 2:.1f}" y="{h + 14}" font-size="11" text-anchor="middle">'
                     f'{i * 10}%</text>')
    parts.append(f'<line x1="{pad}" y1="{h}" x2="{w - pad}" y2="{h}" stroke="#5c6475"/>')
    parts.append(f'<text x="{w / 2}" y="{h + 28}" font-size="11" text-anchor="middle">'
                 f'where the first failing finding starts (share of the run)</text></svg>')
    return "".join(parts)


def _css() -> str:
    try:
        from ..report.html import css

        return css() + _CSS
    except Exception:  # noqa: BLE001 -- the run report's CSS is a nicety here
        return _CSS


def render_html(result: "SweepResult", *, worst: int = 10) -> str:
    """The fleet report as one HTML document; every value escaped."""
    e = escape
    verdicts = Counter(r.get("verdict") or "?" for r in result.runs)
    n = len(result.runs)
    failing = result.failing
    h: list[str] = []
    h.append("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             "<meta name='viewport' content='width=device-width, initial-scale=1'>"
             f"<title>ganlog fleet: {e(result.root)}</title><style>{_css()}</style></head><body><main>")
    state = "broken" if result.exit_code else "healthy"
    h.append(f"<section class='verdict verdict-{state}'><h1>{len(failing)} of {n} runs failing</h1>"
             f"<p class='lead'>{e(result.summary_line())}</p>"
             f"<p class='muted mono'>{e(result.root)}</p></section>")
    h.append("<div class='tiles'>")
    for v, c in sorted(verdicts.items(), key=lambda kv: _VERDICT_RANK.get(kv[0], 4)):
        h.append(f"<div class='tile'><b class='v-{e(v.replace(' ', '-'))}'>{c}</b>{e(v)}</div>")
    h.append("</div>")

    h.append("<h2>Worst runs</h2>")
    rows = worst_runs(result, worst)
    if rows:
        h.append("<div class='scroll'><table><thead><tr><th>run</th><th>verdict</th><th>codes</th>"
                 "<th class='num'>first failing step</th><th class='num'>records</th><th>report</th></tr></thead><tbody>")
        for r in rows:
            rep = result.reports.get(r["run"])
            link = f"<a href='{e(rep)}'>report</a>" if rep else "<span class='muted'>—</span>"
            what = r.get("error") or r.get("failing_codes") or r.get("codes") or ""
            ffs = r.get("first_failing_step")
            h.append(f"<tr><td class='mono'>{e(r['run'])}</td>"
                     f"<td class='v-{e((r.get('verdict') or '').replace(' ', '-'))}'>{e(r.get('verdict') or '')}</td>"
                     f"<td class='mono'>{e(what)}</td><td class='num'>{'' if ffs is None else f'{ffs:,.0f}'}</td>"
                     f"<td class='num'>{r.get('records') or 0:,}</td><td>{link}</td></tr>")
        h.append("</tbody></table></div>")
    else:
        h.append("<p>No run fails.</p>")

    h.append("<h2>Failure rate per code</h2>")
    cr = code_rates(result)
    if cr:
        h.append("<div class='scroll'><table><thead><tr><th>code</th><th>name</th><th>worst severity</th>"
                 "<th class='num'>runs</th><th class='num'>failing</th><th>share of runs</th></tr></thead><tbody>")
        for c in cr:
            h.append(f"<tr><td class='mono'>{e(c['code'])}</td><td>{e(c['name'])}</td><td>{e(c['severity'])}</td>"
                     f"<td class='num'>{c['runs']}</td><td class='num'>{c['failing']}</td>"
                     f"<td>{_bar(c['rate'], c['severity'] != 'error')} {c['rate']:.0%}</td></tr>")
        h.append("</tbody></table></div>")
    else:
        h.append("<p>No findings.</p>")

    cfg = config_rates(result)
    if cfg:
        h.append("<h2>Failure rate per config value</h2>"
                 "<p class='muted'>Config values come from hive-style folder names such as "
                 "<code>lr=2e-4/seed=3/</code>.</p>")
        for k, vals in cfg.items():
            if len(vals) > MAX_CONFIG_VALUES:
                h.append(f"<p class='muted'><code>{e(k)}</code>: {len(vals)} distinct values, too many to "
                         f"tabulate here; <code>ganlog query RESULTS \"SELECT {e(k)}, avg((NOT passed)::int) "
                         f"FROM runs GROUP BY 1\"</code></p>")
                continue
            h.append(f"<table><caption>{e(k)}</caption><thead><tr><th>value</th><th class='num'>runs</th>"
                     "<th class='num'>failing</th><th>failure rate</th></tr></thead><tbody>")
            for v in vals:
                h.append(f"<tr><td class='mono'>{e(v['value'])}</td><td class='num'>{v['runs']}</td>"
                         f"<td class='num'>{v['failing']}</td><td>{_bar(v['rate'])} {v['rate']:.0%}</td></tr>")
            h.append("</tbody></table>")

    ons = onsets(result)
    h.append("<h2>Onset</h2>")
    if ons:
        h.append(f"<figure>{_onset_svg(ons)}</figure>")
    else:
        h.append("<p>No failing run has a located onset.</p>")

    errors = result.errors
    if errors:
        h.append(f"<h2>Runs that could not be read ({len(errors)})</h2><div class='scroll'><table><thead><tr>"
                 "<th>run</th><th>error</th></tr></thead><tbody>")
        for r in errors[:500]:
            h.append(f"<tr><td class='mono'>{e(r['run'])}</td><td>{e(r['error'])}</td></tr>")
        h.append("</tbody></table></div>")
    if result.notes:
        h.append("<h2>Notes</h2><ul>" + "".join(f"<li>{e(x)}</li>" for x in result.notes[:50]) + "</ul>")
    h.append("<p class='muted'>Tables: <code>runs.parquet</code>, <code>findings.parquet</code> "
             "(query them with <code>ganlog query</code>).</p></main></body></html>\n")
    return "".join(h)


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(result: "SweepResult", *, worst: int = 10) -> str:
    """A short Markdown summary for CI step summaries."""
    lines = [f"## ganlog sweep: {len(result.failing)} of {len(result.runs)} runs failing", "",
             result.summary_line(), ""]
    cr = code_rates(result)
    if cr:
        lines += ["| code | name | runs | failing | share |", "|---|---|---:|---:|---:|"]
        lines += [f"| {c['code']} | {_md(c['name'])} | {c['runs']} | {c['failing']} | {c['rate']:.0%} |"
                  for c in cr]
        lines.append("")
    rows = worst_runs(result, worst)
    if rows:
        lines += ["**Worst runs**", "", "| run | verdict | codes | first failing step |", "|---|---|---|---:|"]
        for r in rows:
            ffs = r.get("first_failing_step")
            lines.append(f"| `{_md(r['run'])}` | {_md(r.get('verdict'))} | "
                         f"{_md(r.get('error') or r.get('failing_codes') or '')} | {'' if ffs is None else f'{ffs:,.0f}'} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def write_reports(result: "SweepResult", root: "Root", units: "dict[str, Unit]", settings: "Settings", *,
                  worst: int = 5) -> None:
    """fleet.html, summary.md, and reports/<run>.html for the worst few readable runs."""
    from ..atomic import write_text
    from .worker import _config, read_unit, run_id, safe_name, unit_path

    out = result.out
    reports = out / "reports"
    picked = [r for r in worst_runs(result, len(result.runs)) if r.get("verdict") != "error"][:worst]
    for row in picked:
        unit = units.get(row["unit"])
        if unit is None:
            continue
        try:
            from ..analysis import analyze
            from ..report import html

            with unit_path(root, unit) as (path, shown):
                runs = read_unit(root, unit, settings, path, shown)
                for run in runs:
                    if run_id(unit, run, len(runs)) != row["run"]:
                        continue
                    reports.mkdir(parents=True, exist_ok=True)
                    target = reports / (safe_name(row["run"]) + ".html")
                    html.write(analyze(run, _config(settings)), target)
                    result.reports[row["run"]] = f"reports/{target.name}"
        except Exception as exc:  # noqa: BLE001 -- a missing per-run report is a note, not a failed sweep
            result.notes.append(f"{row['run']}: its own report could not be written ({exc})")
    write_text(out / HTML_NAME, render_html(result))
    write_text(out / MD_NAME, render_markdown(result))
