"""Configuration: ``[tool.ganlog]`` in the nearest pyproject.toml, or a ganlog.toml.

Where it is found
    ``--config PATH`` names a file. Otherwise ganlog walks up from the current
    directory; in each directory a ``ganlog.toml`` wins over a ``pyproject.toml``,
    and a pyproject.toml without a ``[tool.ganlog]`` table is passed over. In a
    pyproject.toml the settings live under ``[tool.ganlog]``; in any other file
    (ganlog.toml) they sit at the top level.

What it holds (one scheme: a detector's settings are a table named by its code)::

    [tool.ganlog]
    select = ["GAN1", "GAN2"]       # code prefixes to run (default: all)
    ignore = ["GAN303"]             # code prefixes to leave out
    loss-family = "bce_mean"        # bce_sum, bce_mean, lsgan, hinge, wgan, unknown
    fail-on = "warning"             # the default of `ganlog check --fail-on`
    fail-on-inconclusive = true     # `ganlog check` fails a run whose core checks could not run
                                    # (also: fail-on = ["warning", "inconclusive"])

    [tool.ganlog.aliases]           # logged name -> canonical column (a role pin)
    "disc/total" = "loss_d"

    [tool.ganlog.roles]             # logged name -> role (`ganlog parse --explain` lists them)
    "adv" = "loss_g"
    "D_real" = "d_x"

    [tool.ganlog.GAN101]            # one table per detector code
    fraction = 0.05                 # a field of the detector's Params
    severity = "error"              # info, warning or error

On the command line, ``--set GAN101.fraction=0.05``, ``--set GAN101.severity=error``
or ``--set fail-on=warning`` override the file; values are read as TOML
(``0.05``, ``true``, ``["GAN1"]``), and a bare word is taken as a string.

Anything ganlog does not know -- a key, a code, a parameter, a type, a value
(numbers must be finite, and not negative where the default is positive) --
is a :class:`~ganlog.errors.ConfigError`: one line naming the file and the key,
exit code 2. A typo must never be silently ignored.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .detectors.base import Severity
from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

#: file names looked for in each directory, the first found winning
CONFIG_FILES: tuple[str, ...] = ("ganlog.toml", "pyproject.toml")

#: top-level keys (kebab-case; snake_case spellings are accepted too)
TOP_LEVEL_KEYS: tuple[str, ...] = ("select", "ignore", "loss-family", "fail-on", "fail-on-inconclusive",
                                   "aliases", "roles")

_CODE_RE = re.compile(r"^GAN\d{3}$", re.I)
_PREFIX_RE = re.compile(r"^GAN\d{0,3}$", re.I)


@dataclass
class Config:
    """Everything a user can configure; defaults mean "ganlog's defaults"."""

    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    #: detector code -> {parameter: value}
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: detector code -> severity
    severity: dict[str, Severity] = field(default_factory=dict)
    loss_family: str | None = None
    #: logged name -> canonical column, or a role (both pin the column's role)
    aliases: dict[str, str] = field(default_factory=dict)
    #: logged name -> role, from [tool.ganlog.roles] and --role (also merged into aliases,
    #: which carry every pin to the readers and to roles.decide)
    roles: dict[str, str] = field(default_factory=dict)
    fail_on: Severity = Severity.ERROR
    #: ``ganlog check`` also fails a run whose verdict is INCONCLUSIVE
    fail_on_inconclusive: bool = False
    #: where this configuration came from (a file path), for messages
    source: str | None = None


# -- discovery -------------------------------------------------------------


def find_config(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The config file in force for ``start`` (default: the cwd), walking up to the root."""
    here = Path(start) if start is not None else Path.cwd()
    here = here.resolve()
    for directory in (here, *here.parents):
        for name in CONFIG_FILES:
            candidate = directory / name
            if not candidate.is_file():
                continue
            if name == "pyproject.toml" and not _has_tool_ganlog(candidate):
                continue
            return candidate
    return None


def _has_tool_ganlog(path: Path) -> bool:
    try:
        data = _read_toml(path)
    except ConfigError:
        # A broken pyproject.toml that never mentions ganlog is not ours to judge.
        try:
            return "[tool.ganlog" in path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
    return isinstance(data.get("tool"), dict) and "ganlog" in data["tool"]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected a TOML file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: byte {exc.start}: not UTF-8 text (expected a TOML file)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def _settings_of(path: Path) -> dict[str, Any]:
    """The ganlog table of a file: ``[tool.ganlog]`` in a pyproject.toml, the top level elsewhere."""
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        table = tool.get("ganlog", {}) if isinstance(tool, dict) else {}
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.ganlog] must be a table")
        return table
    return data


