"""Followers read only new, complete data: uneven chunks, \\r bars, rotation, truncation,
event files being appended, stdin."""

from __future__ import annotations

import os

import pytest

from ganlog.watch.followers import EventFollower, FolderFollower, StdinFollower, TextFollower

LINE = "[0/5][{i}/500]\tLoss_D: 1.3{i:03d}\tLoss_G: 0.6931\tD(x): 0.5000\tD(G(z)): 0.5000 / 0.4000\n"


def test_uneven_chunks_never_give_half_a_record(tmp_path):
    p = tmp_path / "train.log"
    text = "".join(LINE.format(i=i) for i in range(50)) + "epoch 0:  40%|####      | 4/10\r"
    data = text.encode()
    f = TextFollower(p)
    got = b""
    with open(p, "wb") as fh:
        pos = 0
        for size in (7, 1, 120, 3, 333, 64, 1000, 5, 10_000):
            fh.write(data[pos:pos + size])
            fh.flush()
            pos += size
            chunk = f.poll()
            got += chunk.data
            assert not chunk.data or chunk.data.endswith((b"\n", b"\r"))
    assert got == data  # every byte once, in order, each poll ending on a record separator
    with open(p, "ab") as fh:
        fh.write(b"epoch 0:  50%|#####     | 5/10")  # a \r bar being redrawn: not complete yet
    assert f.poll().data == b""
    with open(p, "ab") as fh:
        fh.write(b"\r")
    assert f.poll().data == b"epoch 0:  50%|#####     | 5/10\r"


def test_a_missing_file_is_waited_for(tmp_path):
    p = tmp_path / "later.log"
    f = TextFollower(p)
    assert not f.poll().changed
    p.write_text(LINE.format(i=1))
    assert f.poll().data == LINE.format(i=1).encode()


def test_rotation_continues_in_the_new_file(tmp_path):
    p = tmp_path / "train.log"
    p.write_text(LINE.format(i=1) + LINE.format(i=2))
    f = TextFollower(p)
    assert f.poll().data.count(b"\n") == 2
    with open(p, "a") as fh:
        fh.write(LINE.format(i=3))  # written just before the rotation
    os.rename(p, tmp_path / "train.log.1")
    p.write_text(LINE.format(i=4))
    chunk = f.poll()
    assert not chunk.reset
    assert chunk.data == (LINE.format(i=3) + LINE.format(i=4)).encode()
    assert any("rotated" in n for n in chunk.notes)


def test_truncation_and_rewrite_restart_cleanly(tmp_path):
    p = tmp_path / "train.log"
    p.write_text("".join(LINE.format(i=i) for i in range(10)))
    f = TextFollower(p)
    f.poll()
    p.write_text(LINE.format(i=0))  # `python train.py > train.log` again: truncated in place
    chunk = f.poll()
    assert chunk.reset and chunk.data == LINE.format(i=0).encode()
    assert any("truncated" in n for n in chunk.notes)
    # an atomic rewrite (a new file at the path starting with the same bytes) restarts too
    tmp = tmp_path / "x.tmp"
    tmp.write_text(LINE.format(i=0) + LINE.format(i=1))
    os.replace(tmp, p)
    chunk = f.poll()
    assert chunk.reset and chunk.data == (LINE.format(i=0) + LINE.format(i=1)).encode()


def test_stdin_pipe_hands_over_complete_records_then_the_tail_at_eof():
    import time

    r, w = os.pipe()
    f = StdinFollower(os.fdopen(r, "rb", buffering=0))
    os.write(w, b"Loss_D: 1.0 Loss_G: 0.5\nLoss_D: 1.1 Lo")
    deadline = time.time() + 5
    got = b""
    while time.time() < deadline and not got:
        got = f.poll().data
        time.sleep(0.01)
    assert got == b"Loss_D: 1.0 Loss_G: 0.5\n"
    os.write(w, b"ss_G: 0.4")
    os.close(w)
    deadline = time.time() + 5
    while time.time() < deadline:
        chunk = f.poll()
        if chunk.eof:
            break
        time.sleep(0.01)
    assert chunk.eof and chunk.data == b"Loss_D: 1.1 Loss_G: 0.4"


def _event_bytes(tmp_path, n: int) -> bytes:
    """A real event file written by tensorboardX."""
    pytest.importorskip("tensorboardX")
    from tensorboardX import SummaryWriter

    w = SummaryWriter(logdir=str(tmp_path / "tbx"))
    for step in range(n):
        w.add_scalar("Loss/D", 1.0 + step, step)
    w.close()
    (path,) = list((tmp_path / "tbx").iterdir())
    return path.read_bytes()


def test_event_file_followed_to_its_last_complete_valid_record(tmp_path):
    from ganlog.readers._tfrecord import FOOTER, frame

    full = _event_bytes(tmp_path, 20)
    fr = frame(full)
    ends = [int(s + n + FOOTER) for s, n in zip(fr.starts, fr.lengths)]
    assert len(ends) == 21  # the file-version record and twenty scalars
    path = tmp_path / "events.out.tfevents.1.host"
    f = EventFollower(path)
    # the trainer appends: whole records, then one cut in the middle, then the rest
    for upto, expect_end in ((ends[5], ends[5]), (ends[9] + 7, ends[9]), (ends[12] - 1, ends[11]),
                             (len(full), len(full))):
        with open(path, "ab") as fh:
            fh.write(full[path.stat().st_size if path.exists() else 0:upto])
        f.poll()
        assert f.valid_end == expect_end
    assert f.records == 21 and not f.problems
    # what the reader is given parses: the scalars up to the last complete record
    from ganlog.readers import Source, load_runs

    run = load_runs(Source(name=str(path), path=path, data=f.complete_bytes()))[0]
    assert len(run.frame) == 20


def test_folder_follower_sees_new_files(tmp_path):
    (tmp_path / "train.log").write_text(LINE.format(i=0))
    f = FolderFollower(tmp_path)
    assert f.poll().records == 1
    (tmp_path / "rank1.log").write_text(LINE.format(i=0) + LINE.format(i=1))
    (tmp_path / "scenario.json").write_text("{}")
    c = f.poll()
    assert c.records == 2 and any("rank1.log" in n for n in c.notes)
