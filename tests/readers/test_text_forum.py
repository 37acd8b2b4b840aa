"""The forum question's real pastes: records glued with no newline, 1-based epochs."""

from __future__ import annotations

from ganlog.readers import load


def test_forum_paste_gives_31_records_and_global_steps(samples) -> None:
    run = load(samples / "forum_bce.log")
    df = run.frame
    assert run.format == "forum" and len(df) == 31
    row = df[(df["epoch"] == 3) & (df["iter"] == 1100)].iloc[0]
    assert row["step"] == 19_776
    assert run.describe_step(19_776) == "step 19,776 (epoch 3, iter 1,100)"
    assert row["d_g_z1"] == row["d_g_z2"] == 0.024329
    assert df["step"].iloc[0] == 1900 and run.n_segments == 1
    assert run.stats.lines_skipped == 0


def test_forum_mse_part(samples) -> None:
    df = load(samples / "forum_mse.log").frame
    assert len(df) == 12
    assert (df["d_g_z1"].iloc[3:] == 0).all()


def test_sniff_reason_names_the_format(run_ganlog, samples) -> None:
    proc = run_ganlog("parse", str(samples / "forum_bce.log"), "--explain")
    assert proc.returncode == 0, proc.stderr
    first = proc.stdout.splitlines()[0]
    assert first.startswith("->") and "text" in first and "forum" in first and "31 records" in first


def test_parse_to_csv_through_the_cli(run_ganlog, samples, tmp_path) -> None:
    out = tmp_path / "forum.csv"
    proc = run_ganlog("parse", str(samples / "forum_bce.log"), "--to", str(out))
    assert proc.returncode == 0, proc.stderr
    lines = out.read_text().splitlines()
    assert lines[0].startswith("step,epoch,iter,segment,loss_d,loss_g,d_x,d_g_z1,d_g_z2")
    assert len(lines) == 32
    assert "31 records" in proc.stderr and "(forum)" in proc.stderr


def test_formats_command_lists_every_format_in_80_columns(run_ganlog) -> None:
    from ganlog.readers.formats import format_names

    proc = run_ganlog("formats")
    assert proc.returncode == 0, proc.stderr
    for name in format_names():
        assert f"  {name} " in proc.stdout
    assert max(len(line) for line in proc.stdout.splitlines()) <= 80
    one = run_ganlog("formats", "keras_gan")
    assert one.returncode == 0 and "0 [D loss: 0.693147, acc.: 50.00%] [G loss: 0.710000]" in one.stdout
