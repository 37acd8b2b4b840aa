"""Evidence, not record counts: short real logs judged by how extreme they are; honest verdicts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ganlog
from ganlog.analysis import analyze
from ganlog.detectors import evidence as E
from ganlog.detectors.base import Severity
from ganlog.frame import Run

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

#: the log in issue 11: D loss printed 0.0000, D(x) 1.0000, G loss 41, five records
ISSUE_LOG = """\
[3/25][0/469]\tLoss_D: 0.0113\tLoss_G: 9.8123\tD(x): 0.9921\tD(G(z)): 0.0031 / 0.0002
[3/25][100/469]\tLoss_D: 0.0004\tLoss_G: 38.1207\tD(x): 0.9997\tD(G(z)): 0.0000 / 0.0000
[3/25][200/469]\tLoss_D: 0.0000\tLoss_G: 41.2207\tD(x): 1.0000\tD(G(z)): 0.0000 / 0.0000
[3/25][300/469]\tLoss_D: 0.0002\tLoss_G: 40.8812\tD(x): 0.9998\tD(G(z)): 0.0000 / 0.0000
[3/25][400/469]\tLoss_D: 0.0000\tLoss_G: 41.5530\tD(x): 1.0000\tD(G(z)): 0.0000 / 0.0000
"""


def test_issue_log_is_broken_with_collapse_pinned_and_saturated_at_high_confidence(run_ganlog, tmp_path) -> None:
    log = tmp_path / "pasted.log"
    log.write_text(ISSUE_LOG)
    res = run_ganlog("check", str(log), "--format", "json")
    assert res.returncode == 1, res.stderr
    doc = json.loads(res.stdout)
    (run,) = doc["runs"]
    assert run["verdict"] == "broken" and run["verdict_reason"]
    best = {}
    for f in run["findings"]:
        best[f["code"]] = max(best.get(f["code"], 0), f["confidence"])
    for code in ("GAN101", "GAN201", "GAN205"):
        assert best.get(code, 0) >= E.HIGH_CONFIDENCE, (code, best)
    text = run_ganlog("check", str(log))
    assert "Verdict: BROKEN" in text.stdout


def test_log_without_a_d_loss_is_inconclusive_and_can_fail_ci(run_ganlog, tmp_path) -> None:
    log = tmp_path / "g_only.log"
    log.write_text("".join(f"step {i} g_loss: {2 + 0.1 * (i % 3):.4f} lr: 0.0002\n" for i in range(12)))
    res = run_ganlog("check", str(log), "--format", "json")
    assert res.returncode == 0, res.stderr
    (run,) = json.loads(res.stdout)["runs"]
    assert run["verdict"] == "inconclusive"
    assert "no D (discriminator) loss" in run["verdict_reason"]
    assert "log-both-losses" in [c["id"] for c in run["to_log"]]
    failed = run_ganlog("check", str(log), "--fail-on", "inconclusive")
    assert failed.returncode == 1 and "Verdict: INCONCLUSIVE" in failed.stdout
    assert "FAIL" in failed.stdout and "inconclusive" in failed.stdout
    for fmt, probe in (("junit", 'type="inconclusive"'), ("github", "ganlog inconclusive"),
                       ("markdown", "inconclusive")):
        out = run_ganlog("check", str(log), "--fail-on", "inconclusive", "--format", fmt)
        assert out.returncode == 1 and probe in out.stdout, fmt


def test_config_key_fails_on_inconclusive(run_ganlog, tmp_path) -> None:
    log = tmp_path / "g_only.log"
    log.write_text("".join(f"step {i} g_loss: {2 + 0.1 * (i % 3):.4f}\n" for i in range(12)))
    (tmp_path / "ganlog.toml").write_text("fail-on-inconclusive = true\n")
    assert run_ganlog("check", str(log), cwd=tmp_path).returncode == 1
    (tmp_path / "ganlog.toml").write_text('fail-on = ["warning", "inconclusive"]\n')
    assert run_ganlog("check", str(log), cwd=tmp_path).returncode == 1


def _run(d, g, family=None, **extra) -> Run:
    n = len(d)
    df = pd.DataFrame({"step": np.arange(n) * 100.0, "loss_d": d, "loss_g": g, **extra})
    return Run.from_frame(df, name="t", loss_family=family)


def test_too_few_records_is_inconclusive_and_says_so() -> None:
    a = analyze(_run([1.3, 1.4], [0.7, 0.8], "bce_sum"))
    assert a.verdict == "inconclusive" and "2 records" in a.verdict_reason
    assert "log-more-records" in a.verdict_remedies


def test_short_log_says_too_short_to_judge_oscillation() -> None:
    a = analyze(_run([1.3, 1.4, 1.35, 1.38, 1.33], [0.7, 0.72, 0.69, 0.71, 0.7], "bce_sum"))
    skipped = {s.code: s.reason for s in a.skipped}
    assert skipped["GAN301"] == "too short to judge oscillation (5 records)"
    assert a.verdict == "healthy" and "too short to judge oscillation" in a.verdict_reason


def test_short_irregular_oscillation_fires() -> None:
    d = [0.3, 1.9, 0.25, 2.1, 0.35, 1.8, 0.3, 2.0, 0.28, 1.9]
    g = [3.0, 0.4, 3.2, 0.35, 2.9, 0.45, 3.1, 0.4, 3.3, 0.42]
    a = analyze(_run(d, g, "bce_sum"))
    assert "GAN301" in {f.code for f in a.at_or_above(Severity.WARNING)}


def test_mild_effect_needs_many_records_extreme_two() -> None:
    assert E.records_needed(1.0) == 2 and E.records_needed(0.0) == E.MILD_RECORDS
    assert E.records_needed(0.5) < E.MILD_RECORDS
    mild = analyze(_run([1.2, 1.3, 0.12, 0.13, 1.25, 1.3, 1.2, 1.3], [0.8] * 8, "bce_sum"))
    assert "GAN101" not in {f.code for f in mild.findings}  # two records just under 0.139: a blip
    sharp = analyze(_run([1.2, 1.3, 1.25, 1.3, 1.2, 1.3, 0.0, 0.0], [0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 30, 41], "bce_sum"))
    assert "GAN101" in {f.code for f in sharp.findings}  # two records at 0 at the end: conclusive


def test_printed_zero_is_saturation_not_a_flatline() -> None:
    a = analyze(_run([1.3, 1.2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.7, 0.8, 20.1234, 30.5, 35.2, 38.1, 40.2, 41.9],
                     None, d_x=[0.5, 0.6, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
                     d_g_z1=[0.4, 0.3, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]))
    codes = {f.code for f in a.findings}
    assert {"GAN101", "GAN201", "GAN205"} <= codes and "GAN203" not in codes


def test_exact_repeat_at_chance_is_a_flatline() -> None:
    d = [1.2931, 1.4127, 1.3863, 1.3863, 1.3863, 1.3863, 1.3863, 1.3863]
    g = [0.7512, 0.6412, 0.6931, 0.6931, 0.6931, 0.6931, 0.6931, 0.6931]
    a = analyze(_run(d, g, "bce_sum"))
    assert "GAN203" in {f.code for f in a.findings}


def test_two_domain_run_is_judged_per_pair() -> None:
    df = pd.DataFrame({"step": np.arange(8) * 100.0,
                       "loss_d_a": [0.25, 0.2, 0.22, 0.24, 0.21, 0.23, 0.2, 0.22],
                       "loss_g_a": [0.3, 0.31, 0.29, 0.3, 0.32, 0.3, 0.31, 0.3],
                       "loss_d_b": [0.2, 0.0001, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                       "loss_g_b": [1, 5, 9, 12, 14, 15, 16, 17.0]})
    run = Run.from_frame(df, name="cyclegan", loss_family="lsgan")
    run.meta["pairs"] = {"A": {"loss_d": "loss_d_a", "loss_g": "loss_g_a"},
                         "B": {"loss_d": "loss_d_b", "loss_g": "loss_g_b"}}
    a = analyze(run)
    collapse = [f for f in a.findings if f.code == "GAN101"]
    assert collapse and all(f.evidence["pair"] == "B" for f in collapse)
    assert a.verdict == "broken"


# -- real logs from the corpus (tests/corpus/<case>/) -----------------------------

FIRING = {
    "dcgan-zhangxiann-practice-issue-1/train.log": {"GAN101", "GAN201", "GAN205"},
    "dcgan-tf-issue-105-g-loss-near-zero/train.log": {"GAN103"},
    "dcgan-tf-issue-276-g-loss-zero/train.log": {"GAN103", "GAN204"},
    "studiogan-dcgan-frozen-loss-issue-112/train.log": {"GAN203", "GAN204"},
}
SILENT = [
    "keras-io-conditional-gan-tutorial/train.log",
    "keras-io-dcgan-train-step-tutorial/train.log",
    "bmsg-gan-relativistic-hinge-d-zero-issue-40/train.log",
    "keras-io-wgan-gp-tutorial/train.log",
    "studiogan-stylegan2-ada-cifar10-final/StyleGAN2-ADA-train-2021_10_16_13_21_43.log",
]


def _corpus(rel: str) -> Path:
    path = CORPUS / rel
    if not path.is_file():
        pytest.skip(f"corpus case {rel} not in this checkout")
    return path


@pytest.mark.parametrize("rel", sorted(FIRING))
def test_fires_on_short_real_log(rel) -> None:
    a = ganlog.analyze(_corpus(rel))
    codes = {f.code for f in a.at_or_above(Severity.WARNING)}
    assert FIRING[rel] <= codes, [f.message for f in a.findings]
    assert a.verdict in ("broken", "degraded")


@pytest.mark.parametrize("rel", SILENT)
def test_silent_on_healthy_real_log(rel) -> None:
    a = ganlog.analyze(_corpus(rel))
    assert not a.at_or_above(Severity.WARNING), [f.message for f in a.findings]
    assert a.verdict in ("healthy", "inconclusive")
