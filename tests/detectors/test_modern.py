"""What modern trainers log (issue 17): each new code fires on its signal and stays silent on a
healthy run; StyleGAN run folders read whole; the checkpoint advisor names the snapshot to keep.

Logs are written as StyleGAN2-ADA writes them (``stats.jsonl`` with ``{"num", "mean", "std"}``
entries under the printed names, ``metric-*.jsonl`` naming their snapshots) and read back
through ``ganlog.load``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import ganlog
from ganlog.checkpoints import advise, describe

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
NEW = ("GAN104", "GAN304", "GAN405", "GAN406", "GAN503", "GAN504", "GAN601", "GAN602")


def _stat(v: float) -> dict:
    return {"num": 1, "mean": float(v), "std": 0.0}


def write_stats(folder: Path, n: int = 40, *, seed: int = 0, **series: np.ndarray) -> Path:
    """A stats.jsonl of ``n`` ticks: balanced StyleGAN losses plus the given stats (printed names)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    base = {
        "Loss/D/loss": 0.9 + 0.03 * rng.standard_normal(n),
        "Loss/G/loss": 1.2 + 0.05 * rng.standard_normal(n),
        "Loss/scores/real": 0.8 + 0.05 * rng.standard_normal(n),
        "Loss/scores/fake": -0.78 + 0.05 * rng.standard_normal(n),
        "Loss/signs/real": 0.6 + 0.02 * rng.standard_normal(n),
        "Loss/signs/fake": -0.74 + 0.02 * rng.standard_normal(n),
        "Loss/r1_penalty": 0.035 + 0.003 * rng.standard_normal(n),
        "Loss/D/reg": 0.14 + 0.01 * rng.standard_normal(n),
        "Progress/augment": np.clip(0.3 + 0.01 * rng.standard_normal(n), 0, 1),
        "Timing/sec_per_kimg": 74 + rng.standard_normal(n),
    }
    base.update(series)
    with open(folder / "stats.jsonl", "w") as fh:
        for i in range(n):
            rec = {"Progress/kimg": _stat(4.0 * i), "Timing/total_sec": _stat(300.0 * i)}
            rec.update({k: _stat(v[i]) for k, v in base.items()})
            fh.write(json.dumps(rec) + "\n")
    return folder / "stats.jsonl"


def write_metric(folder: Path, values: list[float], kimg_every: int = 40, name: str = "fid50k_full") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / f"metric-{name}.jsonl"
    with open(p, "w") as fh:
        for i, v in enumerate(values):
            fh.write(json.dumps({"results": {name: v}, "metric": name,
                                 "snapshot_pkl": f"network-snapshot-{i * kimg_every:06d}.pkl",
                                 "timestamp": 1.6e9 + i}) + "\n")
    return p


def codes(path: Path, **kw) -> dict[str, str]:
    analysis = ganlog.analyze(path, **kw)
    return {f.code: f.severity.label for f in analysis.findings}


def new_codes(path: Path, **kw) -> set[str]:
    return {c for c in codes(path, **kw) if c in NEW}


# -- a healthy StyleGAN2-ADA run is silent ---------------------------------------------------


def test_healthy_stylegan_stats_are_silent(tmp_path: Path) -> None:
    p = write_stats(tmp_path / "run")
    assert new_codes(p, loss_family="bce_sum") == set()


# -- GAN601 / GAN602: ADA ----------------------------------------------------------------------


def test_ada_runaway_fires_when_p_climbs_to_full_strength(tmp_path: Path) -> None:
    n = 40
    p = write_stats(tmp_path / "run", n, **{
        "Progress/augment": np.linspace(0.0, 0.95, n),
        "Loss/signs/real": np.full(n, 0.85)})
    analysis = ganlog.analyze(p, loss_family="bce_sum")
    f = next(f for f in analysis.findings if f.code == "GAN601")
    assert f.evidence["reason"] == "high" and f.evidence["end"] >= 0.8
    assert f.evidence["sign_real"] == pytest.approx(0.85)


def test_ada_runaway_fires_on_p_still_rising(tmp_path: Path) -> None:
    n = 30
    aug = np.concatenate([np.full(20, 0.4), np.linspace(0.4, 0.75, 10)])
    p = write_stats(tmp_path / "run", n, **{"Progress/augment": aug})
    analysis = ganlog.analyze(p, loss_family="bce_sum")
    assert [f.evidence["reason"] for f in analysis.findings if f.code == "GAN601"] == ["rising"]


def test_ada_p_climbing_through_the_middle_is_silent(tmp_path: Path) -> None:
    """ADA raising p to 0.6 on a small data set is ADA doing its job, not yet a leak."""
    n = 30
    aug = np.concatenate([np.full(20, 0.3), np.linspace(0.3, 0.62, 10)])
    p = write_stats(tmp_path / "run", n, **{"Progress/augment": aug})
    assert "GAN601" not in codes(p, loss_family="bce_sum")


def test_ada_steady_p_is_silent(tmp_path: Path) -> None:
    n = 30
    p = write_stats(tmp_path / "run", n, **{"Progress/augment": np.linspace(0.0, 0.34, n) ** 0.2 * 0.34})
    assert "GAN601" not in codes(p, loss_family="bce_sum")


