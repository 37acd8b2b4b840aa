"""Every known print format: its example lines parse to the documented values, and its
sample log in sample_logs/ is read with that format."""

from __future__ import annotations

import math

import pytest

from ganlog.frame import ParseStats, build_run
from ganlog.readers import load
from ganlog.readers.formats import FORMATS, TextFormat
from ganlog.readers.records import clean
from ganlog.readers.text import detect, parse_known
from ganlog.readers.textparse import format_meta
from ganlog.roles import decide


def _first_row(fmt: TextFormat, text: str) -> dict[str, float]:
    stats = ParseStats()
    records = parse_known(clean(text.encode()).text, fmt, stats)
    assert records, f"{fmt.name}: no record in its own example"
    run = build_run(records, name="x", source="x", reader="text", format=fmt.name,
                    epoch_base=fmt.epoch_base, meta=format_meta("", fmt, text))
    row = run.frame.iloc[0].to_dict()
    # a value may be named by its column or as printed (the roles resolver names the columns)
    for col, printed in run.original_names.items():
        row.setdefault(printed, row.get(col))
    decide(run)  # the format's scopes (Keras-GAN's `acc` in D's bracket) are read by the roles
    for col, value in run.frame.iloc[0].to_dict().items():
        row.setdefault(col, value)
    return row


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_first_example_parses_to_expected(fmt: TextFormat) -> None:
    row = _first_row(fmt, fmt.examples[0])
    for col, want in fmt.expected.items():
        assert col in row, f"{fmt.name}: no column {col}; got {sorted(row)}"
        assert row[col] == pytest.approx(want), f"{fmt.name}.{col}"


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_every_example_is_detected_as_its_format(fmt: TextFormat) -> None:
    for ex in fmt.examples:
        assert detect(clean(ex.encode()).text).name == fmt.name, ex


