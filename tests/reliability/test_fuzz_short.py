"""A few seconds of the reader fuzzer in CI (benchmarks/fuzz_readers.py runs it for 30+ minutes).

Every reader and the analysis get mutated seeds (sample logs, the corpus, generated .npy/.npz/CSV/
JSONL/event files re-framed with valid CRCs): a GanlogError is the only exception allowed.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.fuzz_readers import NAMES, encode, mutate, run_one, seeds

SEEDS = seeds(limit_bytes=16 * 1024)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.integers(0, len(SEEDS) - 1), st.integers(0, 2**32 - 1), st.integers(1, 8))
def test_mutated_seeds_never_crash(workdir: Path, index: int, rng_seed: int, n_ops: int) -> None:
    run_one(mutate(SEEDS[index], random.Random(rng_seed), n_ops), workdir)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.integers(0, len(NAMES) - 1), st.integers(0, 7), st.binary(max_size=2048))
def test_arbitrary_bytes_under_every_name_never_crash(workdir: Path, name: int, flags: int, payload: bytes) -> None:
    run_one(encode(name, flags, payload), workdir)


def test_every_seed_reads_or_fails_in_one_line(workdir: Path) -> None:
    assert len(SEEDS) >= 20
    for s in SEEDS:
        run_one(s, workdir)