def test_ada_inactive_on_small_data_fires(tmp_path: Path) -> None:
    n = 20
    p = write_stats(tmp_path / "run", n, **{"Progress/augment": np.zeros(n), "Loss/signs/real": np.full(n, 0.9)})
    assert "GAN602" in codes(p, loss_family="bce_sum")
    p2 = write_stats(tmp_path / "ok", n, **{"Progress/augment": np.zeros(n), "Loss/signs/real": np.full(n, 0.3)})
    assert "GAN602" not in codes(p2, loss_family="bce_sum")


# -- GAN104: logit gap -------------------------------------------------------------------------


def test_logit_gap_runaway_fires(tmp_path: Path) -> None:
    n = 40
    p = write_stats(tmp_path / "run", n, **{
        "Loss/scores/real": np.linspace(0.5, 9.0, n), "Loss/scores/fake": np.linspace(-0.5, -4.0, n)})
    analysis = ganlog.analyze(p, loss_family="bce_sum")
    f = next(f for f in analysis.findings if f.code == "GAN104")
    assert f.evidence["reason"] == "gap" and f.evidence["gap_end"] >= 5


def test_logit_gap_signs_fire(tmp_path: Path) -> None:
    n = 30
    p = write_stats(tmp_path / "run", n, **{
        "Loss/signs/real": np.full(n, 0.99), "Loss/signs/fake": np.full(n, -0.99),
        "Loss/scores/real": np.full(n, np.nan), "Loss/scores/fake": np.full(n, np.nan)})  # signs only
    analysis = ganlog.analyze(p, loss_family="bce_sum")
    assert [f.evidence["reason"] for f in analysis.findings if f.code == "GAN104"] == ["signs"]


def test_logit_gap_steady_is_silent(tmp_path: Path) -> None:
    p = write_stats(tmp_path / "run", 40)
    assert "GAN104" not in codes(p, loss_family="bce_sum")


# -- GAN405: penalties -------------------------------------------------------------------------


def test_penalty_dominating_fires(tmp_path: Path) -> None:
    n = 30
    p = write_stats(tmp_path / "run", n, **{"Loss/D/reg": np.full(n, 2.5)})
    analysis = ganlog.analyze(p, loss_family="bce_sum")
    assert [f.evidence["reason"] for f in analysis.findings if f.code == "GAN405"] == ["dominant"]


def test_penalty_exploding_fires(tmp_path: Path) -> None:
    n = 30
    r1 = np.concatenate([np.full(20, 0.03), np.geomspace(0.03, 30.0, 10)])
    p = write_stats(tmp_path / "run", n, **{"Loss/r1_penalty": r1, "Loss/D/reg": np.full(n, 0.1)})
    analysis = ganlog.analyze(p, loss_family="bce_sum")
    assert "exploding" in [f.evidence["reason"] for f in analysis.findings if f.code == "GAN405"]


def test_penalty_flattening_d_fires(tmp_path: Path) -> None:
    n = 30
    p = write_stats(tmp_path / "run", n, **{
        "Loss/D/loss": np.full(n, 1.3865), "Loss/scores/real": np.full(n, 0.002),
        "Loss/scores/fake": np.full(n, 0.001), "Loss/D/reg": np.full(n, 0.01)})
    analysis = ganlog.analyze(p, loss_family="bce_sum")
    assert [f.evidence["reason"] for f in analysis.findings if f.code == "GAN405"] == ["flattened"]


# -- GAN406: singular values ---------------------------------------------------------------------


def test_spectral_growth_fires_and_flat_is_silent(tmp_path: Path) -> None:
    n = 40
    # a D total is logged: without one the roles step (as merged) reads D_blocks_0_conv1_sv0 as D's loss
    rows = [{"itr": 100 * i, "G_loss": 1.0, "D_loss": 1.0, "D_loss_real": 0.5, "D_loss_fake": 0.5,
             "G_linear_sv0": 1.0 + 0.01 * i, "D_blocks_0_conv1_sv0": 1.0 * 1.06 ** i} for i in range(n)]
    p = tmp_path / "sv.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    analysis = ganlog.analyze(p, loss_family="hinge")
    f = next(f for f in analysis.findings if f.code == "GAN406")
    assert "D_blocks_0_conv1_sv0".lower() in f.evidence["column"].lower() and f.evidence["growth"] >= 3
    flat = tmp_path / "flat.jsonl"
    flat.write_text("".join(json.dumps({**r, "D_blocks_0_conv1_sv0": 1.0 + 0.001 * i}) + "\n"
                            for i, r in enumerate(rows)))
    assert "GAN406" not in codes(flat, loss_family="hinge")


# -- GAN304: throughput --------------------------------------------------------------------------


def test_throughput_slowdown_is_info(tmp_path: Path) -> None:
    n = 40
    p = write_stats(tmp_path / "run", n, **{"Timing/sec_per_kimg": np.linspace(70, 160, n)})
    assert codes(p, loss_family="bce_sum").get("GAN304") == "info"
    p2 = write_stats(tmp_path / "ok", n)
    assert "GAN304" not in codes(p2, loss_family="bce_sum")


