"""The HTML report: content, escaping, self-containment, determinism, thinning."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from ganlog.analysis import Analysis
from ganlog.detectors import registry
from ganlog.detectors.base import Finding, Severity, Span
from ganlog.frame import Run
from ganlog.remedies import CATALOG
from ganlog.report import html, plots

from .conftest import synthetic_analysis


def test_forum_report_top_says_verdict_and_what_was_read(forum) -> None:
    page = html.render(forum)
    top = page[page.index("<body>"):page.index('id="timeline"')]
    assert f">{forum.verdict.capitalize()}<" in top
    assert html.VERDICT_TEXT[forum.verdict] in top
    for fact in ("forum_bce", "forum", f"{len(forum.run.frame):,}", forum.run.loss_family.name,
                 forum.run.loss_family.reason):
        assert fact in top, fact
    assert "1,900–21,276" in top  # the steps the log covers
    for f in forum.findings:  # whatever the detectors on main find, the top lists it
        assert f.code in top


def test_findings_most_severe_first_with_cards(broken) -> None:
    page = html.render(broken)
    summary = page[page.index('id="findings-summary"'):page.index('id="timeline"')]
    order = re.findall(r"<strong>(GAN\d{3})</strong>", summary)
    assert order == ["GAN101", "GAN401", "GAN102", "GAN302"]
    cards = re.findall(r'<article class="card sev-(\w+)" id="finding-\d+-(gan\d{3})"', page)
    assert [c for _, c in cards] == ["gan101", "gan401", "gan102", "gan302"]
    assert [s for s, _ in cards] == ["error", "error", "warning", "info"]
    # evidence table, the remedy from the catalog with its sketch and reference
    assert "<th scope=\"row\">median_loss_d</th><td>0.05</td>" in page
    ttur = CATALOG["ttur"]
    assert ttur.title in page and ttur.references[0].authors in page
    assert "torch.optim.Adam(D.parameters(), lr=4e-4" in page
    assert "no-such-remedy (not in the remedy catalog)" in page
    # what to try first is the top remedy of the most severe finding
    top = page[:page.index('id="run"')]
    assert "What to try first" in top and ttur.title in top and "GAN101" in top
    # every card with a span has its zoomed plot
    assert page.count('<figure class="zoom">') == 4


def test_healthy_run_says_nothing_to_fix() -> None:
    run = Run.from_frame(pd.DataFrame({"step": np.arange(200.0), "loss_d": np.full(200, 1.3),
                                       "loss_g": np.full(200, 0.8)}), name="calm")
    page = html.render(Analysis(run=run, ran=["GAN101"]))
    assert ">Healthy<" in page and "Nothing to fix" in page and "Findings in detail" not in page


def test_why_it_matters_comes_from_the_detector_docstring() -> None:
    reg = registry()
    if not reg:
        pytest.skip("no detector module has landed yet: nothing to take the docstring from")
    run = Run.from_frame(pd.DataFrame({"step": np.arange(50.0), "loss_d": np.ones(50), "loss_g": np.ones(50)}))
    findings = [Finding(code, cls.name, Severity.WARNING, 0.5, f"message for {code}", Span(0, 49, 0, 49))
                for code, cls in reg.items()]
    page = html.render(Analysis(run=run, findings=findings))
    for code, cls in reg.items():
        why = cls.doc_sections().get("Why it matters")
        if why:
            first_words = " ".join(why.split()[:8])
            # the report renders the docstring's reST (``p`` -> <code>p</code>), escaped
            assert str(html.rst_inline(first_words)) in page, code


def test_log_content_is_escaped() -> None:
    evil = "<script>alert(1)</script>"
    frame = pd.DataFrame({"step": np.arange(100.0), "loss_d": np.ones(100), "loss_g": np.ones(100),
                          evil: np.arange(100.0)})
    run = Run.from_frame(frame, name=evil, source=f"/tmp/{evil}.log")
    run.stats.skip(7, f"junk {evil} <img src=x onerror=alert(2)>")
    run.stats.warn(f"odd {evil}")
    f = Finding("GAN999", evil, Severity.WARNING, 0.5, evil, Span(10, 20, 10, 20), {evil: evil}, [evil])
    page = html.render(Analysis(run=run, findings=[f]))
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "junk &lt;script&gt;" in page


def test_a_dollar_in_a_run_name_does_not_break_the_plots() -> None:
    ref = Run.from_frame(pd.DataFrame({"step": np.arange(50.0), "loss_d": np.ones(50), "loss_g": np.ones(50)}),
                         name="cost $5 $x^2$")
    an = synthetic_analysis(200)
    an.comparisons.append(Analysis(run=ref))
    assert "cost $5 $x^2$" in html.render(an)


def test_self_contained_no_external_urls_no_script(broken, forum) -> None:
    for an in (broken, forum):
        page = html.render(an)
        refs = re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]+)""", page, flags=re.I)
        external = [r for r in refs if re.match(r"(?i)(https?:)?//|ftp:|file:", r)]
        assert not external, external
        assert "<script" not in page.lower() and "<link" not in page.lower()
        assert "@import" not in page
        assert all(u.startswith("#") for u in re.findall(r"url\(\s*['\"]?([^)'\"]*)", page))
        assert "<style>" in page and 'class="plot wide"' in page and 'class="plot narrow"' in page


