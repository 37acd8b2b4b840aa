"""Turn raw log bytes into clean text, ready to be split into records.

Real stdout logs are not tidy: ANSI colour codes, ``\\r``-rewritten progress
bars, Windows line ends, logging prefixes, bytes that are not UTF-8, NUL
padding, and pastes that lost their newlines. This module only cleans;
it never decides what a record is (the formats and the generic tokenizer do).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InputError

#: CSI / OSC escape sequences (colours, cursor moves, erase-line of progress bars).
ANSI_RE = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
ANSI_RE_B = re.compile(rb"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")

#: Python logging / glog prefixes at the start of a line.
LOG_PREFIX_RE = re.compile(
    r"^(?:"
    r"\[(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL)\][^>\n]*?>\s*"  # [INFO] 2021-01-15 14:48:48 > ...
    r"|(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL):[\w.]*:\s*"  # INFO:root:...
    r"|[IWEF]\d{4}\s+\d\d:\d\d:\d\d(?:\.\d+)?\s+(?:\d+\s+)?[\w.\-]+:\d+\]\s*"  # glog I0412 10:00:00.123 f.py:88]
    r"|\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[,.]\d+)?\s*(?:-\s*[\w.]+\s*)?-\s*"  # 2021-01-15 14:48:48,123 - INFO -
    r"(?:(?:DEBUG|INFO|WARNING|ERROR|CRITICAL)\s*-\s*)?"
    r"|\[?\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[,.]\d+)?\]?\s*(?:\[?(?:DEBUG|INFO|WARNING|ERROR)\]?:?\s*)?"
    r")"
    # what may follow: loguru's "| INFO     | mod:func:42 - ", hydra's "[__main__][INFO] - "
    r"(?:\|\s*[A-Z]+\s*\|\s*[\w.<>]+:[\w.<>]+:\d+\s*-\s*"
    r"|(?:\[[\w.<>]+\])?\[(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL)\]\s*-?\s*)?"
    # two-digit years (mmsr: "21-03-02 10:11:12.345 - INFO: "), BasicSR "... INFO: ",
    # "[WARNING: trainer.py:  91]: ", rich "[03/02/21 10:11:12] INFO     "
    r"|^\d\d-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[,.]\d+)?\s*-?\s*(?:(?:DEBUG|INFO|WARNING|ERROR|CRITICAL):?\s*)?"
    r"|^\[(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL):\s*[\w.\-]+:\s*\d+\]:?\s*"
    r"|^\[\d\d/\d\d/\d\d(?:\d\d)? \d\d:\d\d:\d\d\]\s*(?:(?:DEBUG|INFO|WARNING|ERROR|CRITICAL)\s+)?"
    r"|^\[\d\d:\d\d:\d\d\]\s*(?:(?:DEBUG|INFO|WARNING|ERROR|CRITICAL)\s+)?"
)
#: rich's logging handler puts the file and line at the end: "...    train.py:42".
_LOG_SUFFIX_RE = re.compile(r"\s{2,}[\w.\-]+\.py:\d+\s*$")

#: How much of a binary-looking input we look at before calling it binary.
_BINARY_PROBE = 8192


@dataclass
class CleanText:
    """Decoded, cleaned text and what cleaning had to do."""

    text: str
    replaced_bytes: int = 0  #: bytes that were not UTF-8 (decoded as U+FFFD)
    first_bad_byte: int | None = None
    ansi_stripped: bool = False
    carriage_returns: int = 0


def check_not_binary(name: str, head: bytes) -> None:
    """Raise for data that is clearly not a text log (NUL bytes, mostly control bytes)."""
    probe = head[:_BINARY_PROBE]
    if not probe:
        return
    nul = probe.find(b"\x00")
    if nul >= 0:
        raise InputError(name, f"binary data (NUL byte at byte {nul})", where=f"byte {nul}",
                         expected="a text training log")
    # Backspace (8) is how Keras redraws its progress bar; it is text here.
    control = sum(1 for b in probe if b < 8 or 13 < b < 27 or 27 < b < 32)
    if control > len(probe) * 0.1:
        raise InputError(name, "binary data (mostly control bytes)", where="byte 0",
                         expected="a text training log")


def decode(data: bytes) -> tuple[str, int, int | None]:
    """UTF-8 with replacement; returns the text, how many bytes were bad and the first one."""
    if data.isascii():
        return data.decode("ascii"), 0, None
    try:
        return data.decode("utf-8"), 0, None
    except UnicodeDecodeError as exc:
        first = exc.start
    text = data.decode("utf-8", "replace")
    # U+FFFD may also have been in the input as real text; count only what decoding added.
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    return text, max(bad, 1), first


def clean(data: bytes) -> CleanText:
    """Decode and clean: ANSI codes removed, CR and CRLF made newlines, BOM dropped."""
    text, bad, first = decode(data)
    out = CleanText(text="", replaced_bytes=bad, first_bad_byte=first)
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x1b" in text:
        text = ANSI_RE.sub("", text)
        out.ansi_stripped = True
    if "\b" in text:
        # Keras redraws its bar with a run of backspaces before `\r`: a rewrite, like `\r`.
        text = re.sub("\b+", "\r", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        out.carriage_returns = text.count("\r")
        # A `\r`-rewritten progress line: every rewrite is a record of its own.
        text = text.replace("\r", "\n")
    out.text = text
    return out


def strip_log_prefix(line: str) -> str:
    """A line without its logging prefix (``[INFO] ... >``, ``INFO:root:``, glog, asctime)."""
    m = LOG_PREFIX_RE.match(line)
    if m:
        line = line[m.end():]
    if ".py:" in line[-64:]:
        line = _LOG_SUFFIX_RE.sub("", line)
    return line


def line_starts(text: str) -> list[int]:
    """Offsets where each line starts (for turning offsets into line numbers)."""
    starts = [0]
    find = text.find
    i = find("\n")
    while i >= 0:
        starts.append(i + 1)
        i = find("\n", i + 1)
    return starts


__all__ = ["CleanText", "check_not_binary", "clean", "decode", "strip_log_prefix", "line_starts",
           "LOG_PREFIX_RE", "ANSI_RE", "ANSI_RE_B"]
