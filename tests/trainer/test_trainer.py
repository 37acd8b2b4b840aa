"""The reference trainer: short real runs, written in every format and read back by ganlog."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys

import pytest

pytest.importorskip("torch")

from ganlog.trainer import run_scenario  # noqa: E402
from ganlog.trainer.scenarios import SCENARIOS  # noqa: E402
from ganlog.trainer.writers import LINE_FORMATS, format_log  # noqa: E402

pytestmark = pytest.mark.trainer


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("healthy")
    return run_scenario("healthy-bce", out, seed=3, steps=60, device="cpu", threads=1)


def test_run_writes_every_format(short_run):
    out = short_run.out
    for name in ("train.log", "metrics.jsonl", "scenario.json", "npy/discriminator_loss.npy",
                 "npy/generator_loss.npy"):
        assert (out / name).is_file(), name
    assert list((out / "tb").glob("events.out.tfevents.*"))
    manifest = json.loads((out / "scenario.json").read_text())
    assert manifest["scenario"] == "healthy-bce"
    assert manifest["kind"] == "healthy"
    assert "GAN101" in manifest["must_not_codes"]
    assert manifest["config"]["steps"] == 60
    assert manifest["files"]["log"] == "train.log"


def test_dcgan_log_reads_back(short_run):
    import ganlog

    recs = short_run.result.records
    run = ganlog.load(short_run.out / "train.log")
    assert run.format == "dcgan"
    assert len(run.frame) == len(recs)
    for col in ("loss_d", "loss_g", "d_x", "d_g_z1", "d_g_z2"):
        got = run.frame[col].to_numpy()
        want = [r[col] for r in recs]
        assert all(abs(a - b) < 1e-4 for a, b in zip(got, want)), col
    assert run.frame["step"].tolist() == [r["step"] for r in recs]
    assert run.loss_family.name == "bce_sum"


def test_jsonl_reads_back_with_every_canonical_column(short_run):
    import ganlog

    run = ganlog.load(short_run.out / "metrics.jsonl")
    for col in ("loss_d", "loss_g", "loss_d_real", "loss_d_fake", "d_x", "d_g_z1", "d_g_z2",
                "grad_norm_d", "grad_norm_g", "lr_d", "lr_g", "modes_covered", "diversity"):
        assert col in run.frame.columns, col
    first = short_run.result.records[0]
    assert run.frame["loss_d"].iloc[0] == pytest.approx(first["loss_d"])
    assert run.frame["lr_d"].iloc[0] == pytest.approx(1e-3)


def test_same_seed_same_run(tmp_path):
    a = run_scenario("healthy-bce", tmp_path / "a", seed=5, steps=15, device="cpu", threads=1)
    b = run_scenario("healthy-bce", tmp_path / "b", seed=5, steps=15, device="cpu", threads=1)
    c = run_scenario("healthy-bce", tmp_path / "c", seed=6, steps=15, device="cpu", threads=1)
    la = [r["loss_d"] for r in a.result.records]
    assert la == [r["loss_d"] for r in b.result.records]
    assert la != [r["loss_d"] for r in c.result.records]


_SHAPES = {
    "dcgan": r"^\[\d+/\d+\]\[\d+/\d+\]\tLoss_D: -?\d+\.\d{4}\tLoss_G: -?\d+\.\d{4}\tD\(x\): -?\d+\.\d{4}"
             r"\tD\(G\(z\)\): -?\d+\.\d{4} / -?\d+\.\d{4}$",
    "forum": r"^Epoch \d+/\d+ - Step: \d+/\d+ Loss G: -?\d+\.\d{6} Loss D: -?\d+\.\d{6} D\(x\): -?\d+\.\d{6} "
             r"D\(G\(z\)\): -?\d+\.\d{6} / -?\d+\.\d{6} Time for the last step: \d+\.\d\d s Epoch ETA: \d\d:\d\d:\d\d$",
    "pytorch-gan": r"^\[Epoch \d+/\d+\] \[Batch \d+/\d+\] \[D loss: -?\d+\.\d+\] \[G loss: -?\d+\.\d+\]$",
    "cyclegan": r"^\(epoch: \d+, iters: \d+, time: \d+\.\d{3}, data: \d+\.\d{3}\) D_A: -?\d+\.\d{3} G_A: -?\d+\.\d{3} $",
    "keras": r"^\d+ \[D loss: -?\d+\.\d+, acc\.: \d+\.\d\d%\] \[G loss: -?\d+\.\d+\]$",
    "dcgan-tf": r"^Epoch: \[ *\d+\] \[ *\d+/ *\d+\] time: \d+\.\d{4}, d_loss: -?\d+\.\d{8}, g_loss: -?\d+\.\d{8}$",
}


@pytest.mark.parametrize("fmt", sorted(LINE_FORMATS))
def test_log_format_line_shapes(short_run, fmt, tmp_path):
    recs = short_run.result.records
    cfg = short_run.manifest["config"]
    text = format_log(recs, fmt, steps=cfg["steps"], per_epoch=cfg["iters_per_epoch"],
                      batch_size=cfg["batch_size"])
    lines = [ln for ln in text.splitlines() if not ln.startswith("=")]
    assert len(lines) == len(recs)
    for ln in lines:
        assert re.match(_SHAPES[fmt], ln), (fmt, ln)


def test_forum_log_reads_back(tmp_path):
    import ganlog

    res = run_scenario("healthy-bce", tmp_path, seed=1, steps=20, device="cpu", threads=1,
                       log_format="forum")
    run = ganlog.load(tmp_path / "train.log")
    assert run.format == "forum"
    assert run.frame["loss_g"].tolist() == pytest.approx([r["loss_g"] for r in res.result.records], abs=1e-6)


def test_every_scenario_is_labelled():
    for name, sc in SCENARIOS.items():
        assert sc.kind in ("healthy", "failure", "remedy"), name
        if sc.kind == "failure":
            assert sc.expect, name
            assert sc.remedy in SCENARIOS, name
            assert SCENARIOS[sc.remedy].remedy_of == name
        if sc.kind == "remedy":
            assert SCENARIOS[sc.remedy_of].kind == "failure"
            assert set(SCENARIOS[sc.remedy_of].expect) <= set(sc.must_not), name
        assert not set(sc.expect) & set(sc.must_not), name
        sc.config.validate()


def test_cli_train_and_list(run_ganlog, tmp_path):
    listed = run_ganlog("train", "--list")
    assert listed.returncode == 0, listed.stderr
    for name in SCENARIOS:
        assert name in listed.stdout
    proc = run_ganlog("train", "--scenario", "healthy-lsgan", "--steps", "10", "--threads", "1",
                      "--device", "cpu", "--out", str(tmp_path / "r"))
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((tmp_path / "r" / "scenario.json").read_text())
    assert manifest["scenario"] == "healthy-lsgan"
    assert "steps/s" in proc.stderr
    bad = run_ganlog("train", "--scenario", "no-such-thing", "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and "unknown scenario" in bad.stderr


def test_cli_says_how_to_install_torch(repo_root, tmp_path):
    code = ("import sys; sys.modules['torch'] = None; from ganlog.cli import main; "
            f"main(['train', '--scenario', 'healthy-bce', '--out', {str(tmp_path)!r}])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=repo_root)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "ganlog: error: the reference trainer needs torch: pip install 'ganlog[trainer]'"]


def test_nan_is_written_readably(tmp_path):
    import ganlog
    from ganlog.trainer.writers import format_jsonl

    recs = [{"step": 0, "epoch": 0, "iter": 0, "loss_d": math.nan, "loss_g": math.inf,
             "loss_d_real": 0.1, "loss_d_fake": 0.2, "d_x": 0.5, "d_g_z1": 0.5, "d_g_z2": 0.5},
            {"step": 1, "epoch": 0, "iter": 1, "loss_d": 1.0, "loss_g": 2.0,
             "loss_d_real": 0.1, "loss_d_fake": 0.2, "d_x": 0.5, "d_g_z1": 0.5, "d_g_z2": 0.5}]
    (tmp_path / "m.jsonl").write_text(format_jsonl(recs))
    log = format_log(recs, "dcgan", steps=2, per_epoch=2)
    assert "Loss_D: nan\tLoss_G: inf" in log
    run = ganlog.load(tmp_path / "m.jsonl")
    assert math.isnan(run.frame["loss_d"].iloc[0]) and math.isinf(run.frame["loss_g"].iloc[0])
