"""Issue 13's defects, each through the real `ganlog` command.

1 an output never replaces an input; 2 nothing unread passes; 3 no traceback, ever;
4 stdin streamed; 5 pipes read as streams, never a hang; 6 the right words; 7 names from
outside cannot drive the terminal.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from .conftest import REPO, forum_log, one_error_line, run_measured


@pytest.fixture
def log(tmp_path: Path, samples: Path) -> Path:
    p = tmp_path / "train.log"
    p.write_bytes(forum_log(samples))
    return p


# ------------------------------------------------------------------ 1. output onto input

@pytest.mark.parametrize("args", [
    ["check", "{log}", "-o", "{log}"],
    ["check", "{log}", "--format", "junit", "-o", "{link}"],
    ["parse", "{log}", "--to", "{link}"],
    ["report", "{log}", "-o", "{log}"],
    ["report", "{log}", "-o", "{hard}"],
    ["analyze", "{log}", "--html", "{link}"],
])
def test_an_output_never_replaces_an_input(args, log: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.csv"
    link.symlink_to(log)
    hard = tmp_path / "hard.html"
    os.link(log, hard)
    before = log.read_bytes()
    argv = [a.format(log=log, link=link, hard=hard) for a in args]
    out = run_measured(*argv, cwd=tmp_path)
    errors = one_error_line(out.stderr)
    assert out.rc == 2 and len(errors) == 1, out.stderr
    assert "is the input" in errors[0] and "refusing to overwrite" in errors[0]
    assert log.read_bytes() == before and link.is_symlink()


def test_an_existing_output_keeps_its_permissions(log: Path, tmp_path: Path) -> None:
    target = tmp_path / "result.json"
    target.write_text("{}")
    os.chmod(target, 0o640)
    out = run_measured("check", str(log), "--format", "json", "-o", str(target), "--exit-zero")
    assert out.rc == 0, out.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_text().startswith("{") and len(target.read_text()) > 10


def test_temp_files_of_a_killed_run_are_removed_on_the_next_write(log: Path, tmp_path: Path) -> None:
    target = tmp_path / "result.xml"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".result.xml.{dead.pid}.abc123.tmp"   # left by a writer that is gone
    live = tmp_path / f".result.xml.{os.getpid()}.def456.tmp"  # a writer still running
    stale.write_text("half")
    live.write_text("half")
    out = run_measured("check", str(log), "--format", "junit", "-o", str(target), "--exit-zero")
    assert out.rc == 0, out.stderr
    assert not stale.exists() and live.exists() and target.exists()


def test_a_killed_writer_leaves_the_old_output_whole(log: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    big = tmp_path / "big.log"
    big.write_bytes(log.read_bytes() * 3000)
    proc = subprocess.Popen([sys.executable, "-m", "ganlog", "parse", str(big), "--to", str(target)],
                            env=env, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    proc.kill()
    proc.wait()
    assert target.read_text() == "old\n" or target.read_text().startswith("step")


def test_an_unwritable_output_is_one_line(log: Path, tmp_path: Path) -> None:
    out = run_measured("check", str(log), "-o", str(log) + "/x.json")
    errors = one_error_line(out.stderr)
    assert out.rc == 2 and errors and "cannot write the output" in errors[0] or "directory" in errors[0]


# ------------------------------------------------------------------ 2. nothing passes unread

def test_a_folder_with_an_unreadable_run_fails_the_check(tmp_path: Path, samples: Path) -> None:
    runs = tmp_path / "runs"
    for name in ("a", "b"):
        (runs / name).mkdir(parents=True)
        (runs / name / "train.log").write_bytes(forum_log(samples))
    (runs / "c").mkdir()
    (runs / "c" / "train.log").symlink_to(tmp_path / "missing.log")
    out = run_measured("check", str(runs), "--exit-zero", "--format", "json")
    assert out.rc == 2
    assert "runs/c/train.log" in out.stderr and "cannot be read" in out.stderr
    assert '"input_errors"' in out.stdout


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_run_without_read_permission_fails_the_check(tmp_path: Path, samples: Path) -> None:
    runs = tmp_path / "runs"
    (runs / "a").mkdir(parents=True)
    (runs / "b").mkdir()
    (runs / "a" / "train.log").write_bytes(forum_log(samples))
    (runs / "b" / "train.log").write_bytes(forum_log(samples))
    os.chmod(runs / "b", 0)
    try:
        out = run_measured("check", str(runs), "--exit-zero")
    finally:
        os.chmod(runs / "b", 0o755)
    assert out.rc == 2 and "runs/b" in out.stderr


@pytest.mark.parametrize("name,data", [
    ("metrics.csv", b"step,loss_d,loss_g\n"),
    ("noise.log", bytes(range(128, 256)) * 500),
], ids=["header-only-csv", "high-bytes-without-nul"])
def test_zero_record_inputs_are_input_errors_not_healthy(name: str, data: bytes, tmp_path: Path) -> None:
    p = tmp_path / name
    p.write_bytes(data)
    out = run_measured("check", str(p), "--fail-on", "info")
    assert out.rc == 2 and len(one_error_line(out.stderr)) == 1 and "HEALTHY" not in out.stdout.upper()


def test_zero_length_npy_is_an_input_error(tmp_path: Path) -> None:
    import numpy as np

    np.save(tmp_path / "d_loss.npy", np.zeros(0))
    out = run_measured("check", str(tmp_path / "d_loss.npy"))
    assert out.rc == 2 and "no records" in out.stderr


# ------------------------------------------------------------------ 3. no traceback, ever

def test_an_unexpected_exception_is_an_internal_error_line_with_exit_2(log: Path) -> None:
    code = ("import sys, ganlog.analysis, ganlog.cli\n"
            "def boom(*a, **k): raise KeyError('the unexpected')\n"
            "ganlog.analysis.analyze = boom\n"
            f"sys.argv = ['ganlog', 'check', {str(log)!r}]\n"
            "ganlog.cli.main()\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("GANLOG_TRACEBACK", None)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = one_error_line(proc.stderr)
    assert len(lines) == 1 and lines[0].startswith("ganlog: internal error while handling")
    assert str(log) in lines[0] and "KeyError" in lines[0] and "please report it" in lines[0]
    env["GANLOG_TRACEBACK"] = "1"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert "Traceback" in proc.stderr


# ------------------------------------------------------------------ 4/5. streams, pipes, no hang

def test_process_substitution_is_read(log: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO), MPLBACKEND="Agg")
    proc = subprocess.run(["bash", "-c", f'"{sys.executable}" -m ganlog check <(cat "{log}") --exit-zero'],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "31 records" in proc.stdout or "records" in proc.stdout
    assert "empty" not in proc.stderr


def test_a_named_pipe_with_a_writer_is_read_as_a_stream(log: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "live.log"
    os.mkfifo(fifo)

    def writer() -> None:
        time.sleep(0.5)
        with open(fifo, "wb") as fh:
            data = log.read_bytes()
            fh.write(data[: len(data) // 2])
            fh.flush()
            time.sleep(0.3)
            fh.write(data[len(data) // 2:])

    t = threading.Thread(target=writer)
    t.start()
    out = run_measured("check", str(fifo), "--exit-zero", timeout=60)
    t.join()
    assert out.rc == 0, out.stderr
    assert "31 records" in out.stdout


def test_a_named_pipe_without_a_writer_gives_up_with_a_line(tmp_path: Path) -> None:
    fifo = tmp_path / "nobody.log"
    os.mkfifo(fifo)
    t0 = time.monotonic()
    out = run_measured("check", str(fifo), env={"GANLOG_PIPE_TIMEOUT": "1"}, timeout=60)
    assert out.rc == 2 and time.monotonic() - t0 < 30
    assert "no writer opened it within 1 s" in out.stderr


def test_special_files_in_a_folder_are_skipped_with_a_note(log: Path, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "train.log").write_bytes(log.read_bytes())
    os.mkfifo(runs / "pipe.log")
    out = run_measured("analyze", str(runs), timeout=60)
    assert out.rc == 0, out.stderr
    assert "pipe.log:anamedpipe,skipped" in "".join(out.stdout.split())  # wrapping may cut the path


def test_stdin_is_streamed_not_read_whole(tmp_path: Path, samples: Path) -> None:
    """A 29 MB log on stdin: the peak stays far below what holding it several times would take."""
    p = tmp_path / "big.log"
    p.write_bytes(forum_log(samples, 6000))
    out = run_measured("parse", "-", "--to", str(tmp_path / "out.csv"), stdin=p)
    assert out.rc == 0, out.stderr
    assert "186,000 records" in out.stderr
    assert out.peak_mb < 120 + 5 * p.stat().st_size / 2**20


def test_stdin_from_a_terminal_is_refused(tmp_path: Path) -> None:
    pytest.importorskip("pty")
    import pty

    env = dict(os.environ, PYTHONPATH=str(REPO))
    master, slave = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "ganlog", "analyze", "-"], stdin=slave,
                              capture_output=True, text=True, env=env, timeout=60)
    finally:
        os.close(slave)
        os.close(master)
    assert proc.returncode == 2 and "standard input is a terminal" in proc.stderr


# ------------------------------------------------------------------ 6. the right words

@pytest.mark.parametrize("name,data,words", [
    ("img.log", b"\x89PNG\r\n\x1a\n" + bytes(200), "a PNG image"),
    ("x.log", b"\x00" * 100, "a NUL byte at byte 0"),
    ("events.out.tfevents.1.host", b"\x89PNG\r\n\x1a\n" + bytes(200), ""),
], ids=["png", "nul", "png-named-as-event-file"])
def test_binary_data_is_named_not_called_a_tfrecord(name: str, data: bytes, words: str, tmp_path: Path) -> None:
    p = tmp_path / name
    p.write_bytes(data)
    out = run_measured("analyze", str(p))
    lines = one_error_line(out.stderr)
    assert out.rc == 2 and len(lines) == 1
    if words:
        assert words in lines[0] and "TFRecord" not in lines[0]


def test_gzip_and_utf16_logs_are_read(log: Path, tmp_path: Path) -> None:
    import gzip

    gz = tmp_path / "train.log.gz"
    gz.write_bytes(gzip.compress(log.read_bytes()))
    u16 = tmp_path / "ps.log"
    u16.write_bytes(log.read_text().encode("utf-16"))
    for p in (gz, u16):
        out = run_measured("check", str(p), "--exit-zero")
        assert out.rc == 0, out.stderr
        assert "31 records" in out.stdout


def test_a_symlink_loop_is_called_one(tmp_path: Path) -> None:
    (tmp_path / "a.log").symlink_to(tmp_path / "a.log")
    out = run_measured("analyze", str(tmp_path / "a.log"))
    assert out.rc == 2 and "symbolic link loop" in out.stderr and "no such file" not in out.stderr


def test_the_out_of_memory_line_names_the_file(log: Path) -> None:
    code = ("import sys, ganlog.analysis, ganlog.cli\n"
            "def boom(*a, **k): raise MemoryError()\n"
            "ganlog.analysis.analyze = boom\n"
            f"sys.argv = ['ganlog', 'check', {str(log)!r}]\n"
            "ganlog.cli.main()\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2 and "out of memory" in proc.stderr and str(log) in proc.stderr


# ------------------------------------------------------------------ 7. names cannot drive the terminal

def test_control_and_bidi_characters_in_file_names_are_shown_escaped(log: Path, tmp_path: Path) -> None:
    evil = tmp_path / "run\u202egol.\x1b[2J.log"
    evil.write_bytes(log.read_bytes())
    out = run_measured("analyze", str(evil))
    assert out.rc == 0, out.stderr
    assert "\u202e" not in out.stdout + out.stderr and "\x1b" not in out.stdout + out.stderr
    assert "\\u202e" in out.stdout and "\\x1b" in out.stdout
    bad = tmp_path / "x\u202e\x1b[31m.log"
    bad.write_bytes(b"")
    out = run_measured("analyze", str(bad))
    assert out.rc == 2 and "\x1b" not in out.stderr and "\\x1b[31m" in out.stderr


def test_a_closed_output_pipe_is_one_line_and_exit_2_not_1(tmp_path: Path, samples: Path) -> None:
    big = tmp_path / "big.log"
    big.write_bytes(forum_log(samples, 3000))
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run(["bash", "-c", f'"{sys.executable}" -m ganlog parse "{big}" | head -1 >/dev/null; '
                           'echo "rc=${PIPESTATUS[0]}" >&2'], capture_output=True, text=True, env=env, timeout=120)
    assert "rc=2" in proc.stderr and "Traceback" not in proc.stderr
    assert "output pipe was closed" in proc.stderr


def test_ctrl_c_is_exit_130_not_1(tmp_path: Path) -> None:
    import signal

    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "ganlog", "analyze", "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    time.sleep(3)  # started, waiting for stdin
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and b"interrupted" in err and b"Traceback" not in err


def test_linked_run_folders_are_read_and_link_loops_end(tmp_path: Path, samples: Path) -> None:
    """runs/latest -> elsewhere/run7 is a run (it was passed over); a link back up is no endless walk."""
    runs = tmp_path / "runs"
    (runs / "a").mkdir(parents=True)
    (runs / "a" / "train.log").write_bytes(forum_log(samples))
    other = tmp_path / "elsewhere" / "run7"
    other.mkdir(parents=True)
    (other / "train.log").write_bytes(forum_log(samples))
    (runs / "latest").symlink_to(other)
    (runs / "a" / "up").symlink_to(runs)
    out = run_measured("check", str(runs), "--exit-zero", timeout=120)
    assert out.rc == 0, out.stderr
    assert "latest/train" in out.stdout and "a/train" in out.stdout
    assert "already read" in "".join(out.stdout.split()).replace("alreadyread", "already read") or \
        "alreadyread" in "".join(out.stdout.split())


def test_a_log_in_gbk_is_not_called_binary(log: Path, tmp_path: Path) -> None:
    """Bytes that are not UTF-8 are binary only when many: a Windows log with Chinese notes is text."""
    lines = log.read_text().splitlines()
    text = "\n".join(f"{ln}\n训练中，请稍候：第 {i} 批" for i, ln in enumerate(lines)) + "\n"
    p = tmp_path / "gbk.log"
    p.write_bytes(text.encode("gbk"))
    out = run_measured("check", str(p), "--exit-zero")
    assert out.rc == 0, out.stderr
    assert "31 records" in out.stdout and "binary" not in out.stderr
