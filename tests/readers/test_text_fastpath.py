"""The vectorized path gives the same Run as the regex path, and steps aside when it cannot."""

from __future__ import annotations

import math
import random

import pytest

from ganlog.readers import load, text

SAMPLES = ["dcgan_tutorial.log", "dcgan_examples_nan.log", "pytorch_gan.log", "pytorch_gan_acgan.log",
           "pytorch_gan_cyclegan.log", "keras_gan.log", "logging_info_pytorch_gan.log",
           "logging_root_keras_gan.log", "forum_bce.log", "keras_progress.log", "cyclegan_loss_log.log",
           "generic_multiline.log", "dcgan_tensorflow.log"]


def _both(path, monkeypatch, **kw):
    monkeypatch.setattr(text, "FAST_PATH_MIN_BYTES", 0)
    fast = load(path, **kw)
    monkeypatch.setattr(text, "FAST_PATH_MIN_BYTES", 1 << 62)
    slow = load(path, **kw)
    return fast, slow


@pytest.mark.parametrize("name", SAMPLES)
def test_same_run_either_way(samples, monkeypatch, name: str) -> None:
    fast, slow = _both(samples / name, monkeypatch)
    assert fast.frame.equals(slow.frame)
    assert fast.format == slow.format
    assert (fast.stats.lines_read, fast.stats.lines_skipped, fast.partial) == (
        slow.stats.lines_read, slow.stats.lines_skipped, slow.partial)


@pytest.mark.parametrize("name", ["dcgan_tutorial.log", "pytorch_gan_cyclegan.log", "keras_gan.log"])
def test_fixed_layout_logs_take_the_vectorized_path(samples, monkeypatch, name: str) -> None:
    pytest.importorskip("pyarrow")
    fast, _ = _both(samples / name, monkeypatch)
    assert fast.meta.get("parser", "").startswith("vectorized")


def test_context_logs_stay_on_the_regex_path(samples, monkeypatch) -> None:
    for name in ("keras_progress.log", "cyclegan_loss_log.log"):
        fast, _ = _both(samples / name, monkeypatch)
        assert "parser" not in fast.meta, name


def test_glued_records_are_split_for_the_vectorized_path(samples, monkeypatch) -> None:
    pytest.importorskip("pyarrow")
    fast, slow = _both(samples / "forum_bce.log", monkeypatch)
    assert fast.meta.get("parser", "").startswith("vectorized")
    assert len(fast.frame) == 31 and fast.frame.equals(slow.frame)


def _messy_dcgan(path, n: int = 3000) -> None:
    rnd = random.Random(3)
    lines = ["Random Seed:  999", "Starting Training Loop..."]
    for k in range(n):
        e, i = divmod(k, 500)
        ld = "nan" if k % 997 == 5 else ("N/A" if k % 991 == 7 else f"{rnd.random():.4f}")
        lines.append(f"[{e}/9][{i}/500]\tLoss_D: {ld}\tLoss_G: {rnd.random() * 3:.4f}\tD(x): {rnd.random():.4f}"
                     f"\tD(G(z)): {rnd.random():.4f} / {rnd.random():.4f}")
        if k % 700 == 0:
            lines.append(f"saving checkpoint to ckpt/netG_epoch_{e}.pth")
        if k == 1500:
            # the right number of tokens, but text where numbers belong
            lines.append("[a/b][c/d]\tLoss_D: x\tLoss_G: y\tD(x): z\tD(G(z)): u / v")
    path.write_text("\n".join(lines) + "\n[5/9][0/500]\tLoss_D: 0.5\tLoss_G")


def test_messy_log_same_either_way(tmp_path, monkeypatch) -> None:
    p = tmp_path / "messy.log"
    _messy_dcgan(p)
    fast, slow = _both(p, monkeypatch)
    assert fast.frame.equals(slow.frame)
    assert len(fast.frame) == 3000
    assert fast.stats.lines_skipped == slow.stats.lines_skipped == 2 + 5 + 1 + 1
    assert fast.partial and slow.partial
    assert [e.line for e in fast.stats.skipped_examples] == [e.line for e in slow.stats.skipped_examples]
    assert math.isnan(fast.frame["loss_d"].iloc[5])


def test_generic_forced_on_known_data(samples, monkeypatch) -> None:
    fast, slow = _both(samples / "dcgan_tutorial.log", monkeypatch, format="generic")
    assert fast.format == slow.format == "generic"
    assert fast.frame.equals(slow.frame)
    assert {"loss_d", "loss_g", "d_x", "d_g_z1", "d_g_z2"} <= set(fast.frame.columns)


def test_an_occasional_glued_line_loses_no_record(tmp_path, monkeypatch) -> None:
    line = ("[0/5][{i}/1583]\tLoss_D: 1.2000\tLoss_G: 0.9000\tD(x): 0.6000\tD(G(z)): 0.4000 / 0.3500")
    lines = [line.format(i=i) for i in range(400)]
    lines[200] = lines[200] + line.format(i=9999)  # two records on one line, deep in the log
    p = tmp_path / "glued.log"
    p.write_text("\n".join(lines) + "\n")
    fast, slow = _both(p, monkeypatch)
    assert len(fast.frame) == len(slow.frame) == 401
    assert fast.frame.equals(slow.frame)
