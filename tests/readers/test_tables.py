"""CSV and JSONL metric tables in the layouts their writers produce."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ganlog
from ganlog.errors import InputError
from ganlog.readers import Source, explain


def write_lightning_metrics(path: Path, steps: int = 60, every: int = 20) -> None:
    """Like Lightning's CSVLogger: one sparse row per log call, all keys in the header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = ["d_loss", "epoch", "g_loss", "step", "val/fid"]
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        for s in range(steps):
            w.writerow({"d_loss": 0.6 + s / 1000, "epoch": s // every, "step": s})
            w.writerow({"g_loss": 1.0 - s / 1000, "epoch": s // every, "step": s})
            if (s + 1) % every == 0:
                w.writerow({"val/fid": 50.0 - s / 10, "epoch": s // every, "step": s})


def write_stylegan_stats(path: Path, ticks: int = 8, nan_at: int | None = None) -> None:
    """Like StyleGAN2-ADA's training loop: json.dumps of {name: {num, mean, std}} per tick."""
    with open(path, "w") as fh:
        for t in range(ticks):
            d = float("nan") if t == nan_at else 0.5 + 0.01 * t
            fields = {
                "Loss/D/loss": {"num": 512, "mean": d, "std": 0.05},
                "Loss/G/loss": {"num": 512, "mean": 1.2 - 0.01 * t, "std": 0.1},
                "Loss/scores/real": {"num": 512, "mean": 0.3, "std": 0.2},
                "Progress/tick": {"num": 1, "mean": float(t), "std": 0.0},
                "Progress/kimg": {"num": 1, "mean": 4.0 * t, "std": 0.0},
                "timestamp": 1.7e9 + 60 * t,
            }
            fh.write(json.dumps(fields) + "\n")


def test_lightning_metrics_csv_sparse_rows_merged(tmp_path: Path) -> None:
    p = tmp_path / "lightning_logs" / "version_0" / "metrics.csv"
    write_lightning_metrics(p)
    run = ganlog.load(p)
    df = run.frame
    assert run.reader == "tables" and run.name == "version_0"
    assert len(df) == 60 and df["step"].tolist() == list(range(60))
    assert df[["loss_d", "loss_g"]].notna().all().all()
    assert df["loss_d"].iloc[10] == pytest.approx(0.61)
    assert df["fid"].notna().sum() == 3 and df.set_index("step")["fid"].loc[19] == pytest.approx(48.1)
    assert df["epoch"].iloc[-1] == 2 and run.n_segments == 1


def test_stylegan_stats_jsonl(tmp_path: Path) -> None:
    p = tmp_path / "00003-ffhq-auto1" / "stats.jsonl"
    p.parent.mkdir()
    write_stylegan_stats(p, nan_at=5)
    assert "NaN" in p.read_text()  # as Python's json writes it
    run = ganlog.load(p)
    df = run.frame
    assert run.format == "stylegan-stats" and run.name == "00003-ffhq-auto1"
    assert df["step"].tolist() == [4000 * t for t in range(8)]  # images seen, from Progress/kimg
    assert df["loss_d"].iloc[1] == pytest.approx(0.51)
    assert math.isnan(df["loss_d"].iloc[5])  # the NaN survives for the non-finite detector
    assert df["loss_d_std"].iloc[0] == pytest.approx(0.05)  # std keeps a column of its own
    assert run.original_names["loss_d"] == "Loss/D/loss"


def test_truncated_last_jsonl_line(tmp_path: Path) -> None:
    p = tmp_path / "stats.jsonl"
    write_stylegan_stats(p)
    p.write_text(p.read_text()[:-40])
    run = ganlog.load(p)
    assert run.partial and len(run.frame) == 7
    assert any("line 8" in w and "cut short" in w for w in run.stats.warnings)


def test_wandb_export(tmp_path: Path) -> None:
    p = tmp_path / "wandb_export_2024-05-01.csv"
    steps = np.arange(0, 500, 10)
    pd.DataFrame({
        "Step": steps,
        "dcgan-run-3 - loss_D": np.full(len(steps), 0.7),
        "dcgan-run-3 - loss_D__MIN": np.full(len(steps), 0.6),
        "dcgan-run-3 - loss_D__MAX": np.full(len(steps), 0.8),
        "dcgan-run-3 - loss_G": np.full(len(steps), 1.1),
    }).to_csv(p, index=False)
    run = ganlog.load(p)
    assert run.format == "wandb-csv"
    assert run.frame["step"].tolist() == steps.tolist()
    assert {"loss_d", "loss_g"} <= set(run.frame.columns)
    assert not any("min" in c for c in run.frame.columns)


def test_tensorboard_ui_export(tmp_path: Path) -> None:
    p = tmp_path / "run-dcgan-tag-Loss_D.csv"
    pd.DataFrame({"Wall time": 1.7e9 + np.arange(5), "Step": np.arange(5) * 100,
                  "Value": [0.7, 0.6, 0.5, 0.4, 0.3]}).to_csv(p, index=False)
    run = ganlog.load(p)
    assert run.format == "tensorboard-csv"
    assert run.frame["loss_d"].tolist() == [0.7, 0.6, 0.5, 0.4, 0.3]


def test_tsv_and_resumed_steps(tmp_path: Path) -> None:
    p = tmp_path / "log.tsv"
    rows = [(s, 0.5) for s in range(0, 50)] + [(s, 0.4) for s in range(30, 80)]
    p.write_text("global_step\terrD\terrG\n" + "".join(f"{s}\t{v}\t1.0\n" for s, v in rows))
    run = ganlog.load(p)
    assert run.n_segments == 2 and len(run.frame) == 100


def test_ragged_rows_skipped_with_line_numbers(tmp_path: Path) -> None:
    p = tmp_path / "metrics.csv"
    lines = ["step,d_loss,g_loss"] + [f"{s},0.5,1.0" for s in range(10)]
    lines[5] = "4,0.5,1.0,EXTRA"
    p.write_text("\n".join(lines) + "\n")
    run = ganlog.load(p)
    assert len(run.frame) == 9
    assert run.stats.skipped_examples[0].line == 6
    assert any("wrong number of fields" in w and "line 6" in w for w in run.stats.warnings)


def test_no_loss_column(tmp_path: Path, run_ganlog) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "results.csv"
    pd.DataFrame({"epoch": [1, 2], "accuracy": [0.5, 0.6]}).to_csv(p, index=False)
    with pytest.raises(InputError, match="no recognisable loss column among: 'epoch', 'accuracy'"):
        ganlog.load(p)
    proc = run_ganlog("analyze", str(p))
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"ganlog: error: {p}: no recognisable loss column")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_sniff_leaves_jsonl_in_logs_to_the_text_reader(tmp_path: Path) -> None:
    rec = json.dumps({"step": 1, "loss_D": 0.5, "loss_G": 1.0})
    log = tmp_path / "train.log"
    log.write_text(rec + "\n")
    table = tmp_path / "metrics.jsonl"
    table.write_text(rec + "\n")
    assert explain(Source.from_path(log))[0].reader.name != "tables"
    assert explain(Source.from_path(table))[0].reader.name == "tables"
    csv_like = tmp_path / "out.txt"
    csv_like.write_text("step,d_loss,g_loss\n1,0.5,1.0\n")
    assert all(c.reader.name != "tables" or c.sniff.score == 0 for c in explain(Source.from_path(csv_like)))


def test_lightning_on_step_and_on_epoch_names(tmp_path: Path) -> None:
    """self.log("d_loss", v, on_step=True, on_epoch=True) writes d_loss_step and d_loss_epoch."""
    p = tmp_path / "metrics.csv"
    keys = ["d_loss_epoch", "d_loss_step", "epoch", "g_loss_epoch", "g_loss_step", "step"]
    with open(p, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        for s in range(40):
            w.writerow({"d_loss_step": 0.6, "g_loss_step": 0.9, "epoch": s // 20, "step": s})
            if (s + 1) % 20 == 0:
                w.writerow({"d_loss_epoch": 0.61, "g_loss_epoch": 0.91, "epoch": s // 20, "step": s})
    run = ganlog.load(p)
    df = run.frame
    assert df["loss_d"].notna().sum() == 40 and df["d_loss_epoch"].notna().sum() == 2
    assert run.original_names["loss_g"] == "g_loss_step"
