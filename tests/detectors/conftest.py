"""Fixtures: write a simulated run in a real log format and analyze it with ganlog."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

import ganlog
from ganlog.analysis import Analysis

from . import simulate as sim


@pytest.fixture
def analyze_sim(tmp_path: Path) -> Callable[..., Analysis]:
    """``analyze_sim(run, fmt="dcgan"|"jsonl")`` -> the Analysis of that run read back from disk."""

    def go(run: sim.SimRun, fmt: str = "dcgan", **kw: object) -> Analysis:
        path = tmp_path / f"run.{'log' if fmt == 'dcgan' else 'jsonl'}"
        (sim.write_dcgan if fmt == "dcgan" else sim.write_jsonl)(run, path)
        return ganlog.analyze(path, **kw)

    return go
