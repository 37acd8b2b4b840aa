"""The generic tokenizer and record splitting on what real logs print."""

from __future__ import annotations

import time

import pytest

from ganlog.readers import Source, load
from ganlog.readers.generic import parse_pairs
from ganlog.readers.tokens import scoped_pairs


def _names(line: str) -> list[list[tuple[str, str]]]:
    return [[(n, v) for n, v, _a, _b in r] for r in scoped_pairs(line)]


def _load(text: str, name: str = "x.log"):
    return load(Source.from_bytes(text.encode(), name))


@pytest.mark.parametrize("line, want", [
    ("[D loss: 0.6, acc: 50%] [G loss: 0.9, acc: 12%]",
     [("D loss", "0.6"), ("D acc", "50"), ("G loss", "0.9"), ("G acc", "12")]),
    ("D loss: 0.6, acc: 50% G loss: 0.9, acc: 12%",
     [("D loss", "0.6"), ("D acc", "50"), ("G loss", "0.9"), ("G acc", "12")]),
    ("running discriminator loss: 0.3", [("running discriminator loss", "0.3")]),
    ("iter 199\tdisc cost\t-2.04\tgen cost\t0.57", [("iter", "199"), ("disc cost", "-2.04"), ("gen cost", "0.57")]),
    ("loss_D: 0.51loss_G: 1.2", [("loss_D", "0.51"), ("loss_G", "1.2")]),
    ("mode: train D_loss: 0.5 G_loss: 0.7", [("D_loss", "0.5"), ("G_loss", "0.7")]),
    ("iter: 12,400 lr: 1,234.5 n: 1_000", [("iter", "12400"), ("lr", "1234.5"), ("n", "1000")]),
    ("scores: 0.5,0.7", [("scores1", "0.5"), ("scores2", "0.7")]),
    ("Epoch 1, Loss G:  1.23,Loss D: -0.12", [("Epoch", "1"), ("Loss G", "1.23"), ("Loss D", "-0.12")]),
    ("Steps : 100, Gen Loss Total : 40.2, Mel-Spec. Error : 0.9",
     [("Steps", "100"), ("Gen Loss Total", "40.2"), ("Mel-Spec. Error", "0.9")]),
    ("1094/1094 [====] - 12s 11ms/step - d_loss: 0.4052 - g_loss: 1.6674",
     [("iter", "1094"), ("iter/total", "1094"), ("d_loss", "0.4052"), ("g_loss", "1.6674")]),
    ("2021-03-02 10:11:12,345 Elapsed [0:00:29], Iteration [10/200000], D/loss_real: -0.5",
     [("Iteration", "10"), ("Iteration/total", "200000"), ("D/loss_real", "-0.5")]),
    ("D(G(z)): 0.02 / 0.03Time for the last step: 51.41 s Epoch ETA: 01:11:24",
     [("D(G(z))1", "0.02"), ("D(G(z))2", "0.03"), ("Time for the last step", "51.41")]),
])
def test_names_and_values(line: str, want) -> None:
    assert [p for r in _names(line) for p in r] == want


def test_thousands_never_swallow_decimals_or_lists() -> None:
    assert parse_pairs("x: 1,234.5")[0] == ("x", "1234.5")
    assert parse_pairs("x: 0.5,0.7") == [("x1", "0.5"), ("x2", "0.7")]


def test_a_name_repeated_without_scope_starts_a_record() -> None:
    assert len(_names("loss_d: 0.5 loss_g: 0.7 loss_d: 0.6 loss_g: 0.8")) == 2


def test_header_names_the_bare_number_rows() -> None:
    run = _load("G_loss  D_loss\n0.91  0.55\n0.88  0.61\n0.85  0.64\n")
    assert len(run.frame) == 3
    assert run.frame["loss_g"].tolist() == [0.91, 0.88, 0.85]
    assert run.frame["loss_d"].tolist() == [0.55, 0.61, 0.64]


def test_pipe_table_with_a_duration_column() -> None:
    run = _load("D_loss       acc     G_loss\n0.004051 | 100 | 6.248324 | 2 days,   12:04:16.416641\n"
                "0.003934 | 100 | 5.108233 | 2 days, 12:04:35.168347\n")
    assert len(run.frame) == 2 and run.frame["loss_d"].iloc[1] == 0.003934