# -- GAN503 / GAN504: quality trends ---------------------------------------------------------------


def test_precision_up_recall_down_fires(tmp_path: Path) -> None:
    rows = [{"step": 1000 * i, "d_loss": 1.3, "g_loss": 0.8, "precision": 0.6 + 0.03 * i,
             "recall": 0.5 - 0.04 * i} for i in range(8)]
    p = tmp_path / "pr.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert "GAN503" in codes(p, loss_family="bce_sum")
    both_up = tmp_path / "up.jsonl"
    both_up.write_text("".join(json.dumps({**r, "recall": 0.3 + 0.03 * i}) + "\n" for i, r in enumerate(rows)))
    assert "GAN503" not in codes(both_up, loss_family="bce_sum")


def test_fid_jump_that_never_recovers_fires(tmp_path: Path) -> None:
    # StyleGAN2-ADA issue 68's evaluations (NVlabs/stylegan2-ada#68): 49.4 -> 84.0 -> 77.2
    fids = [261.3, 327.6, 148.4, 117.4, 94.4, 86.7, 73.9, 71.7, 59.2, 58.5, 56.3, 54.6, 48.7, 49.4, 84.0, 77.2]
    folder = tmp_path / "run"
    write_metric(folder, fids)
    analysis = ganlog.analyze(folder)
    f = next(f for f in analysis.findings if f.code == "GAN504")
    assert f.severity.label == "warning" and f.evidence["recovered"] is False
    assert f.evidence["before"] == pytest.approx(49.4) and f.evidence["after"] == pytest.approx(84.0)


def test_fid_falling_is_silent_and_recovered_jump_is_info(tmp_path: Path) -> None:
    write_metric(tmp_path / "a", [418.0, 60.9, 41.3, 33.1, 31.0, 30.8, 30.7, 28.8, 29.3])
    assert "GAN504" not in codes(tmp_path / "a")
    write_metric(tmp_path / "b", [100.0, 60.0, 40.0, 90.0, 38.0, 35.0])
    assert codes(tmp_path / "b").get("GAN504") == "info"


# -- the StyleGAN run folder and the checkpoint advisor -------------------------------------------


def test_phytoplankton_run_folder_reads_whole_and_names_the_best_snapshot() -> None:
    folder = CORPUS / "stylegan2-ada-phytoplankton-run-folder"
    run = ganlog.load(folder)
    run = run[0] if isinstance(run, list) else run
    assert run.reader == "stylegan" and len(run.frame) == 14
    assert run.loss_family.name == "bce_sum"
    opts = run.meta["stylegan"]
    assert opts["r1_gamma"] == 8.0 and opts["ada_target"] == 0.6 and opts["dataset_size"] == 961
    analysis = ganlog.analyze(folder)
    assert not {f.code for f in analysis.findings} & set(NEW)
    ck = analysis.extras["checkpoint"]
    assert ck["best_file"] == "network-snapshot-002800.pkl" and ck["best_step"] == 2_800_000
    assert ck["file_exists"] is False and ck["stop"] is False
    assert "network-snapshot-002800.pkl" in describe(ck)
    assert analysis.to_dict()["checkpoint"]["best_file"] == "network-snapshot-002800.pkl"


def test_advisor_finds_the_file_and_says_stop(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    write_metric(folder, [300.0, 80.0, 40.0, 42.0, 45.0, 44.0, 47.0])
    for k in range(7):
        (folder / f"network-snapshot-{k * 40:06d}.pkl").write_bytes(b"")
    analysis = ganlog.analyze(folder)
    ck = analysis.extras["checkpoint"]
    assert ck["best_file"] == "network-snapshot-000080.pkl" and ck["file_exists"] is True
    assert ck["stop"] is True and "no improvement over the last 4 evaluations" in ck["reason"]


def test_advisor_after_a_jump_that_never_recovered(tmp_path: Path) -> None:
    rows = [{"step": 1000 * i, "d_loss": 1.3, "g_loss": 0.8, "fid": v}
            for i, v in enumerate([120.0, 70.0, 58.0, 634.0, 610.0])]
    p = tmp_path / "log.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    for s in (1000, 2000, 3000):
        (tmp_path / f"G_{s}.pth").write_bytes(b"")
    adv = advise(ganlog.load(p))
    assert adv is not None and adv.best_step == 2000 and adv.best_file == "G_2000.pth"
    assert adv.stop and "jumped" in adv.reason


def test_no_metric_no_advice(tmp_path: Path) -> None:
    p = write_stats(tmp_path / "run", 10)
    assert "checkpoint" not in ganlog.analyze(p, loss_family="bce_sum").extras


def test_check_json_carries_the_checkpoint(run_ganlog) -> None:
    folder = CORPUS / "stylegan2-ada-phytoplankton-run-folder"
    res = run_ganlog("check", str(folder), "--format", "json")
    doc = json.loads(res.stdout)
    assert doc["runs"][0]["checkpoint"]["best_file"] == "network-snapshot-002800.pkl"