def test_render_is_deterministic_across_processes(broken, repo_root) -> None:
    assert html.render(broken) == html.render(broken)
    code = ("import sys; sys.path.insert(0, 'tests'); from report.conftest import synthetic_analysis;"
            "from ganlog.report import html; sys.stdout.write(html.render(synthetic_analysis(400, comparisons=1)))")
    out = [subprocess.run([sys.executable, "-c", code], cwd=repo_root, capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(repo_root), "PATH": "/usr/bin:/bin", "PYTHONHASHSEED": "7"}
                          ).stdout]
    here = html.render(synthetic_analysis(400, comparisons=1))
    for other in out:
        if other != here:
            at = next(i for i, (a, b) in enumerate(zip(other, here)) if a != b) if len(other) == len(here) else 0
            raise AssertionError(f"renders differ at {at}: {other[at - 200:at + 200]!r} vs {here[at - 200:at + 200]!r}")


def test_timeline_shades_findings_marks_regime_change_and_offers_log_view(broken) -> None:
    page = html.render(broken)
    timeline = page[page.index('id="timeline"'):page.index('id="findings"')]
    for code in ("GAN101", "GAN401", "GAN102", "GAN302"):
        assert f"> {code}</text>" in timeline, code
    assert "changed behaviour: step 15,000" in timeline
    # the D loss collapses towards 0: a log view first, then linear; each drawn wide and narrow
    assert 'id="scale-log" checked' in timeline and "Losses (log scale)" in timeline
    assert timeline.count("<svg") == 4
    assert "D(x) on real" in timeline and "D(G(z)) before D step" in timeline


def test_log1p_view_for_early_spikes_without_a_collapse() -> None:
    an = synthetic_analysis()
    an.findings = [f for f in an.findings if f.code != "GAN101"]
    an.run.frame["loss_d"] = an.run.frame["loss_d"] - 2.0  # not positive: no log axis
    timeline = html.render(an).split('id="timeline"')[1].split('id="findings"')[0]
    assert 'id="scale-log1p" checked' in timeline and "log1p scale" in timeline


def test_comparison_runs_are_overlaid_and_cut_to_the_runs_steps() -> None:
    from ganlog.report import plots

    an = synthetic_analysis(400, comparisons=1)
    longer = synthetic_analysis(2000, name="reference-long").run
    an.comparisons[0].run = longer
    page = html.render(an)
    timeline = page[page.index('id="timeline"'):page.index('id="findings"')]
    assert "reference-long (ref.)" in timeline
    # the run's steps end at 3,990; the reference's 19,990 must not stretch the axis
    wide = timeline.split('class="plot wide"')[1]
    ticks = [t for t in re.findall(r">([0-9][0-9,.]*k?)</text>", wide)]
    assert ticks and not any(t.endswith("k") and float(t[:-1]) > 5 for t in ticks), ticks
    assert plots._x_range(an.run)[1] == 3990
    section = page[page.index('id="comparisons"'):]
    assert "reference-long" in section and "Compared with" in section


def test_gap_without_records_is_drawn_and_said() -> None:
    import numpy as np
    import pandas as pd

    from ganlog.analysis import Analysis
    from ganlog.frame import Run

    step = np.r_[np.arange(0, 300, 10), np.arange(20000, 20300, 10)].astype(float)
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"step": step, "loss_d": 1.3 + 0.1 * rng.standard_normal(60),
                          "loss_g": 0.8 + 0.1 * rng.standard_normal(60)})
    page = html.render(Analysis(run=Run.from_frame(frame, name="gappy", source="g.log"), ran=["GAN101"]))
    assert "No records</strong> between steps 290–20,000" in page
    assert page.count(">no records</text>") == 2  # wide and narrow timeline


def test_healthy_with_a_note_does_not_say_nothing_was_found(forum) -> None:
    from ganlog.analysis import Analysis

    note = next(f for f in forum.findings if f.severity == Severity.INFO)
    an = Analysis(run=forum.run, findings=[note], ran=forum.ran)
    page = html.render(an)
    top = page[:page.index('id="timeline"')]
    assert "The note below is for information, not a problem" in top or "is for information" in top


def test_rest_markup_is_rendered_and_escaped() -> None:
    out = str(html.rst_inline("a gate that skips ``optimizer_d.step()`` when <x> & *rarely*"))
    assert "<code>optimizer_d.step()</code>" in out and "&lt;x&gt; &amp;" in out and "<em>rarely</em>" in out
    assert "``" not in out


def test_mode_collapse_card_plots_the_diversity(samples) -> None:
    from ganlog.analysis import analyze

    an = analyze(samples / "reference" / "mode-collapse" / "metrics.jsonl")
    f = next(f for f in an.findings if f.code == "GAN502")
    svg = html.finding_view(an, f, 0).plot
    assert "Diversity (what GAN502 judged)" in svg


