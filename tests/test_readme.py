"""The README's examples run: its ```python blocks, and the ```bash blocks marked safe to run.

A bash block runs when the line before it is ``<!-- readme-test: run -->`` (the
others train models, start servers or name files a reader does not have). Every python
block runs, except one marked ``<!-- readme-test: skip (why) -->`` on the line before it.
Each runs in a fresh directory where ``sample_logs`` points at the repository's.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"(?P<before>[^\n]*)\n```(?P<lang>\w+)\n(?P<body>.*?)\n```", re.S)


def blocks(lang: str, marked: bool = False) -> list[str]:
    out = []
    for m in BLOCK.finditer(README):
        if m["lang"] != lang:
            continue
        if marked and "readme-test: run" not in m["before"]:
            continue
        if "readme-test: skip" in m["before"]:
            continue
        out.append(m["body"])
    return out


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "sample_logs").symlink_to(REPO / "sample_logs")
    return tmp_path


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               MPLBACKEND="Agg")
    env.pop("FORCE_COLOR", None)
    return env


def test_readme_has_examples() -> None:
    assert len(blocks("python")) >= 3 and blocks("bash", marked=True)


@pytest.mark.parametrize("code", blocks("python"), ids=lambda c: c.splitlines()[-1][:40])
def test_python_example_runs(code: str, workdir: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", code], cwd=workdir, env=_env(), capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.parametrize("script", blocks("bash", marked=True), ids=lambda s: s.splitlines()[0][:40])
def test_bash_example_runs(script: str, workdir: Path) -> None:
    for line in script.splitlines():
        cmd = line.split("#", 1)[0].strip()
        if not cmd:
            continue
        argv = shlex.split(cmd)
        assert argv[0] == "ganlog", cmd
        proc = subprocess.run([sys.executable, "-m", "ganlog", *argv[1:]], cwd=workdir, env=_env(),
                              capture_output=True, text=True, timeout=300)
        # 0: clean, 1: findings (check); anything else is a broken example
        assert proc.returncode in (0, 1), f"{cmd}: {proc.stderr[-2000:]}"
    if "--html forum.html" in script:
        assert (workdir / "forum.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
