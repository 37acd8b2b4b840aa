"""Folders of runs: each layout a trainer or tracker leaves on disk, through the API and the CLI."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest

import ganlog
from ganlog.errors import InputError

from .test_tables import write_lightning_metrics, write_stylegan_stats

tbx = pytest.importorskip("tensorboardX")


def write_tb_run(d: Path, n: int = 200, d_loss: float = 0.65) -> None:
    w = tbx.SummaryWriter(str(d))
    rng = np.random.default_rng(len(str(d)))
    for s in range(n):
        w.add_scalar("train/d_loss", d_loss + 0.05 * rng.standard_normal(), s)
        w.add_scalar("train/g_loss", 0.9 + 0.05 * rng.standard_normal(), s)
    w.close()


def test_folder_of_tensorboard_runs(tmp_path: Path, run_ganlog) -> None:  # type: ignore[no-untyped-def]
    exp = tmp_path / "runs" / "exp1"
    write_tb_run(exp / "lr_1e-4")
    write_tb_run(exp / "lr_2e-4", d_loss=0.02)
    runs = ganlog.load_runs(exp)
    assert [r.name for r in runs] == ["lr_1e-4", "lr_2e-4"]
    assert all(len(r.frame) == 200 and {"loss_d", "loss_g"} <= set(r.frame.columns) for r in runs)
    with pytest.raises(InputError, match="holds 2 runs"):
        ganlog.load(exp)
    proc = run_ganlog("analyze", str(exp) + "/")
    assert proc.returncode in (0, 1), proc.stderr
    assert "ganlog · lr_1e-4" in proc.stdout and "ganlog · lr_2e-4" in proc.stdout
    assert proc.stdout.count("Verdict") == 2


def test_run_folder_with_event_files_is_one_run(tmp_path: Path) -> None:
    write_tb_run(tmp_path / "run")
    run = ganlog.load(tmp_path / "run")
    assert run.name == "run" and len(run.frame) == 200


def test_lightning_versions(tmp_path: Path) -> None:
    for v in (0, 1):
        write_lightning_metrics(tmp_path / "lightning_logs" / f"version_{v}" / "metrics.csv")
        (tmp_path / "lightning_logs" / f"version_{v}" / "hparams.yaml").write_text("lr: 0.0002\n")
    runs = ganlog.load_runs(tmp_path / "lightning_logs")
    assert [r.name for r in runs] == ["version_0", "version_1"]
    assert all(r.reader == "tables" for r in runs)


def test_stylegan_training_runs(tmp_path: Path, run_ganlog) -> None:  # type: ignore[no-untyped-def]
    d = tmp_path / "training-runs" / "00000-cifar-auto2"
    d.mkdir(parents=True)
    write_stylegan_stats(d / "stats.jsonl")
    # StyleGAN's stdout copy: progress lines without losses (those are in stats.jsonl)
    (d / "log.txt").write_text("Loading training set...\n" + "".join(
        f"tick {t:<5d} kimg {4.0 * t:<8.1f} time {t}m 02s       sec/tick 9.9     sec/kimg 2475.46 "
        f"maintenance 52.2   cpumem 4.41   gpumem 10.62  augment 0.000\n" for t in range(8)))
    (d / "network-snapshot-000000.pkl").write_bytes(b"\x80\x04")
    runs = ganlog.load_runs(tmp_path / "training-runs")
    stats_run = [r for r in runs if r.format == "stylegan-stats"]
    assert len(stats_run) == 1 and stats_run[0].name == "00000-cifar-auto2"
    assert all(not r.meta.get("input_errors") for r in runs)  # log.txt is no input error
    proc = run_ganlog("analyze", str(tmp_path / "training-runs"))
    assert proc.returncode in (0, 1), proc.stderr


def write_mlflow_run(root: Path, exp: str, run_id: str, name: str, n: int = 50) -> None:
    """The MLflow file store: metrics/<name> holds '<timestamp ms> <value> <step>' lines."""
    run = root / exp / run_id
    (run / "metrics" / "Loss").mkdir(parents=True)
    (run / "tags").mkdir()
    (run / "params").mkdir()
    (run / "meta.yaml").write_text(f"run_id: {run_id}\nexperiment_id: '{exp}'\n")
    (run / "tags" / "mlflow.runName").write_text(name)
    t0 = int(time.time() * 1000)
    with open(run / "metrics" / "Loss" / "D", "w") as fh:
        for s in range(n):
            fh.write(f"{t0 + s} {0.7 - s / 1000} {s}\n")
    with open(run / "metrics" / "Loss" / "G", "w") as fh:
        for s in range(0, n, 2):  # logged every other step
            fh.write(f"{t0 + s} {1.0 + s / 1000} {s}\n")
    (root / exp / "meta.yaml").write_text(f"experiment_id: '{exp}'\nname: gan\n")


def test_mlflow_runs(tmp_path: Path) -> None:
    mlruns = tmp_path / "mlruns"
    write_mlflow_run(mlruns, "1", "a1b2c3", "dcgan-baseline")
    write_mlflow_run(mlruns, "1", "d4e5f6", "dcgan-spectral")
    runs = ganlog.load_runs(mlruns)
    assert [r.name for r in runs] == ["1/a1b2c3 (dcgan-baseline)", "1/d4e5f6 (dcgan-spectral)"]
    df = runs[0].frame
    assert runs[0].format == "mlflow" and len(df) == 50
    assert df["loss_d"].iloc[10] == pytest.approx(0.69)
    assert df["loss_g"].notna().sum() == 25  # aligned on step
    assert runs[0].original_names["loss_d"] == "Loss/D"


def test_text_logs_in_a_folder(tmp_path: Path, samples: Path) -> None:
    shutil.copy(samples / "forum_bce.log", tmp_path / "train.log")
    (tmp_path / "README.txt").write_text("notes about this run\n")
    runs = ganlog.load_runs(tmp_path)
    assert [r.name for r in runs] == ["train"]
    assert runs[0].reader == "text"


def test_nothing_readable_says_what_was_found(tmp_path: Path, run_ganlog) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "sample_0001.png").write_bytes(b"\x89PNG\r\n")
    (tmp_path / "sample_0002.png").write_bytes(b"\x89PNG\r\n")
    (tmp_path / "G.pt").write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError, match=r"found 3 files \(2 \.png, 1 \.pt\)"):
        ganlog.load_runs(tmp_path)
    proc = run_ganlog("analyze", str(tmp_path))
    assert proc.returncode == 2
    line = proc.stderr.strip()
    assert "\n" not in line and "events.out.tfevents" in line and ".npy" in line  # and what is read


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty folder"):
        ganlog.load_runs(tmp_path)


def test_unreadable_file_reported_rest_read(tmp_path: Path, run_ganlog) -> None:  # type: ignore[no-untyped-def]
    write_tb_run(tmp_path / "good")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "events.out.tfevents.1700000000.host").write_bytes(b"garbage, not records")
    runs = ganlog.load_runs(tmp_path)
    assert [r.name for r in runs] == ["good"]
    proc = run_ganlog("analyze", str(tmp_path))
    assert proc.returncode == 2
    assert "ganlog · good" in proc.stdout
    errs = [ln for ln in proc.stderr.splitlines() if ln.startswith("ganlog: error:")]
    assert len(errs) == 1 and "bad/events.out.tfevents" in errs[0] and "byte 0" in errs[0]


def test_one_run_in_several_formats_is_read_once(samples: Path, tmp_path: Path) -> None:
    # what `ganlog train` writes: train.log, metrics.jsonl and npy/ hold the same records
    run_dir = tmp_path / "gated-d"
    shutil.copytree(samples / "reference" / "gated-d", run_dir)
    runs = ganlog.load_runs(run_dir)
    assert len(runs) == 1
    run = runs[0]
    assert run.source.endswith("metrics.jsonl")  # the source with the most columns
    assert any("also in" in w and "train.log" in w and "npy" in w for w in run.stats.warnings)


def test_two_different_runs_side_by_side_stay_two(samples: Path, tmp_path: Path) -> None:
    shutil.copy(samples / "reference" / "gated-d" / "train.log", tmp_path / "gated.log")
    shutil.copy(samples / "reference" / "healthy-bce" / "metrics.jsonl", tmp_path / "metrics.jsonl")
    assert len(ganlog.load_runs(tmp_path)) == 2