def test_timing_columns_are_never_the_timeline(samples) -> None:
    from ganlog.analysis import analyze
    from ganlog.report import plots

    run = analyze(samples / "cyclegan_loss_log.log").run
    labels = [c for c, _, _ in plots.loss_columns(run)]
    assert labels and not any("time" in c for c in labels), labels


def test_remedies_shown_once_three_per_card_rest_folded(broken) -> None:
    broken.findings[0].remedies = ["ttur", "spectral-norm", "r1-penalty", "instance-noise", "ema-generator"]
    broken.findings[2].remedies = ["ttur", "lr-reduction"]
    page = html.render(broken)
    card1 = page.split('id="finding-1-gan101"')[1].split("</article>")[0]
    assert card1.count('class="remedy-title"') == 5 and "2 more remedies" in card1
    assert card1.index("<details") > card1.index("[r1-penalty]")
    card3 = page.split('id="finding-3-gan102"')[1].split("</article>")[0]
    assert 'href="#remedy-ttur"' in card3 and card3.count("<pre>") == 1  # ttur linked, lr-reduction in full


def test_parse_diagnostics_with_skipped_examples(broken) -> None:
    broken.run.stats.lines_read = 1234
    broken.run.stats.skip(17, "Saving checkpoint to ckpt/epoch_3.pt")
    broken.skipped = []
    page = html.render(broken)
    diag = page[page.index('id="diagnostics"'):]
    assert "1,234" in diag and "Saving checkpoint to ckpt/epoch_3.pt" in diag and "<td>17</td>" in diag


def test_thin_keeps_spikes_and_gaps_within_budget() -> None:
    n = 1_000_000
    y = np.sin(np.arange(n) / 5000.0)
    y[123_457] = 50.0
    y[700_000:700_300] = np.nan
    x, t = plots.thin(np.arange(n), y, 2000)
    assert len(t) <= 2000
    assert np.nanmax(t) == 50.0 and 123_457 in x
    assert np.isnan(t).any()
    assert np.all(np.diff(x) > 0)
    assert abs(np.nanmin(t) + 1) < 1e-3


def test_thin_leaves_small_series_alone() -> None:
    x, y = plots.thin(np.arange(10), np.arange(10.0), 100)
    assert len(x) == 10


def test_restarted_log_breaks_the_line_between_segments() -> None:
    frame = pd.DataFrame({"step": [0, 1, 2, 3, 1, 2, 3, 4.0], "loss_d": np.ones(8), "loss_g": np.ones(8)})
    run = Run.from_frame(frame)
    assert run.n_segments == 2
    x, _ = plots.line_data(run, "loss_d", 100)
    assert np.isnan(x).sum() == 1


def test_line_breaks_across_a_stretch_the_log_skipped(forum) -> None:
    # the forum sample jumps from epoch 1 to epoch 3: no line across the missing steps
    x, y = plots.line_data(forum.run, "loss_d", 1000)
    assert np.isnan(x).sum() == 1
    before = x[: int(np.flatnonzero(np.isnan(x))[0])]
    assert before.max() < 19_776


def test_templates_found_in_the_repository() -> None:
    assert (html.templates_dir() / "report.html.j2").is_file()
    for section in ("verdict", "summary", "timeline", "findings", "finding_card", "comparisons", "diagnostics"):
        assert (html.templates_dir() / "sections" / f"{section}.html.j2").is_file()


def test_odd_runs_still_render() -> None:
    """No losses logged, a single record, no record at all: a page, never a crash."""
    no_losses = Run.from_frame(pd.DataFrame({"step": np.arange(100.0), "fid": np.linspace(50, 20, 100)}),
                               name="fid-only")
    f = Finding("GAN501", "metric-degradation", Severity.WARNING, 0.5, "FID got worse", Span(10, 90, 10, 90))
    page = html.render(Analysis(run=no_losses, findings=[f]))
    assert "Sample quality" in page and page.count("<svg") == 3  # timeline wide + narrow, the card
    one = Run.from_frame(pd.DataFrame({"step": [5.0], "loss_d": [1.0], "loss_g": [np.nan]}), name="one")
    page = html.render(Analysis(run=one))  # one D loss and no G loss: nothing to judge
    assert ">Inconclusive<" in page and "What to log" in page and "no G (generator) loss" in page
    empty = Run.from_frame(pd.DataFrame({"step": pd.Series([], dtype=float), "loss_d": pd.Series([], dtype=float)}))
    assert "Nothing to plot" in html.render(Analysis(run=empty))


def test_inconclusive_reason_is_said_once(samples) -> None:
    """The verdict's one sentence of why sits under the lead once, not repeated inside it."""
    import ganlog

    analysis = ganlog.analyze(samples.parent / "tests" / "corpus" / "improved-wgan-toy-issue-5" / "train.log")
    assert analysis.verdict == "inconclusive"
    page = html.render(analysis)
    assert page.count(str(html.environment().filters["e"](analysis.verdict_reason))) == 1