# -- loading ---------------------------------------------------------------


def load_config(
    path: str | None = None,
    *,
    sets: "list[str] | tuple[str, ...]" = (),
    loss_family: str | None = None,
    roles: "list[str] | tuple[str, ...]" = (),
) -> Config:
    """The configuration in force: a named file, else the nearest one, then ``--set`` overrides.

    ``loss_family`` (the ``--loss-family`` option) wins over both.
    """
    config = Config()
    file = Path(path) if path else find_config()
    if file is not None:
        where = str(file)
        table = _settings_of(file)
        prefix = "tool.ganlog" if file.name == "pyproject.toml" else ""
        _apply_table(config, table, where, prefix)
        config.source = where
    for item in sets:
        _apply_set(config, item)
    for item in roles:
        _apply_role_option(config, item)
    if loss_family:
        config.loss_family = _check_loss_family(loss_family, "--loss-family", "")
    return config


def _key_path(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _norm_top(key: str) -> str:
    return key.replace("_", "-").lower()


def _apply_table(config: Config, table: Mapping[str, Any], where: str, prefix: str) -> None:
    for key, value in table.items():
        _apply_key(config, key, value, where, prefix)


def _apply_key(config: Config, key: str, value: Any, where: str, prefix: str) -> None:
    norm = _norm_top(key)
    full = _key_path(prefix, key)
    if norm == "select":
        config.select = _check_prefixes(value, where, full)
    elif norm == "ignore":
        config.ignore = _check_prefixes(value, where, full)
    elif norm == "loss-family":
        config.loss_family = _check_loss_family(value, where, full)
    elif norm == "fail-on":
        items = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and v.strip().lower() == "inconclusive" for v in items):
            config.fail_on_inconclusive = True
        rest = [v for v in items if not (isinstance(v, str) and v.strip().lower() == "inconclusive")]
        if len(rest) > 1:
            raise ConfigError(f"{where}: {full}: at most one severity (info, warning or error), "
                              f"got {_show(value)}")
        if rest:
            config.fail_on = _check_severity(rest[0], where, full)
    elif norm == "fail-on-inconclusive":
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: {full}: expected true or false, got {_show(value)}")
        config.fail_on_inconclusive = value
    elif norm == "aliases":
        config.aliases.update(_check_aliases(value, where, full))
    elif norm == "roles":
        pins = _check_roles(value, where, full)
        config.roles.update(pins)
        config.aliases.update(pins)
    elif _CODE_RE.match(key):
        code = key.upper()
        _known_detector(code, where, full)
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: {full}: expected a table of parameters, got {_show(value)}")
        for param, pvalue in value.items():
            _apply_detector_key(config, code, param, pvalue, where, f"{full}.{param}")
    elif norm == "tool" and not prefix:
        raise ConfigError(f"{where}: tool: outside pyproject.toml the settings sit at the top level "
                          "(write select = ... rather than [tool.ganlog])")
    else:
        hint = _did_you_mean(key)
        raise ConfigError(
            f"{where}: {full}: unknown key{hint} (expected one of {', '.join(TOP_LEVEL_KEYS)} "
            "or a detector code such as GAN101)"
        )


def _apply_detector_key(config: Config, code: str, param: str, value: Any, where: str, full: str) -> None:
    if param == "severity":
        config.severity[code] = _check_severity(value, where, full)
        return
    from .detectors import registry

    cls = registry()[code]
    fields = {f.name: f for f in cls.param_fields()}
    name = param.replace("-", "_")
    if name not in fields:
        known = ", ".join(["severity", *fields]) or "severity"
        raise ConfigError(f"{where}: {full}: {code} has no parameter {param!r} (it has {known})")
    hint = _param_types(cls.Params).get(name, type(fields[name].default))
    coerced = _coerce(value, hint, fields[name], where, full)
    _check_range(coerced, fields[name], where, full)
    trial = {**config.params.get(code, {}), name: coerced}
    try:  # a Params class may check its own values (in __post_init__)
        cls.with_params(trial)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{where}: {full}: {exc}") from None
    config.params.setdefault(code, {})[name] = coerced


def _check_range(value: Any, fld: "dataclasses.Field[Any]", where: str, full: str) -> None:
    """Numbers must be finite, and not negative where the default is positive (limits, windows)."""
    import math

    nums = value if isinstance(value, (list, tuple)) else [value]
    default = fld.default
    for v in nums:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            continue
        if not math.isfinite(v):
            raise ConfigError(f"{where}: {full}: {v} is not a usable value (expected a finite number)")
        if isinstance(default, (int, float)) and not isinstance(default, bool) and default > 0 and v < 0:
            raise ConfigError(f"{where}: {full}: {v} is negative (expected 0 or more; default {default})")