def test_html_table_from_a_notebook() -> None:
    html = ('<table border="1" class="dataframe">\n  <thead>\n    <tr style="text-align: left;">\n'
            "      <th>epoch</th>\n      <th>train_loss</th>\n      <th>valid_loss</th>\n      <th>time</th>\n"
            "    </tr>\n  </thead>\n  <tbody>\n    <tr>\n      <td>0</td>\n      <td>1.234</td>\n"
            "      <td>1.111</td>\n      <td>00:12</td>\n    </tr>\n    <tr>\n      <td>1</td>\n"
            "      <td>1.034</td>\n      <td>1.011</td>\n      <td>00:12</td>\n    </tr>\n  </tbody>\n</table>")
    run = _load(html, "out.html")
    assert len(run.frame) == 2
    assert run.frame["train_loss"].tolist() == [1.234, 1.034]
    assert run.frame["epoch"].tolist() == [0, 1]


def test_text_table_from_fastai() -> None:
    run = _load("epoch     train_loss  valid_loss  time\n0         1.234       1.111       00:12\n"
                "1         1.034       1.011       00:12\n")
    assert run.frame["valid_loss"].tolist() == [1.111, 1.011]


def test_evaluation_lines_are_sparse_columns_not_records() -> None:
    lines = []
    for s in range(0, 1000, 100):
        lines.append(f"step: {s} d_loss: 0.{s // 100 + 1} g_loss: 1.{s // 100}")
        if s % 500 == 400:
            lines.append(f"FID: {30 - s / 100:.1f}")
    run = _load("\n".join(lines) + "\n")
    assert len(run.frame) == 10
    fid = run.frame.set_index("step")["fid"]
    assert fid.loc[400] == 26.0 and fid.loc[900] == 21.0
    assert fid.isna().sum() == 8


def test_run_keeps_its_own_step() -> None:
    run = _load("Elapsed [0:00:29], Iteration [10/200000], D/loss_real: 0.5, G/loss_fake: 0.4\n"
                "Elapsed [0:00:58], Iteration [20/200000], D/loss_real: 0.4, G/loss_fake: 0.5\n")
    assert run.frame["step"].tolist() == [10, 20]
    run = _load("iter: 1,000 loss_d: 0.5 loss_g: 0.7\niter: 1,100 loss_d: 0.4 loss_g: 0.8\n")
    assert run.frame["step"].tolist() == [1000, 1100]


def test_progress_bar_position_after_an_epoch_header() -> None:
    bar = "Epoch {e}: 100%|##########| {i}/500 [00:10<00:00, 44.1it/s, loss=0.5, v_num=0, d_loss=0.1, g_loss=1.2]"
    text = "\r".join(bar.format(e=e, i=i) for e in (0, 1) for i in (250, 500)) + "\n"
    run = _load(text)
    assert run.frame["step"].tolist() == [250, 500, 750, 1000]
    assert run.n_segments == 1


@pytest.mark.parametrize("prefix", [
    "[WARNING: trainer.py:  91]: ",
    "21-03-02 10:11:12.345 - INFO: ",
    "2021-03-02 10:11:12.345 | INFO     | train:main:42 - ",
    "I0302 10:11:12.345678 140234 train.py:91] ",
    "[2021-03-02 10:11:12,345][__main__][INFO] - ",
    "2021-03-02 10:11:12,345 - mmgen - INFO - ",
    "2021-03-02 10:11:12,345 INFO: ",
])
def test_logging_prefixes(prefix: str) -> None:
    text = "".join(f"{prefix}step: {s} d_loss: 0.5 g_loss: 0.7\n" for s in (1, 2, 3))
    run = _load(text)
    assert run.frame["step"].tolist() == [1, 2, 3]
    assert set(run.frame.columns) <= {"step", "segment", "loss_d", "loss_g"}, run.frame.columns


def test_rich_prefix_and_file_suffix() -> None:
    text = "".join(f"[03/02/21 10:11:1{s}] INFO     step: {s} d_loss: 0.5 g_loss: 0.7    train.py:42\n"
                   for s in (1, 2, 3))
    run = _load(text)
    assert run.frame["step"].tolist() == [1, 2, 3]
    assert set(run.frame.columns) <= {"step", "segment", "loss_d", "loss_g"}, run.frame.columns


def test_last_line_without_newline_is_complete() -> None:
    run = _load("step: 1 d_loss: 0.5 g_loss: 0.7\nstep: 2 d_loss: 0.4 g_loss: 0.8")
    assert len(run.frame) == 2 and not run.partial
    run = _load("step: 1 d_loss: 0.5 g_loss: 0.7\nTraining finished")
    assert not run.partial
    run = _load("step: 1 d_loss: 0.5 g_loss: 0.7\nstep: 2 d_loss: 0.4 g_loss")
    assert run.partial


def test_a_2mb_single_line_reads_in_well_under_5_seconds() -> None:
    line = " ".join(f"D loss: {i * 0.001:.4f} G loss: {i * 0.002:.4f}" for i in range(60000))
    t = time.perf_counter()
    run = _load(line)
    took = time.perf_counter() - t
    assert len(run.frame) == 60000
    assert took < 4.0, f"{took:.1f} s"
