"""The remedy catalog: every entry complete, every remedy the issue asks for present."""

from __future__ import annotations

import re

import pytest

from ganlog import remedies

REQUIRED = [
    "ttur", "training-ratio", "one-sided-label-smoothing", "noisy-labels", "instance-noise",
    "spectral-norm", "wgan-gp", "r1-penalty", "d-weight-decay", "ema-generator", "non-saturating-loss",
    "bce-with-logits", "grad-clipping", "lr-reduction", "remove-d-gate", "check-optimizer-steps",
    "data-augmentation", "minibatch-stats", "keep-best-checkpoint",
]


def test_required_remedies_present() -> None:
    missing = [r for r in REQUIRED if r not in remedies.CATALOG]
    assert not missing


@pytest.mark.parametrize("rid", sorted(remedies.CATALOG))
def test_entry_is_complete(rid: str) -> None:
    r = remedies.get(rid)
    assert r.id == rid and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rid)
    assert r.title and r.applies and r.change
    assert r.sketch.strip(), f"{rid} has no PyTorch sketch"
    compile(r.sketch, f"<{rid} sketch>", "exec")  # the sketch is valid Python
    assert r.references
    for ref in r.references:
        assert 1990 <= ref.year <= 2030 and ref.title and ref.authors
        assert str(ref.year) in str(ref)


def test_unknown_id_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="unknown remedy id"):
        remedies.get("no-such-remedy")


def test_every_remedy_is_used_by_some_detector() -> None:
    from ganlog.detectors import registry

    used = {rid for cls in registry().values() for rid in cls.remedies}
    # the what-to-log cards belong to the INCONCLUSIVE verdict, not to a detector
    assert set(remedies.CATALOG) <= used | set(remedies.LOGGING_REMEDIES)