def _apply_set(config: Config, item: str) -> None:
    where = f"--set {item}"
    if "=" not in item:
        raise ConfigError(f"{where}: expected CODE.PARAM=VALUE (e.g. GAN101.fraction=0.05) or KEY=VALUE")
    key, raw = item.split("=", 1)
    key = key.strip()
    value = _parse_set_value(raw.strip())
    if "." in key:
        code, param = key.split(".", 1)
        if not _CODE_RE.match(code):
            raise ConfigError(
                f"{where}: {code!r} is not a detector code (expected e.g. GAN101.fraction=0.05)"
            )
        code = code.upper()
        _known_detector(code, where, key)
        _apply_detector_key(config, code, param, value, where, key)
    else:
        if _norm_top(key) == "aliases" or _CODE_RE.match(key):
            raise ConfigError(f"{where}: {key} cannot be set as a whole; set CODE.PARAM=VALUE instead")
        _apply_key(config, key, value, where, "")


def _parse_set_value(raw: str) -> Any:
    """A TOML value (``0.05``, ``true``, ``["GAN1"]``, ``"x"``); a bare word is a string."""
    if not raw:
        return raw
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


# -- validation ------------------------------------------------------------


def _show(value: Any) -> str:
    kind = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{kind} {text}"


def _did_you_mean(key: str) -> str:
    import difflib

    close = difflib.get_close_matches(_norm_top(key), TOP_LEVEL_KEYS, n=1)
    return f" {key!r} (did you mean {close[0]!r}?)" if close else f" {key!r}"


def _known_detector(code: str, where: str, full: str) -> None:
    from .detectors import registry

    if code not in registry():
        known = ", ".join(registry()) or "none registered"
        raise ConfigError(f"{where}: {full}: unknown detector code {code} (known: {known})")


def _check_prefixes(value: Any, where: str, full: str) -> list[str]:
    from .detectors import registry

    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(
            f"{where}: {full}: expected a list of code prefixes such as [\"GAN1\"], got {_show(value)}"
        )
    out = []
    for v in value:
        p = v.strip().upper()
        if p == "ALL":
            p = "GAN"
        if not _PREFIX_RE.match(p):
            raise ConfigError(
                f"{where}: {full}: {v!r} is not a code prefix (expected e.g. GAN, GAN1, GAN101)"
            )
        if not any(code.startswith(p) for code in registry()):
            raise ConfigError(f"{where}: {full}: {v!r} matches no detector (`ganlog rules` lists them)")
        out.append(p)
    return out


def _check_loss_family(value: Any, where: str, full: str) -> str:
    from .frame import LOSS_FAMILIES

    if not isinstance(value, str) or value.strip().lower() not in LOSS_FAMILIES:
        prefix = f"{where}: {full}: " if full else f"{where}: "
        raise ConfigError(
            f"{prefix}unknown loss family {value!r} (expected one of {', '.join(LOSS_FAMILIES)})"
        )
    return value.strip().lower()


def _check_severity(value: Any, where: str, full: str) -> Severity:
    if isinstance(value, str) and value.strip().upper() in Severity.__members__:
        return Severity[value.strip().upper()]
    raise ConfigError(f"{where}: {full}: expected info, warning or error, got {_show(value)}")


def _check_aliases(value: Any, where: str, full: str) -> dict[str, str]:
    from .frame import INDEX_COLUMNS

    if not isinstance(value, dict):
        raise ConfigError(
            f"{where}: {full}: expected a table of logged name = \"column\", got {_show(value)}"
        )
    out: dict[str, str] = {}
    for name, target in value.items():
        if not isinstance(target, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", target):
            raise ConfigError(
                f"{where}: {full}.{name}: expected a column name in snake_case "
                f"(e.g. \"loss_d\"), got {_show(target)}"
            )
        if target in INDEX_COLUMNS and target not in ("step", "epoch", "iter", "wall_time"):
            raise ConfigError(
                f"{where}: {full}.{name}: {target!r} is computed by ganlog and cannot be aliased"
            )
        out[str(name)] = target
    return out


def _check_roles(value: Any, where: str, full: str) -> dict[str, str]:
    from .roles import check_role

    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {full}: expected a table of logged name = \"role\", got {_show(value)}")
    out: dict[str, str] = {}
    for name, role in value.items():
        if not isinstance(role, str):
            raise ConfigError(f"{where}: {full}.{name}: expected a role name (e.g. \"loss_d\"), got {_show(role)}")
        out[str(name)] = check_role(role, f"{where}: {full}.{name}")
    return out


