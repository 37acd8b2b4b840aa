"""The command as a user meets it: help, errors, stdin, `python -m ganlog`."""

from __future__ import annotations

import subprocess
import sys


def test_help_does_not_import_pandas_or_matplotlib(repo_root) -> None:
    code = (
        "import sys; sys.argv=['ganlog','--help']\n"
        "from ganlog.cli import cli\n"
        "try:\n    cli.main(prog_name='ganlog')\nexcept SystemExit:\n    pass\n"
        "heavy=[m for m in ('pandas','matplotlib','scipy','numpy') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=repo_root)
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr
    assert "analyze" in out.stdout


def test_missing_file_is_one_line_exit_2(run_ganlog, tmp_path) -> None:
    missing = tmp_path / "nope.log"
    proc = run_ganlog("analyze", str(missing))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert str(missing) in proc.stderr and "Traceback" not in proc.stderr


def test_stdin_dash_reads_the_log(run_ganlog, samples) -> None:
    data = (samples / "forum_bce.log").read_bytes()
    proc = run_ganlog("analyze", "-", input=data)
    assert proc.returncode == 0, proc.stderr
    assert "31 records" in proc.stdout
