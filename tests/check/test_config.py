"""Configuration: discovery, [tool.ganlog] tables, --set, and one-line errors for every mistake."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Optional

import pytest

from ganlog.config import Config, _coerce, find_config, load_config
from ganlog.detectors import registry
from ganlog.detectors.base import Severity
from ganlog.errors import ConfigError

CODES = list(registry())
WITH_PARAMS = [code for code, cls in registry().items() if cls.param_fields()]


@pytest.fixture
def in_dir(tmp_path, monkeypatch):
    """Run with the cwd in a fresh directory tree (discovery walks up from the cwd)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- discovery ----------------------------------------------------------------------

def test_no_file_means_defaults(in_dir) -> None:
    cfg = load_config()
    assert cfg == Config()


def test_nearest_pyproject_with_tool_ganlog_is_found_walking_up(in_dir, monkeypatch) -> None:
    _write(in_dir / "pyproject.toml", '[tool.ganlog]\nfail-on = "warning"\nloss-family = "wgan"\n')
    # a nearer pyproject.toml without [tool.ganlog] is passed over
    _write(in_dir / "pkg" / "pyproject.toml", '[project]\nname = "x"\n')
    deep = in_dir / "pkg" / "src" / "deep"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    cfg = load_config()
    assert cfg.fail_on is Severity.WARNING
    assert cfg.loss_family == "wgan"
    assert cfg.source == str((in_dir / "pyproject.toml").resolve())


def test_ganlog_toml_wins_over_pyproject_in_the_same_directory(in_dir) -> None:
    _write(in_dir / "pyproject.toml", '[tool.ganlog]\nfail-on = "warning"\n')
    _write(in_dir / "ganlog.toml", 'fail-on = "info"\n')
    assert find_config() == (in_dir / "ganlog.toml").resolve()
    assert load_config().fail_on is Severity.INFO


def test_config_option_names_a_file_and_skips_discovery(in_dir) -> None:
    _write(in_dir / "ganlog.toml", 'fail-on = "info"\n')
    other = _write(in_dir / "ci" / "strict.toml", 'fail-on = "warning"\n[aliases]\n"disc/total" = "loss_d"\n')
    cfg = load_config(str(other))
    assert cfg.fail_on is Severity.WARNING
    assert cfg.aliases == {"disc/total": "loss_d"}
    assert cfg.source == str(other)


def test_named_pyproject_reads_its_tool_ganlog_table(in_dir) -> None:
    p = _write(in_dir / "pyproject.toml", '[project]\nname = "x"\n[tool.ganlog]\nloss-family = "hinge"\n')
    assert load_config(str(p)).loss_family == "hinge"


def test_snake_case_spellings_of_keys_are_accepted(in_dir) -> None:
    _write(in_dir / "ganlog.toml", 'fail_on = "warning"\nloss_family = "lsgan"\n')
    cfg = load_config()
    assert (cfg.fail_on, cfg.loss_family) == (Severity.WARNING, "lsgan")


def test_loss_family_option_wins_over_the_file(in_dir) -> None:
    _write(in_dir / "ganlog.toml", 'loss-family = "lsgan"\n')
    assert load_config(loss_family="wgan").loss_family == "wgan"


def test_top_level_set_overrides_the_file(in_dir) -> None:
    _write(in_dir / "ganlog.toml", 'fail-on = "warning"\n')
    assert load_config(sets=["fail-on=info"]).fail_on is Severity.INFO
    assert load_config(sets=["loss-family=hinge"]).loss_family == "hinge"


# -- errors: one line naming the file and the key ------------------------------------

