"""Logs for the check tests, written in the DCGAN print format real trainers use.

``[epoch/epochs][iter/iters]\\tLoss_D: … Loss_G: … D(x): … D(G(z)): a / b`` is the line
PyTorch's DCGAN example prints; the healthy run hovers at the summed-BCE chance level
(D loss ≈ 1.386, D(x) ≈ D(G(z)) ≈ 0.5), the collapsed one has D winning from a given
iteration on (D loss → 0.01, G loss climbing, D(x) → 1, D(G(z)) → 0).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

ITERS = 1000


def dcgan_lines(n: int = ITERS, *, collapse_at: int | None = None, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(n):
        if collapse_at is not None and i >= collapse_at:
            k = min(1.0, (i - collapse_at) / 50)  # collapse over 50 iterations, then stays
            loss_d = (1.0 - k) * 1.3 + k * abs(rng.normal(0.01, 0.003))
            loss_g = (1.0 - k) * 0.8 + k * (6.0 + 0.002 * (i - collapse_at) + rng.normal(0, 0.2))
            d_x = (1.0 - k) * 0.5 + k * (0.995 + rng.uniform(0, 0.004))
            dgz1 = (1.0 - k) * 0.45 + k * abs(rng.normal(0.004, 0.001))
            dgz2 = dgz1 * 0.9
        else:
            loss_d = 1.30 + rng.normal(0, 0.08)
            loss_g = 0.80 + rng.normal(0, 0.10)
            d_x = 0.52 + rng.normal(0, 0.04)
            dgz1 = 0.46 + rng.normal(0, 0.04)
            dgz2 = dgz1 + rng.normal(0.02, 0.02)
        lines.append(
            f"[{i // 200}/5][{i % 200}/200]\tLoss_D: {loss_d:.4f} Loss_G: {loss_g:.4f} "
            f"D(x): {d_x:.4f} D(G(z)): {dgz1:.4f} / {dgz2:.4f}"
        )
    return lines


def write_log(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def healthy_log(tmp_path: Path) -> Path:
    return write_log(tmp_path / "healthy.log", dcgan_lines(seed=1))


@pytest.fixture
def collapse_log(tmp_path: Path) -> Path:
    return write_log(tmp_path / "collapse.log", dcgan_lines(collapse_at=300, seed=2))


@pytest.fixture
def late_collapse_log(tmp_path: Path) -> Path:
    return write_log(tmp_path / "late_collapse.log", dcgan_lines(collapse_at=800, seed=3))


class Logs:
    """One set of logs per test session (writing them is cheap, analysing them is not)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.healthy = write_log(root / "healthy.log", dcgan_lines(seed=1))
        self.collapse = write_log(root / "collapse.log", dcgan_lines(collapse_at=300, seed=2))
        self.late_collapse = write_log(root / "late_collapse.log", dcgan_lines(collapse_at=800, seed=3))


@pytest.fixture(scope="session")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Logs:
    return Logs(tmp_path_factory.mktemp("check_logs"))


@pytest.fixture(scope="session")
def firing(logs: Logs) -> str:
    """A registered detector that fires (warning or error) on the collapsed run and is silent
    on the healthy one: the exit-code tests pin its severity with --set and judge it."""
    from ganlog import analyze
    from ganlog.config import Config
    from ganlog.detectors.base import Severity

    healthy = {f.code for f in analyze(logs.healthy, Config()).findings}
    collapsed = analyze(logs.collapse, Config()).findings
    codes = sorted({f.code for f in collapsed if f.severity >= Severity.WARNING and f.code not in healthy})
    if not codes:
        pytest.skip("no registered detector fires on the collapsed DCGAN log yet")
    return "GAN101" if "GAN101" in codes else codes[0]


@pytest.fixture
def cli_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Run `ganlog ARGS` in-process (click's runner) from an empty cwd: fast enough for matrices."""
    from click.testing import CliRunner

    from ganlog.cli import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return run
