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
        return neutralize(" ".join(msg.split()))


class ConfigError(GanlogError):
    """A bad configuration file, key or value."""


class UsageError(GanlogError):
    """A bad combination of options that click itself cannot catch."""


#: Characters that change how the text AROUND them is shown: bidirectional overrides and
#: isolates (a file named ``gol.\u202eexe`` shows as ``gol.exe``), and C0/C1 controls, whose
#: escape sequences (``\x1b[2J``) would drive the user's terminal.
_BIDI = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def _visible(ch: str) -> str:
    o = ord(ch)
    if o == 0x09:
        return ch
    if o < 0x20 or 0x7F <= o < 0xA0:
        return f"\\x{o:02x}"
    if o in _BIDI:
        return f"\\u{o:04x}"
    return ch


def neutralize(text: str) -> str:
    """``text`` with control and bidi-override characters written as visible escapes.

    For names that come from outside (file names, run names, upload names) before they
    reach a terminal or a page; the escapes show what was there instead of obeying it.
    """
    if text.isascii() and text.isprintable():
        return text
    return "".join(_visible(ch) for ch in text)


#: The name of the input being read or analyzed now, for messages that would otherwise name
#: nothing (out of memory, an internal error).
current_input: str | None = None


def internal_error_line(exc: BaseException) -> str:
    """One line for an exception nobody expected: what, where, and how to report it."""
    what = " ".join(f"{type(exc).__name__}: {exc}".split())
    if len(what) > 300:
        what = what[:300] + "..."
    where = f" while handling {neutralize(current_input)}" if current_input else ""
    return (f"ganlog: internal error{where}: {neutralize(what)} -- this is a bug in ganlog, please report it "
            "with the command and, if you can, the input (set GANLOG_TRACEBACK=1 to see the traceback)")


def out_of_memory_line() -> str:
    where = f" {neutralize(current_input)}" if current_input else " the input"
    return (f"ganlog: error: out of memory while reading{where}; give a smaller or trimmed log, "
            "or free memory and retry")
