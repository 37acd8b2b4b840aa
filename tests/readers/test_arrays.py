"""Arrays saved by numpy (np.save / np.savez), read back through the registry and the CLI."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

import ganlog
from ganlog.errors import InputError
from ganlog.readers import Source, explain


def test_tutorial_style_pair_of_files(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    d = rng.random(500).astype(np.float32)
    g = rng.random(500) + 1
    np.save(tmp_path / "discriminator_loss.npy", d)
    np.save(tmp_path / "generator_loss.npy", g)
    run = ganlog.load(tmp_path)
    assert run.reader == "arrays" and run.format == "npy"
    assert run.frame["step"].tolist() == list(range(500))
    np.testing.assert_array_equal(run.frame["loss_d"].to_numpy(np.float32), d)
    np.testing.assert_array_equal(run.frame["loss_g"].to_numpy(), g)


@pytest.mark.parametrize("name, column", [("d_losses", "loss_d"), ("G_loss", "loss_g"),
                                          ("discriminator_loss", "loss_d"), ("errD", "loss_d")])
def test_single_file_named_after_its_metric(tmp_path: Path, name: str, column: str) -> None:
    np.save(tmp_path / f"{name}.npy", np.linspace(1, 0, 50))
    run = ganlog.load(tmp_path / f"{name}.npy")
    assert column in run.frame.columns
    assert run.original_names[column] == name


def test_two_column_losses_array(tmp_path: Path) -> None:
    losses = np.column_stack([np.full(40, 0.7), np.full(40, 1.3)])  # losses.append((d, g))
    np.save(tmp_path / "losses.npy", losses)
    run = ganlog.load(tmp_path / "losses.npy")
    assert run.frame["loss_d"].tolist() == [0.7] * 40
    assert run.frame["loss_g"].tolist() == [1.3] * 40
    assert any("(D loss, G loss)" in w for w in run.stats.warnings)


def test_npz_one_key_per_metric(tmp_path: Path) -> None:
    np.savez(tmp_path / "history.npz", d_loss=np.arange(30.0), g_loss=np.arange(30.0) * 2,
             fid=np.array([300.0, 200.0, 150.0]))
    run = ganlog.load(tmp_path / "history.npz")
    assert run.format == "npz"
    assert run.frame["loss_g"].iloc[-1] == 58.0
    assert run.frame["fid"].notna().sum() == 3  # shorter arrays aligned by index
    assert any("differ in length" in w for w in run.stats.warnings)


def test_pickled_dict_needs_allow_pickle(tmp_path: Path, run_ganlog) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "losses.npy"
    np.save(p, {"D_loss": [0.5, 0.4, 0.3], "G_loss": [1.0, 1.2, 1.4]}, allow_pickle=True)
    with pytest.raises(InputError, match="pickled.*--allow-pickle"):
        ganlog.load(p)
    proc = run_ganlog("analyze", str(p))
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "--allow-pickle" in proc.stderr
    run = ganlog.load(p, allow_pickle=True)
    assert run.frame["loss_g"].tolist() == [1.0, 1.2, 1.4]
    proc = run_ganlog("analyze", "--allow-pickle", str(p))
    assert proc.returncode in (0, 1), proc.stderr


@pytest.mark.parametrize("array, problem", [
    (np.zeros((4, 5, 6)), r"shape \(4, 5, 6\)"),
    (np.array(["a", "b"]), "dtype <U1, not numbers"),
    (np.array(3.0), "a single number"),
])
def test_wrong_shape_or_dtype(tmp_path: Path, run_ganlog, array: np.ndarray, problem: str) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "d_loss.npy"
    np.save(p, array)
    with pytest.raises(InputError, match=problem):
        ganlog.load(p)
    proc = run_ganlog("analyze", str(p))
    assert proc.returncode == 2 and str(p) in proc.stderr and "Traceback" not in proc.stderr


def test_bad_file_in_folder_reported_rest_read(tmp_path: Path, run_ganlog) -> None:  # type: ignore[no-untyped-def]
    np.save(tmp_path / "d_loss.npy", np.full(20, 0.6))
    np.save(tmp_path / "g_loss.npy", np.full(20, 0.9))
    np.save(tmp_path / "grad_norm_d.npy", np.zeros((2, 2, 2)))
    run = ganlog.load(tmp_path)
    assert {"loss_d", "loss_g"} <= set(run.frame.columns) and run.partial
    proc = run_ganlog("analyze", str(tmp_path))
    assert proc.returncode == 2
    assert "loss_d" in proc.stdout  # the readable arrays were analyzed
    errs = [ln for ln in proc.stderr.splitlines() if ln.startswith("ganlog: error:")]
    assert len(errs) == 1 and "grad_norm_d.npy" in errs[0] and "shape (2, 2, 2)" in errs[0]


def test_no_loss_name(tmp_path: Path) -> None:
    np.save(tmp_path / "weights.npy", np.arange(10.0))
    with pytest.raises(InputError, match="no recognisable loss array among: 'weights'"):
        ganlog.load(tmp_path / "weights.npy")


def test_sniff_by_magic_bytes(tmp_path: Path) -> None:
    p = tmp_path / "d_loss.npy"
    np.save(p, np.arange(5.0))
    renamed = tmp_path / "d_loss"
    renamed.write_bytes(p.read_bytes())
    assert explain(Source.from_path(renamed))[0].reader.name == "arrays"
    fake = tmp_path / "g_loss.npy"
    fake.write_bytes(pickle.dumps([1, 2, 3]))
    with pytest.raises(InputError, match="no NumPy magic bytes"):
        ganlog.load(fake)


def test_truncated_npy_read_up_to_the_break(tmp_path: Path, run_ganlog) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "d_loss.npy"
    np.save(p, np.linspace(1.0, 0.5, 1000))
    data = p.read_bytes()
    p.write_bytes(data[:-8 * 250 - 3])  # killed inside np.save: 250 values and a bit lost
    run = ganlog.load(p)
    assert run.partial and len(run.frame) == 749
    np.testing.assert_array_equal(run.frame["loss_d"].to_numpy(), np.linspace(1.0, 0.5, 1000)[:749])
    assert any("cut short" in w and "749 of 1,000 rows" in w for w in run.stats.warnings)
    proc = run_ganlog("analyze", str(p))
    assert proc.returncode == 2 and "ganlog · d_loss" in proc.stdout
    assert "byte " in proc.stderr and str(p) in proc.stderr


def test_forced_reader_on_a_folder(tmp_path: Path, run_ganlog) -> None:  # type: ignore[no-untyped-def]
    np.save(tmp_path / "d_loss.npy", np.arange(5.0))
    proc = run_ganlog("analyze", "--format", "arrays", str(tmp_path))
    assert proc.returncode == 2 and "is a folder" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_ganlog("analyze", "--format", "tensorboard", str(tmp_path))
    assert proc.returncode == 2 and "no events.out.tfevents" in proc.stderr