@pytest.mark.parametrize("text, key, words", [
    ('fail-onn = "error"\n', "fail-onn", "did you mean 'fail-on'"),
    ('fail-on = "fatal"\n', "fail-on", "expected info, warning or error"),
    ('fail-on = 3\n', "fail-on", "an integer 3"),
    ('loss-family = "vanilla"\n', "loss-family", "unknown loss family"),
    ('select = "XYZ1"\n', "select", "not a code prefix"),
    ('select = [1, 2]\n', "select", "expected a list of code prefixes"),
    ('ignore = ["GAN9"]\n', "ignore", "matches no detector"),
    ('[aliases]\n"disc" = "Loss D"\n', "aliases.disc", "snake_case"),
    ('[aliases]\n"seg" = "segment"\n', "aliases.seg", "computed by ganlog"),
    ('aliases = "loss_d"\n', "aliases", "expected a table"),
    ('[GAN999]\nthreshold = 1\n', "GAN999", "unknown detector code GAN999"),
    ('[detectors]\nx = 1\n', "detectors", "unknown key"),
    ('[tool.ganlog]\nfail-on = "error"\n', "tool", "settings sit at the top level"),
])
def test_bad_config_is_one_line_naming_file_and_key(in_dir, text, key, words) -> None:
    path = _write(in_dir / "ganlog.toml", text)
    with pytest.raises(ConfigError) as err:
        load_config()
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(str(path.resolve()) + ": ")
    assert key in msg and words in msg


def test_keys_in_pyproject_are_named_with_their_table(in_dir) -> None:
    _write(in_dir / "pyproject.toml", '[tool.ganlog]\nselct = ["GAN1"]\n')
    with pytest.raises(ConfigError, match=r"pyproject\.toml: tool\.ganlog\.selct: unknown key"):
        load_config()


def test_invalid_toml_says_where(in_dir) -> None:
    _write(in_dir / "ganlog.toml", 'fail-on = "error\n')
    with pytest.raises(ConfigError, match=r"ganlog\.toml: invalid TOML: .*line 1"):
        load_config()


def test_missing_named_config_file(in_dir) -> None:
    with pytest.raises(ConfigError, match="nope.toml: no such configuration file"):
        load_config(str(in_dir / "nope.toml"))


@pytest.mark.parametrize("item, words", [
    ("GAN101threshold", "expected CODE.PARAM=VALUE"),
    ("XX1.threshold=1", "not a detector code"),
    ("GAN999.threshold=1", "unknown detector code GAN999"),
    ("fail-on=fatal", "expected info, warning or error"),
    ("colour=red", "unknown key"),
])
def test_bad_set_is_one_line_naming_the_option(in_dir, item, words) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(sets=[item])
    assert str(err.value).startswith(f"--set {item}: ")
    assert words in str(err.value)


# -- per-detector parameters, validated against each detector's Params ----------------

@pytest.mark.parametrize("code", CODES)
def test_severity_of_every_detector_can_be_set(in_dir, code) -> None:
    _write(in_dir / "ganlog.toml", f'[{code}]\nseverity = "info"\n')
    cfg = load_config(sets=[f"{code}.severity=error"] if code == CODES[0] else [])
    assert cfg.severity[code] is (Severity.ERROR if code == CODES[0] else Severity.INFO)


@pytest.mark.parametrize("code", WITH_PARAMS)
def test_every_parameter_accepts_its_default_and_rejects_a_wrong_type(in_dir, code) -> None:
    cls = registry()[code]
    for f in cls.param_fields():
        default = f.default
        if default is dataclasses.MISSING or default is None:
            continue
        literal = _toml_literal(default)
        cfg = load_config(sets=[f"{code}.{f.name}={literal}"])
        assert cfg.params[code][f.name] == default
        wrong = '"not-a-number"' if not isinstance(default, str) else "[1, 2]"
        with pytest.raises(ConfigError, match=rf"--set {code}\.{f.name}=.*: {code}\.{f.name}: expected"):
            load_config(sets=[f"{code}.{f.name}={wrong}"])
        # the detector builds with the configured value
        det = cls.with_params(cfg.params[code])
        assert getattr(det.params, f.name) == default


@pytest.mark.parametrize("code", CODES)
def test_unknown_parameter_lists_the_known_ones(in_dir, code) -> None:
    path = _write(in_dir / "ganlog.toml", f"[{code}]\nthreshhold = 0.5\n")
    with pytest.raises(ConfigError) as err:
        load_config()
    msg = str(err.value)
    assert msg.startswith(str(path.resolve()))
    assert f"{code}.threshhold" in msg and "has no parameter 'threshhold'" in msg and "severity" in msg


def _toml_literal(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value + '"'
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_toml_literal(v) for v in value) + "]"
    return repr(value)


# -- the type checker on its own (a Params dataclass like the detectors') --------------

