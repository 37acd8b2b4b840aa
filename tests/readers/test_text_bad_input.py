"""Bad input through the real CLI: one line naming the file and what was expected, exit 2,
no traceback; partial data gives partial results, said to be partial."""

from __future__ import annotations

import pytest

DCGAN_LINE = "[0/5][{i}/1583]\tLoss_D: 1.2000\tLoss_G: 0.9000\tD(x): 0.6000\tD(G(z)): 0.4000 / 0.3500\n"


def _one_line_error(proc, path) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    err = proc.stderr.strip()
    assert "Traceback" not in err
    assert err.count("\n") == 0, err
    assert str(path) in err


def test_empty_file(run_ganlog, tmp_path) -> None:
    p = tmp_path / "empty.log"
    p.write_bytes(b"")
    proc = run_ganlog("parse", str(p))
    _one_line_error(proc, p)
    assert "empty" in proc.stderr


def test_binary_file(run_ganlog, tmp_path) -> None:
    p = tmp_path / "model.pt"
    p.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 40)
    proc = run_ganlog("analyze", str(p))
    _one_line_error(proc, p)
    assert "binary" in proc.stderr and "byte" in proc.stderr


def test_log_without_records(run_ganlog, tmp_path) -> None:
    p = tmp_path / "notes.log"
    p.write_text("Downloading dataset...\nDone.\nTraining started\n")
    proc = run_ganlog("parse", str(p))
    _one_line_error(proc, p)
    assert "no training records" in proc.stderr and "line 1" in proc.stderr
    assert "expected" in proc.stderr


def test_directory_where_a_file_was_expected(run_ganlog, tmp_path) -> None:
    d = tmp_path / "runs"
    d.mkdir()
    proc = run_ganlog("parse", str(d))
    _one_line_error(proc, d)


def test_text_reader_never_claims_a_directory(tmp_path) -> None:
    from ganlog.readers.base import Source
    from ganlog.readers.text import TextReader

    assert TextReader().sniff(Source.from_path(tmp_path)).score == 0


def test_truncated_last_line_reads_what_is_there(run_ganlog, tmp_path) -> None:
    p = tmp_path / "cut.log"
    body = "".join(DCGAN_LINE.format(i=i) for i in range(0, 500, 50))
    p.write_text(body + "[0/5][500/1583]\tLoss_D: 1.2000\tLoss_G")
    out = tmp_path / "cut.csv"
    proc = run_ganlog("parse", str(p), "--to", str(out))
    assert proc.returncode == 0, proc.stderr
    assert len(out.read_text().splitlines()) == 11
    assert "PARTIAL" in proc.stderr


def test_non_utf8_bytes_are_replaced_and_counted(tmp_path) -> None:
    from ganlog.readers import load

    p = tmp_path / "latin1.log"
    p.write_bytes(b"Entra\xeenement d\xe9marr\xe9\n" + DCGAN_LINE.format(i=0).encode()
                  + DCGAN_LINE.format(i=50).encode())
    run = load(p)
    assert len(run.frame) == 2
    assert any("not UTF-8" in w and "byte 5" in w for w in run.stats.warnings)


@pytest.mark.slow
def test_fifty_megabyte_single_line_is_split_into_records(run_ganlog, tmp_path) -> None:
    rec = ("Epoch 1/5 - Step: {i}/9338 Loss G: 3.057388 Loss D: 0.214545 D(x): 0.940985 "
           "D(G(z)): 0.114064 / 0.114064Time for the last step: 51.55 s Epoch ETA: 01:04:13")
    one = rec.format(i=1)
    n = 50 * 1024 * 1024 // len(one) + 1
    p = tmp_path / "one_line.log"
    with open(p, "w") as fh:
        for i in range(n):
            fh.write(rec.format(i=i % 9338))
    out = tmp_path / "one_line.csv"
    proc = run_ganlog("parse", str(p), "--to", str(out), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert f"{n:,} records" in proc.stderr


def test_unknown_forced_format_is_a_usage_error(run_ganlog, samples) -> None:
    proc = run_ganlog("parse", str(samples / "forum_bce.log"), "--format", "nosuch")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "ganlog formats" in proc.stderr
