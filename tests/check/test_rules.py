"""`ganlog rules` prints what the registry holds, and every detector is documented."""

from __future__ import annotations

import json

import pytest

from ganlog import remedies
from ganlog.detectors import registry
from ganlog.detectors.base import DOC_SECTIONS

CODES = list(registry())


def test_rules_lists_every_registered_detector(cli_run) -> None:
    res = cli_run("rules")
    assert res.exit_code == 0
    for code, cls in registry().items():
        line = next((ln for ln in res.stdout.splitlines() if ln.startswith(code + " ")), None)
        assert line is not None, code
        assert cls.name in line and cls.default_severity.label in line


def test_rules_json_is_the_registry(cli_run) -> None:
    rows = json.loads(cli_run("rules", "--format", "json").stdout)
    assert [r["code"] for r in rows] == CODES
    for r in rows:
        cls = registry()[r["code"]]
        assert r["requires"] == list(cls.requires) and r["severity"] == cls.default_severity.label


@pytest.mark.parametrize("code", CODES)
def test_rule_page_has_sections_parameters_and_remedies(cli_run, code) -> None:
    cls = registry()[code]
    text = cli_run("rules", code).stdout
    assert text.startswith(f"{code} {cls.name}")
    for section in DOC_SECTIONS:
        assert f"\n{section}\n" in text
    for f in cls.param_fields():
        assert f"  {f.name} = " in text
    doc = json.loads(cli_run("rules", cls.name, "--format", "json").stdout)
    assert doc["code"] == code and set(doc["sections"]) == set(DOC_SECTIONS)
    assert [p["name"] for p in doc["parameters"]] == [f.name for f in cls.param_fields()]
    assert [r["id"] for r in doc["remedies"]] == list(cls.remedies)


def test_unknown_rule_is_exit_2(cli_run) -> None:
    res = cli_run("rules", "GAN999")
    assert res.exit_code == 2 and "no detector 'GAN999'" in res.stderr


# -- documentation completeness: the check ruff runs on its own rules -------------------

@pytest.mark.parametrize("code", CODES)
def test_docstring_has_every_section(code) -> None:
    sections = registry()[code].doc_sections()
    missing = [s for s in DOC_SECTIONS if not sections.get(s, "").strip()]
    assert not missing, f"{code} docstring lacks {missing}"


@pytest.mark.parametrize("code", CODES)
def test_every_remedy_named_is_in_the_catalog(code) -> None:
    cls = registry()[code]
    assert cls.remedies, f"{code} names no remedy"
    unknown = [r for r in cls.remedies if r not in remedies.CATALOG]
    assert not unknown, f"{code} names remedies not in ganlog.remedies.CATALOG: {unknown}"


@pytest.mark.parametrize("code", CODES)
def test_every_parameter_is_documented_in_options(code) -> None:
    cls = registry()[code]
    options = cls.doc_sections().get("Options", "")
    undocumented = [f.name for f in cls.param_fields() if f.name not in options]
    assert not undocumented, f"{code} Options section does not mention {undocumented}"


def test_codes_and_names_are_unique_and_well_formed() -> None:
    import re

    names = [cls.name for cls in registry().values()]
    assert len(set(names)) == len(names)
    for code, cls in registry().items():
        assert re.fullmatch(r"GAN\d{3}", code) and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", cls.name)