def _apply_role_option(config: Config, item: str) -> None:
    """``--role NAME=ROLE``: the last '=' splits (names may hold '=' only before it)."""
    from .roles import check_role

    if "=" not in item:
        raise ConfigError(f"--role {item}: expected NAME=ROLE (e.g. --role 'disc cost=loss_d')")
    name, role = item.rsplit("=", 1)
    if not name.strip():
        raise ConfigError(f"--role {item}: the logged name before '=' is empty")
    role = check_role(role, f"--role {item}")
    config.roles[name.strip()] = role
    config.aliases[name.strip()] = role


def _param_types(params_cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(params_cls)
    except Exception:  # unresolvable annotation: fall back to the defaults' types
        return {}


def _coerce(value: Any, hint: Any, fld: "dataclasses.Field[Any]", where: str, full: str) -> Any:
    """``value`` checked against the type ``hint`` of a Params field (and converted where exact)."""
    ok, out = _match(value, hint)
    if not ok:
        raise ConfigError(f"{where}: {full}: expected {_describe(hint)}, got {_show(value)}")
    return out


def _match(value: Any, hint: Any) -> tuple[bool, Any]:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any or hint is object:
        return True, value
    if origin is typing.Union or (origin is not None and str(origin) == "<class 'types.UnionType'>"):
        for arg in args:
            ok, out = _match(value, arg)
            if ok:
                return True, out
        return False, None
    if hint is type(None):
        return False, None  # TOML has no null; None is only ever a default
    if hint is bool:
        return (isinstance(value, bool), value)
    if hint is int:
        if isinstance(value, bool):
            return False, None
        if isinstance(value, int):
            return True, value
        if isinstance(value, float) and value.is_integer():
            return True, int(value)
        return False, None
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False, None
        return True, float(value)
    if hint is str:
        return (isinstance(value, str), value)
    if origin is typing.Literal:
        return (value in args, value)
    if origin in (tuple, list) or hint in (tuple, list):
        if not isinstance(value, list):
            return False, None
        if origin is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            if len(value) != len(args):
                return False, None
            items = [_match(v, a) for v, a in zip(value, args)]
        else:
            inner = args[0] if args else Any
            items = [_match(v, inner) for v in value]
        if not all(ok for ok, _ in items):
            return False, None
        seq = [v for _, v in items]
        return True, (tuple(seq) if (origin or hint) is tuple else seq)
    if isinstance(hint, type):
        return (isinstance(value, hint), value)
    return True, value


def _describe(hint: Any) -> str:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Union or (origin is not None and str(origin) == "<class 'types.UnionType'>"):
        return " or ".join(_describe(a) for a in args if a is not type(None))
    if hint is bool:
        return "true or false"
    if hint is int:
        return "an integer"
    if hint is float:
        return "a number"
    if hint is str:
        return "a string"
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin in (tuple, list) or hint in (tuple, list):
        inner = args[0] if args else Any
        return f"a list ({_describe(inner)} each)"
    return getattr(hint, "__name__", str(hint))


def params_table(cls: type) -> list[dict[str, Any]]:
    """A detector's parameters: name, type, default, help (from the field's metadata)."""
    hints = _param_types(cls.Params)  # type: ignore[attr-defined]
    comments = field_comments(cls.Params)  # type: ignore[attr-defined]
    rows = []
    for f in cls.param_fields():  # type: ignore[attr-defined]
        default: Any
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            default = f.default_factory()  # type: ignore[misc]
        else:
            default = None
        rows.append({
            "name": f.name,
            "type": _describe(hints.get(f.name, type(default))),
            "default": list(default) if isinstance(default, tuple) else default,
            "help": str(f.metadata.get("help", "")) if f.metadata and f.metadata.get("help")
            else comments.get(f.name, ""),
        })
    return rows


def field_comments(params_cls: type) -> dict[str, str]:
    """The ``#:`` comments written above each field of a Params dataclass (Sphinx's convention)."""
    import inspect

    try:
        lines = inspect.getsource(params_cls).splitlines()
    except (OSError, TypeError):
        return {}
    out: dict[str, str] = {}
    pending: list[str] = []
    for line in lines:
        text = line.strip()
        if text.startswith("#:"):
            pending.append(text[2:].strip())
            continue
        m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)\s*:", text)
        if m and pending:
            out[m.group(1)] = " ".join(pending)
        pending = []
    return out
