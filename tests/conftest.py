"""Shared fixtures: where the samples are, and how to run the real `ganlog` command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_logs"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES


def ganlog_cmd(*args: str, input: bytes | str | None = None, env: dict[str, str] | None = None,
               cwd: Path | str | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `python -m ganlog ARGS` in a subprocess, as a user would, and capture its output."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(REPO) + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.pop("FORCE_COLOR", None)
    full_env.setdefault("MPLBACKEND", "Agg")
    if env:
        full_env.update(env)
    if isinstance(input, str):
        input = input.encode()
    proc = subprocess.run(
        [sys.executable, "-m", "ganlog", *args],
        input=input, capture_output=True, env=full_env, cwd=cwd, timeout=timeout,
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode,
        proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"),
    )


@pytest.fixture
def run_ganlog():
    """`run_ganlog("analyze", path)` -> CompletedProcess with text stdout/stderr."""
    return ganlog_cmd
