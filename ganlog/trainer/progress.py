"""Progress of a training run on stderr, and a sensible torch thread count for tiny models.

On a terminal: one line redrawn in place (a bar, steps/s, ETA), at most ten
times a second. Elsewhere (a CI log, a file): a plain line about every 10% of
the run or every 10 s, so the log is readable and short. No torch import here.
"""

from __future__ import annotations

import os
import sys
import time
from typing import IO


def default_threads(kind: str = "mixture", cpus: int | None = None) -> int:
    """torch CPU threads for the reference trainer's models.

    The models are a few MLP layers of width 128 (or a small conv net): each
    op is too small to split across threads, and on a loaded 2-core machine
    torch's default (one thread per core) made a scenario 11x slower than one
    thread (383 s against 28 s). One thread for the 2-D mixtures; the image
    data gets up to two when there are at least four cores.
    """
    cpus = cpus or os.cpu_count() or 1
    if kind == "image" and cpus >= 4:
        return 2
    return 1


def _fmt_eta(seconds: float) -> str:
    if seconds != seconds or seconds == float("inf"):
        return "?"
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


class Progress:
    """``progress(step)`` after each step; ``close()`` at the end. Writes to ``stream`` (stderr)."""

    def __init__(self, label: str, total: int, stream: IO[str] | None = None, *, tty: bool | None = None,
                 clock=time.perf_counter, width: int = 24) -> None:  # type: ignore[no-untyped-def]
        self.label, self.total = label, max(1, int(total))
        self.stream = stream if stream is not None else sys.stderr
        if tty is None:
            try:
                tty = self.stream.isatty()
            except (AttributeError, ValueError):
                tty = False
        self.tty = bool(tty)
        self.clock = clock
        self.width = width
        self.start: float | None = None  # the first step starts the clock: imports and set-up excluded
        self.last_draw = 0.0
        self.next_fraction = 0.1
        self.done = 0
        self.closed = False

    def line(self, done: int) -> str:
        elapsed = max(self.clock() - (self.start if self.start is not None else self.clock()), 1e-9)
        rate = (done - getattr(self, "first", 0)) / elapsed
        eta = (self.total - done) / rate if rate > 0 else float("nan")
        pct = 100.0 * done / self.total
        text = f"{self.label}: step {done:,}/{self.total:,} ({pct:3.0f}%) {rate:,.0f} steps/s ETA {_fmt_eta(eta)}"
        if self.tty:
            filled = int(self.width * done / self.total)
            text = f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}]" + text[len(self.label) + 1:]
        return text

    def __call__(self, step: int) -> None:
        self.done = step + 1
        now = self.clock()
        if self.start is None:
            self.start = self.last_draw = now
            self.first = self.done
            return
        if self.tty:
            if now - self.last_draw >= 0.1 or self.done == self.total:
                self.stream.write("\r\x1b[2K" + self.line(self.done))
                self.stream.flush()
                self.last_draw = now
            return
        fraction = self.done / self.total
        if fraction >= self.next_fraction or now - self.last_draw >= 10.0:
            if self.done < self.total:  # the last line is close()'s
                self.stream.write(self.line(self.done) + "\n")
                self.stream.flush()
            self.last_draw = now
            while self.next_fraction <= fraction:
                self.next_fraction += 0.1

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.tty:
            self.stream.write("\r\x1b[2K")
        else:
            self.stream.write(self.line(self.done) + "\n")
        self.stream.flush()
