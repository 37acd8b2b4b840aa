"""Loss-family inference on real-format logs: the family sets every detector's limits."""

from __future__ import annotations

import json

import numpy as np
import pytest

import ganlog

from . import simulate as sim


@pytest.mark.parametrize("family", sim.FAMILIES)
def test_family_inferred_from_a_healthy_log(tmp_path, family) -> None:
    run = sim.healthy(family, n=300, seed=11)
    path = tmp_path / "run.jsonl"
    sim.write_jsonl(run, path)
    assert ganlog.load(path).loss_family.name == family


def _jsonl(tmp_path, records: list[dict]) -> ganlog.Run:
    p = tmp_path / "r.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in records))
    return ganlog.load(p)


def test_hinge_recognised_by_its_start_near_two_without_probabilities(tmp_path) -> None:
    rng = np.random.default_rng(0)
    recs = [{"step": i, "loss_d": float(2.0 - i / 400 + rng.normal(0, 0.05)),
             "loss_g": float(0.4 + rng.normal(0, 0.05))} for i in range(200)]
    fam = _jsonl(tmp_path, recs).loss_family
    assert fam.name == "hinge" and "near 2" in fam.reason


def test_bce_name_hint_chooses_mean_by_level(tmp_path) -> None:
    """A log naming a BCE term, with a D loss near ln2, is averaged BCE (no D outputs to compare)."""
    rng = np.random.default_rng(1)
    recs = [{"step": i, "loss_d": float(0.69 + rng.normal(0, 0.03)), "loss_g": 0.7,
             "d_bce_real": float(0.35 + rng.normal(0, 0.02))} for i in range(100)]
    fam = _jsonl(tmp_path, recs).loss_family
    assert fam.name == "bce_mean" and "'bce'" in fam.reason


def test_wgan_from_negative_critic_loss_and_override(tmp_path) -> None:
    recs = [{"step": i, "loss_d": -5.0 + i * 0.01, "loss_g": 3.0 + i} for i in range(100)]
    path = tmp_path / "w.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    assert ganlog.load(path).loss_family.name == "wgan"
    forced = ganlog.load(path, loss_family="lsgan").loss_family
    assert forced.name == "lsgan" and forced.decided_by == "user"


def test_family_changes_the_collapse_limit(tmp_path) -> None:
    """The same D loss of 0.1 is collapse for summed BCE (limit 0.139), not for averaged BCE (0.069)."""
    rng = np.random.default_rng(2)
    recs = [{"step": i, "loss_d": float(abs(0.1 + rng.normal(0, 0.005))), "loss_g": 3.0} for i in range(200)]
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    from ganlog.config import Config

    as_sum = ganlog.analyze(path, config=Config(loss_family="bce_sum"))
    as_mean = ganlog.analyze(path, config=Config(loss_family="bce_mean"))
    assert "GAN101" in [f.code for f in as_sum.findings]
    assert "GAN101" not in [f.code for f in as_mean.findings]
