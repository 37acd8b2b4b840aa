"""Changed detectors on real logs from the corpus: each fires on a short failing log and stays
silent (nothing at warning or above) on a healthy one, read through ``ganlog.load_runs`` and
judged by ``ganlog.analyze`` as a user would get them.

The cases come from ``tests/corpus`` (their ``case.toml`` says where each log was found and why
it is labelled so). GAN301 has no failing real log in the corpus that shows oscillation in its
losses; its firing case stays the short synthetic one in test_evidence.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import ganlog
from ganlog.detectors.base import Severity

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _analyze(case_id: str):
    meta = tomllib.loads((CORPUS / case_id / "case.toml").read_text())
    files = meta["files"]
    target = CORPUS / case_id / files[0] if len(files) == 1 else CORPUS / case_id
    runs = ganlog.load_runs(target)
    run = max(runs, key=lambda r: len(r.frame))
    return ganlog.analyze(run)


def _alarms(analysis) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in analysis.at_or_above(Severity.WARNING):
        out.setdefault(f.code, []).append(f)
    return out


FIRING = [
    # GAN101: two records of D loss at 0.004 while G's loss runs away (1e22 -> 5e25) and D's logit gap is
    # huge: the witnesses make two records conclusive under every candidate family
    ("GAN101", "gfpgan-losses-explode-issue-270"),
    # GAN101: hinge is among the candidates, but D's real-fake logit gap (>= 5) says its outputs are pinned
    ("GAN101", "mmagic-esrgan-example-log-issue-82"),
    # GAN401: TensorFlow's "Nan in summary histogram" after finite losses
    ("GAN401", "dcgan-tf-rocm-issue-48-nan-histogram"),
    # GAN501: FID best 48.7, then 84.0 and 77.2: two evaluations 58%+ worse settle it
    ("GAN501", "stylegan2-ada-fid-up-down-issue-68"),
    # GAN303: Inception Score 1.03-1.14 over four evaluations: still at its floor
    ("GAN303", "biggan-pytorch-fid-not-converging-issue-92"),
]


@pytest.mark.parametrize("code, case_id", FIRING, ids=[f"{c}-{i}" for c, i in FIRING])
def test_fires_on_short_real_log(code: str, case_id: str) -> None:
    a = _analyze(case_id)
    assert code in _alarms(a), f"{code} did not fire on {case_id}: {[f.code for f in a.findings]}"


def test_impossible_fid_is_non_finite_not_degradation() -> None:
    """StyleGAN2-ADA printing FID 1.2e+57 and -3.1e+68: numerical garbage, not a trend."""
    a = _analyze("stylegan2-ada-rpg-sprites-broken-fid")
    alarms = _alarms(a)
    assert "GAN401" in alarms and "outside its possible range" in alarms["GAN401"][0].message
    assert "GAN501" not in alarms


SILENT = [
    # GAN101: relativistic hinge, D loss 0.000000 on all six lines with G's loss steady: the maintainer
    # calls it normal, so at most an info note
    ("GAN101", "bmsg-gan-relativistic-hinge-d-zero-issue-40"),
    # GAN101: batch-size-1 pix2pix, D loss dipping under the limit within its own per-image scatter
    ("GAN101", "pix2pix-facades-luoyaxiong-loss-log"),
    # GAN401: TimeGAN's phases print different names; a loss absent in a phase is missing, not NaN
    ("GAN401", "timegan-tutorial-stock"),
    # GAN301: CycleGAN's first epoch, D_A and G_A scattering independently per image
    ("GAN301", "cyclegan-epoch1-issue-510"),
    # GAN501 / GAN303: a healthy StyleGAN2-ADA FID series
    ("GAN501", "stylegan2-ada-phytoplankton-fid"),
    ("GAN303", "keras-io-wgan-gp-tutorial"),
]


@pytest.mark.parametrize("code, case_id", SILENT, ids=[f"{c}-{i}" for c, i in SILENT])
def test_silent_on_healthy_real_log(code: str, case_id: str) -> None:
    a = _analyze(case_id)
    assert code not in _alarms(a), [f.message for f in _alarms(a).get(code, [])]


def test_hinge_d_zero_is_an_info_note() -> None:
    a = _analyze("bmsg-gan-relativistic-hinge-d-zero-issue-40")
    notes = [f for f in a.findings if f.code == "GAN101"]
    assert notes and all(f.severity == Severity.INFO for f in notes)
    assert "margin" in notes[0].message