@dataclasses.dataclass(frozen=True)
class _Params:
    #: D loss limit as a fraction
    #: of the chance level
    threshold: float = 0.1
    window: int = 50
    enabled: bool = True
    columns: tuple[str, ...] = ("loss_d",)
    ceiling: Optional[float] = None
    method: str = "median"


def _check(name: str, value):
    from ganlog.config import _param_types

    hint = _param_types(_Params)[name]
    fld = {f.name: f for f in dataclasses.fields(_Params)}[name]
    return _coerce(value, hint, fld, "ganlog.toml", f"GAN101.{name}")


@pytest.mark.parametrize("name, value, expected", [
    ("threshold", 1, 1.0), ("threshold", 0.05, 0.05), ("window", 100, 100), ("window", 100.0, 100),
    ("enabled", False, False), ("columns", ["loss_g"], ("loss_g",)), ("ceiling", 16.118, 16.118),
    ("method", "mean", "mean"),
])
def test_values_of_the_right_type_are_accepted(name, value, expected) -> None:
    out = _check(name, value)
    assert out == expected and type(out) is type(expected)


@pytest.mark.parametrize("name, value, words", [
    ("threshold", "0.05", "expected a number, got a string '0.05'"),
    ("threshold", True, "expected a number, got a boolean True"),
    ("window", 2.5, "expected an integer, got a number 2.5"),
    ("enabled", 1, "expected true or false"),
    ("columns", ["loss_g", 3], "expected a list (a string each)"),
    ("ceiling", "high", "expected a number"),
    ("method", 3, "expected a string"),
])
def test_values_of_the_wrong_type_are_refused(name, value, words) -> None:
    with pytest.raises(ConfigError) as err:
        _check(name, value)
    assert str(err.value).startswith(f"ganlog.toml: GAN101.{name}: ")
    assert words in str(err.value)


@pytest.mark.parametrize("value, words", [
    (float("nan"), "expected a finite number"), (float("inf"), "expected a finite number"),
    (-0.5, "is negative (expected 0 or more; default 0.1)"),
])
def test_unusable_numbers_are_refused(value, words) -> None:
    from ganlog.config import _check_range

    fld = {f.name: f for f in dataclasses.fields(_Params)}["threshold"]
    with pytest.raises(ConfigError, match=re.escape(words)):
        _check_range(value, fld, "ganlog.toml", "GAN101.threshold")
    _check_range(0.0, fld, "ganlog.toml", "GAN101.threshold")


@pytest.mark.parametrize("code", WITH_PARAMS)
def test_negative_limits_are_refused_for_real_detectors(in_dir, code) -> None:
    cls = registry()[code]
    positive = [f for f in cls.param_fields()
                if isinstance(f.default, (int, float)) and not isinstance(f.default, bool) and f.default > 0]
    if not positive:
        pytest.skip(f"{code} has no positive numeric parameter")
    f = positive[0]
    path = _write(in_dir / "ganlog.toml", f"[{code}]\n{f.name} = -1\n")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path.resolve()))}: {code}\.{f.name}: -1"):
        load_config()


def test_set_values_are_read_as_toml_and_bare_words_as_strings() -> None:
    from ganlog.config import _parse_set_value

    assert _parse_set_value("0.05") == 0.05
    assert _parse_set_value("true") is True
    assert _parse_set_value('["GAN1", "GAN2"]') == ["GAN1", "GAN2"]
    assert _parse_set_value("error") == "error"
    assert _parse_set_value("1e-3") == 0.001


def test_field_comments_document_parameters() -> None:
    from ganlog.config import field_comments

    assert field_comments(_Params) == {"threshold": "D loss limit as a fraction of the chance level"}


def test_the_readme_config_example_loads(repo_root, in_dir) -> None:
    """The `[tool.ganlog]` example in README.md is valid configuration."""
    import re

    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    section = readme.split("## CI: `ganlog check`", 1)[1]
    example = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    for code in re.findall(r"\[tool\.ganlog\.(GAN\d{3})\]", example):
        if code not in registry():
            pytest.skip(f"{code} is not registered yet")
    _write(in_dir / "pyproject.toml", example)
    cfg = load_config()
    assert cfg.select and cfg.ignore == ["GAN303"] and cfg.fail_on is Severity.WARNING
    assert cfg.aliases == {"disc/total": "loss_d"}
