"""Each detector documents itself in the fixed sections, with frozen documented parameters and real remedies."""

from __future__ import annotations

import dataclasses

import pytest

from ganlog import remedies
from ganlog.detectors import registry
from ganlog.detectors.base import DOC_SECTIONS

DETECTORS = list(registry().values())


def test_the_catalog_has_every_code() -> None:
    codes = set(registry())
    for code in ("GAN101", "GAN102", "GAN103", "GAN201", "GAN202", "GAN203", "GAN204", "GAN205",
                 "GAN301", "GAN302", "GAN303", "GAN401", "GAN402", "GAN403", "GAN404", "GAN501", "GAN502"):
        assert code in codes


@pytest.mark.parametrize("cls", DETECTORS, ids=lambda c: c.code)
def test_docstring_sections(cls) -> None:
    sections = cls.doc_sections()
    for name in DOC_SECTIONS:
        assert sections.get(name), f"{cls.code} lacks a '{name}' section"
    assert cls.name and cls.name == cls.name.lower() and " " not in cls.name
    assert cls.summary


@pytest.mark.parametrize("cls", DETECTORS, ids=lambda c: c.code)
def test_params_are_frozen_and_documented(cls) -> None:
    params = cls.Params()
    assert dataclasses.is_dataclass(params)
    fields = dataclasses.fields(params)
    if fields:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(params, fields[0].name, 0)
    options = cls.doc_sections()["Options"]
    for f in fields:
        assert f"``{f.name}``" in options, f"{cls.code}: option {f.name} not documented"


@pytest.mark.parametrize("cls", DETECTORS, ids=lambda c: c.code)
def test_remedies_exist_in_the_catalog(cls) -> None:
    assert cls.remedies, f"{cls.code} names no remedy"
    for rid in cls.remedies:
        assert rid in remedies.CATALOG, f"{cls.code} points at unknown remedy {rid}"
    assert len(set(cls.remedies)) == len(cls.remedies)
