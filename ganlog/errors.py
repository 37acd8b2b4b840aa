"""Errors that reach the user as one clear line and exit code 2.

Every failure caused by the user's input or configuration is raised as a
:class:`GanlogError`. The CLI catches it, prints ``ganlog: error: <message>``
on stderr and exits 2 -- never a traceback. The message always names the
file and, where known, the line or byte where reading broke, and what was
expected there.
"""

from __future__ import annotations

from dataclasses import dataclass


class GanlogError(Exception):
    """Base class: a problem with what the user gave us (exit code 2)."""

    exit_code = 2


@dataclass
class InputError(GanlogError):
    """An input that cannot be read.

    ``where`` is a human location such as ``"line 12"`` or ``"byte 4096"``.
    """

    source: str
    problem: str
    where: str | None = None
    expected: str | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:  # one line, always
        loc = f"{self.source}: {self.where}: " if self.where else f"{self.source}: "
        msg = loc + self.problem
        if self.expected:
            msg += f" (expected {self.expected})"
        return " ".join(msg.split())


class ConfigError(GanlogError):
    """A bad configuration file, key or value."""


class UsageError(GanlogError):
    """A bad combination of options that click itself cannot catch."""
