"""The trainer's benchmarks run as scripts and measure what they claim (short versions).

The full runs (5 seeds x every scenario; default-length speed runs) are done by
hand and recorded in the README; here each script runs end to end on a short
real run so it cannot rot between measurements.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

pytestmark = pytest.mark.trainer

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _run(script: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True, text=True,
                          timeout=timeout)


def test_trainer_speed_compares_against_a_plain_loop(tmp_path):
    out = tmp_path / "speed.json"
    proc = _run("trainer_speed.py", "--scenario", "healthy-bce", "--steps", "40", "--repeats", "1",
                "--device", "cpu", "--threads", "1", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    (row,) = json.loads(out.read_text())["rows"]
    assert row["scenario"] == "healthy-bce" and row["steps"] == 40 and row["device"] == "cpu"
    # a shortened run logs proportionally more often (every 5 of 2,000 steps -> every step of 40)
    assert row["log_every"] == 1 and row["records"] == 40
    for key in ("plain_steps_per_s", "loop_no_logging_steps_per_s", "loop_logging_steps_per_s"):
        assert row[key] > 0
    assert row["overhead_logging_and_writing"] >= row["overhead_logging"]
    assert "healthy-bce" in proc.stdout and "overhead" in proc.stdout


def test_detection_benchmark_scores_a_real_failure(tmp_path):
    out = tmp_path / "det.json"
    proc = _run("detection.py", "--seeds", "1", "--scenario", "gated-d", "--workers", "1",
                "--device", "cpu", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    (result,) = data["results"]
    assert result["scenario"] == "gated-d" and result["expected"] == ["GAN202"]
    assert data["score"]["per_code"]["GAN202"]["tp"] == 1
    assert "GAN202" in proc.stdout and "recall" in proc.stdout


def test_detection_score_counts_misses_and_healthy_alarms():
    sys.path.insert(0, str(BENCH))
    try:
        from detection import score
    finally:
        sys.path.remove(str(BENCH))
    results = [
        {"scenario": "gated-d", "seed": 0, "kind": "failure", "expected": ["GAN202"], "must_not": ["GAN401"],
         "onset": 100, "findings": [{"code": "GAN202", "severity": 3, "start": 140, "message": "frozen"}]},
        {"scenario": "gated-d", "seed": 1, "kind": "failure", "expected": ["GAN202"], "must_not": ["GAN401"],
         "onset": 100, "findings": [{"code": "GAN401", "severity": 3, "start": 5, "message": "nan"}]},
        {"scenario": "healthy-bce", "seed": 0, "kind": "healthy", "expected": [], "must_not": ["GAN101"],
         "onset": None, "findings": [{"code": "GAN302", "severity": 1, "start": 9, "message": "info only"},
                                     {"code": "GAN101", "severity": 2, "start": 9, "message": "low D loss"}]},
    ]
    sc = score(results)
    assert sc["per_code"]["GAN202"] == {"tp": 1, "fn": 1, "fp": 0}
    assert sc["leads"]["GAN202"] == [40]
    assert sc["per_code"]["GAN401"]["fp"] == 1 and sc["per_code"]["GAN101"]["fp"] == 1
    assert len(sc["misses"]) == 1 and "seed 1" in sc["misses"][0]
    assert sc["healthy_alarms"] == ["healthy-bce seed 0: GAN101 (warning): low D loss"]