SAMPLES = {
    # file: (format, records, segments, columns that must hold values)
    "dcgan_tutorial.log": ("dcgan", 96, 1, ("loss_d", "loss_g", "d_x", "d_g_z1", "d_g_z2")),
    "dcgan_examples_nan.log": ("dcgan", 19, 1, ("loss_d", "loss_g", "d_x")),
    "forum_bce.log": ("forum", 31, 1, ("loss_d", "loss_g", "d_x", "d_g_z1", "d_g_z2", "step_time")),
    "forum_mse.log": ("forum", 12, 1, ("loss_d", "loss_g", "d_x")),
    "pytorch_gan.log": ("pytorch_gan", 40, 1, ("loss_d", "loss_g")),
    "pytorch_gan_acgan.log": ("pytorch_gan", 20, 1, ("loss_d", "loss_g", "d_acc")),
    # roles: G loss beside its adv term is the G total; adv is loss_g (the contract)
    "pytorch_gan_cyclegan.log": ("pytorch_gan", 40, 1, ("loss_d", "loss_g", "loss_g_total", "cycle", "identity")),
    "cyclegan_loss_log.log": ("cyclegan_loss_log", 44, 2, ("loss_d_a", "loss_g_a", "cycle_a", "idt_b")),
    "keras_progress.log": ("keras_progress", 24, 1, ("loss_d", "loss_g")),
    "keras_gan.log": ("keras_gan", 30, 1, ("loss_d", "loss_g", "d_acc")),
    "dcgan_tensorflow.log": ("dcgan_tf", 22, 1, ("loss_d", "loss_g", "elapsed_s")),
    "logging_info_pytorch_gan.log": ("pytorch_gan", 16, 1, ("loss_d", "loss_g")),
    "logging_root_keras_gan.log": ("keras_gan", 20, 1, ("loss_d", "loss_g")),
    "glog_dcgan_tensorflow.log": ("dcgan_tf", 19, 1, ("loss_d", "loss_g")),
    "metrics_jsonl.log": ("jsonl", 20, 1, ("loss_d", "loss_g", "d_x", "lr_d")),
    "generic_asctime.log": ("generic", 25, 1, ("loss_d", "loss_g", "d_x", "loss_d_gp")),  # gp: its role
    "generic_multiline.log": ("generic", 12, 1, ("loss_d", "loss_g", "loss_d_gp")),
    # real lines from public logs (each format's `source` names where)
    "basicsr.log": ("basicsr", 4, 1, ("l_g_gan", "l_d_real", "l_d_fake", "out_d_real", "lr")),
    "basicsr_mmsr.log": ("basicsr", 5, 1, ("l_g_gan", "l_d_real", "D_real", "D_fake")),
    "stylegan2_ada.log": ("stylegan", 8, 1, ("kimg", "augment", "sec/kimg", "fid50k_full")),
    "stylegan3.log": ("stylegan", 8, 1, ("kimg", "augment", "sec/kimg")),
    "spade.log": ("spade", 8, 1, ("GAN", "GAN_Feat", "VGG", "D_Fake", "D_real")),
    "biggan.log": ("biggan", 1, 1, ("G_loss", "D_loss_real", "D_loss_fake")),
    "hifigan.log": ("hifigan", 15, 1, ("Gen Loss Total", "Mel-Spec. Error")),
    "ctgan.log": ("ctgan", 30, 1, ("Loss G", "Loss D")),
    "tqdm_postfix.log": ("generic", 6, 1, ("g_trn_l", "d_trn_l", "val_d_loss")),
    "header_rows.log": ("generic", 6, 1, ("D_loss", "G_loss", "acc")),
    # written from the trainers' format strings (no real pasted line was found)
    "stargan.log": ("stargan", 20, 1, ("D/loss_real", "D/loss_fake", "D/loss_gp", "G/loss_fake")),
    "mmgen.log": ("mmgen", 20, 1, ("loss_disc_fake", "loss_disc_real", "loss_gen", "fid")),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_log_is_read_in_its_format(samples, name: str) -> None:
    fmt, n, segments, cols = SAMPLES[name]
    run = load(samples / name)
    assert run.format == fmt
    assert run.reader == "text"
    assert len(run.frame) == n == run.stats.records
    assert run.n_segments == segments
    printed = set(run.original_names.values())
    for c in cols:
        assert run.has(c) or c in printed, f"{name}: {c} missing (neither a column nor a printed name)"
    steps = run.frame["step"].to_numpy()
    seg = run.frame["segment"].to_numpy()
    for s in set(seg):
        st = steps[seg == s]
        assert (st[1:] > st[:-1]).all(), f"{name}: steps not increasing in segment {s}"


def test_sample_files_cover_every_format(samples) -> None:
    covered = {v[0] for v in SAMPLES.values()}
    assert {f.name for f in FORMATS} | {"jsonl", "generic"} <= covered
    assert {p.name for p in samples.glob("*.log")} <= set(SAMPLES)


def test_dcgan_epochs_are_zero_based(samples) -> None:
    run = load(samples / "dcgan_tutorial.log")
    df = run.frame
    row = df[(df["epoch"] == 1) & (df["iter"] == 50)].iloc[0]
    assert row["step"] == 1 * 1583 + 50
    assert run.stats.lines_skipped == 7  # seed, model print, "Starting Training Loop..."


def test_non_finite_values_are_kept(samples) -> None:
    df = load(samples / "dcgan_examples_nan.log").frame
    last = df.iloc[-2:]
    assert math.isinf(last["loss_d"].iloc[0]) and math.isnan(last["loss_g"].iloc[0])
    assert last["loss_d"].isna().iloc[1]


def test_pytorch_gan_carriage_return_rewrites_are_records(samples) -> None:
    run = load(samples / "pytorch_gan_cyclegan.log")
    assert run.stats.lines_skipped == 0
    assert "eta" not in " ".join(run.frame.columns)  # the ETA is a timing estimate, not a metric
    assert run.frame["step"].iloc[-1] == 1334 + 1273


def test_cyclegan_resumed_launch_is_a_new_segment(samples) -> None:
    df = load(samples / "cyclegan_loss_log.log").frame
    assert list(df.groupby("segment")["epoch"].min()) == [1, 3]
    assert df["step"].is_monotonic_increasing or df["segment"].iloc[-1] == 1


def test_keras_epoch_lines_give_the_epoch(samples) -> None:
    df = load(samples / "keras_progress.log").frame
    assert sorted(df["epoch"].unique()) == [1, 2, 3]
    assert df[df["epoch"] == 3]["step"].iloc[-1] == 3 * 1094


def test_ansi_and_logging_prefix_are_stripped(samples) -> None:
    run = load(samples / "logging_info_pytorch_gan.log")
    assert run.stats.lines_skipped == 1
    assert "Loaded 60000 images" in run.stats.skipped_examples[0].text
    assert "\x1b" not in run.stats.skipped_examples[0].text
