"""The watch engine: follow growing runs, re-judge them, announce what changes.

One :class:`Watched` per input (a text log, stdin, an event file, a run folder)
and one :class:`Watcher` that polls them all (every ``poll`` seconds, 0.25 by
default) and feeds the sinks.

Reading. Followers return only new, complete data (:mod:`.followers`). The text
of a log is kept as bytes and given to the SAME readers ``ganlog analyze`` uses
(``load_runs`` on a :class:`~ganlog.readers.Source` made of the bytes read so
far), so a watched run and an analyzed run give the same table, roles and loss
family. Event files are given to the TensorBoard reader cut at their last
complete, checksum-valid record; a run folder is read by the folder reader.

Judging. The detectors (:func:`ganlog.analysis.analyze`, i.e. ``run_detectors``)
re-run on the grown run when new records have arrived, at most once every
``every`` seconds. Each evaluation is a full analysis of the (bounded) run:
never worse than ``ganlog analyze`` on it, and a small run's analysis takes
milliseconds. Without new data no detector runs; the last result counts again,
so a finding that arrived with the last records is still confirmed.
:class:`~.debounce.Debouncer` decides what is announced.

Bounded memory (a week-long run). The text of a log is kept up to
``window_bytes`` (32 MiB by default, ~300,000 records of a typical format).
Beyond it, the oldest half is parsed once more, by the same reader, and folded
into an *archive*: its normalized table with every value column as float32
(4 bytes a value against ~8-12 bytes of text per printed number). The archive
holds at most ``archive_rows`` rows (1,000,000 by default); past that it is
thinned by keeping every other row, so the oldest history loses resolution
first and the recent window always has every record. Each evaluation joins
the archive and the window into one Run (through ``build_run``, so segments
and the loss family are decided on the whole). So memory stays below about
window + archive_rows x columns x 4 bytes (~100 MB for 15 columns) however
long the run. Context that sat only in the folded text (an ``Epoch 3/50``
header line before the first record of the window) can be lost for the
records right after the cut. Event files and folders are re-read from disk
at each evaluation (the reader needs no bytes kept between evaluations).

A stall (no new record for ``stall`` seconds) is a finding of its own,
``GAN901 stall``, announced at once and cleared when records come again.
"""

from __future__ import annotations

import math
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from ganlog.detectors.base import Finding, Severity
from ganlog.errors import GanlogError

from .debounce import Change, Debouncer
from .followers import EventFollower, FolderFollower, StdinFollower, TextFollower
from .sinks import Event, Status

if TYPE_CHECKING:
    from ganlog.analysis import Analysis
    from ganlog.config import Config
    from ganlog.frame import Run
    from ganlog.readers import ReadOptions

WINDOW_BYTES = 32 * 1024 * 1024
ARCHIVE_ROWS = 1_000_000
STALL_CODE = "GAN901"
STALL_NAME = "stall"


@dataclass
class WatchOptions:
    every: float = 30.0  #: seconds between evaluations at most
    stall: float | None = None  #: seconds without a new record that make a stall
    hold: int = 2  #: consecutive evaluations a finding must hold to be announced
    fail_on: Severity | None = None  #: stop with exit 1 at the first finding at or above
    min_severity: Severity = Severity.WARNING  #: what is announced
    poll: float = 0.25  #: seconds between polls of the followers
    window_bytes: int = WINDOW_BYTES
    archive_rows: int = ARCHIVE_ROWS


def open_follower(path: str, ignore: tuple[str, ...] = ()) -> Any:
    from ganlog.readers.tensorboard import is_event_filename

    if path == "-":
        return StdinFollower()
    p = Path(path)
    if p.is_dir():
        return FolderFollower(p, ignore=ignore)
    if is_event_filename(p.name):
        return EventFollower(p)
    return TextFollower(p)


@dataclass
class Watched:
    """One followed input and what watch knows about it."""

    name: str
    follower: Any
    options: WatchOptions
    read_options: "ReadOptions"
    config: "Config"
    debouncer: Debouncer = field(init=False)
    buffer: bytearray = field(default_factory=bytearray)
    archive: dict[str, list[Any]] = field(default_factory=dict)
    archive_rows: int = 0
    dirty: bool = False
    eof: bool = False
    final_done: bool = False
    seen_data: bool = False
    last_data: float = 0.0
    last_eval: float | None = None
    evaluations: int = 0
    analysis: "Analysis | None" = None
    findings: list[Finding] = field(default_factory=list)
    records: int = 0
    last_step: float | None = None
    rates: list[tuple[float, int]] = field(default_factory=list)
    stalled: bool = False
    read_error: str | None = None
    announced: list[Event] = field(default_factory=list)
    eval_seconds: float = 0.0

    def __post_init__(self) -> None:
        self.debouncer = Debouncer(self.options.hold, self.options.min_severity)

    @property
    def is_text(self) -> bool:
        return isinstance(self.follower, (TextFollower, StdinFollower))

    # -- reading -------------------------------------------------------------------
    def poll(self, now: float) -> list[str]:
        """Take new data from the follower; return notes worth announcing."""
        chunk = self.follower.poll()
        notes = list(chunk.notes)
        if chunk.reset:
            self.buffer.clear()
            self.archive.clear()
            self.archive_rows = 0
            self.dirty = True
            self.debouncer = Debouncer(self.options.hold, self.options.min_severity)
        if chunk.data or chunk.records:
            self.seen_data = True
            self.last_data = now
            self.dirty = True
            if chunk.data:
                self.buffer += chunk.data
                if len(self.buffer) > self.options.window_bytes:
                    self._fold()
        if chunk.eof:
            self.eof = True
            self.dirty = self.dirty or bool(chunk.data)
        return notes

    def _fold(self) -> None:
        """Move the oldest half of the text window into the float32 archive."""
        import numpy as np

        keep_from = len(self.buffer) - self.options.window_bytes // 2
        cut = self.buffer.rfind(b"\n", 0, keep_from) + 1
        if cut <= 0:
            return
        old = bytes(self.buffer[:cut])
        run = self._parse(old)
        del self.buffer[:cut]
        if run is None:
            return
        df = run.frame
        n = len(df)
        for c in df.columns:
            col = df[c].to_numpy(dtype=np.float64, na_value=np.nan)
            prev = self.archive.setdefault(c, [])
            if not prev and self.archive_rows:
                prev.append(np.full(self.archive_rows, np.nan, dtype=np.float32))
            prev.append(col.astype(np.float32))
        for c, parts in self.archive.items():
            if c not in df.columns:
                parts.append(np.full(n, np.nan, dtype=np.float32))
        self.archive_rows += n
        for c in list(self.archive):
            self.archive[c] = [np.concatenate(self.archive[c])]
        if self.archive_rows > self.options.archive_rows:
            for c in self.archive:
                self.archive[c] = [self.archive[c][0][::2].copy()]
            self.archive_rows = len(next(iter(self.archive.values()))[0])

    def _parse(self, data: bytes) -> "Run | None":
        from ganlog.readers import Source, load_runs

        if not data.strip():
            return None
        src = Source(name=self.name, path=None if self.name == "<stdin>" else Path(self.name), data=data)
        try:
            runs = load_runs(src, self.read_options)
        except GanlogError as exc:
            self.read_error = str(exc)
            return None
        self.read_error = None
        return runs[0] if runs else None

    def build_run(self) -> "Run | None":
        """The run as read so far (None while nothing readable has arrived)."""
        from ganlog.readers import Source, load_runs

        if self.is_text:
            run = self._parse(bytes(self.buffer))
            if self.archive_rows:
                run = self._join_archive(run)
            return run
        try:
            if isinstance(self.follower, EventFollower):
                if not self.follower.valid_end:
                    return None
                src = Source(name=self.name, path=Path(self.name), data=self.follower.complete_bytes())
                runs = load_runs(src, self.read_options)
            else:
                runs = load_runs(self.name, self.read_options)
        except GanlogError as exc:
            self.read_error = str(exc)
            return None
        self.read_error = None
        if not runs:
            return None
        # A folder holding several runs: the one with the most records is watched.
        return max(runs, key=lambda r: len(r.frame))

    def _join_archive(self, run: "Run | None") -> "Run | None":
        import pandas as pd

        from ganlog.frame import build_run

        arch = pd.DataFrame({c: parts[0].astype("float64") for c, parts in self.archive.items()})
        if run is None:
            frame, base = arch, None
        else:
            frame, base = pd.concat([arch, run.frame.astype("float64", errors="ignore")],
                                    ignore_index=True, sort=False), run
        joined = build_run(
            frame, name=base.name if base else Path(self.name).stem, source=self.name,
            reader=base.reader if base else "text", format=base.format if base else "",
            loss_family=self.read_options.loss_family, renamed=True,
            meta=dict(base.meta) if base else {},
        )
        if base is not None:
            joined.original_names = dict(base.original_names)
        joined.meta["archived_records"] = self.archive_rows
        return joined

    # -- judging ---------------------------------------------------------------------
    def due(self, now: float) -> bool:
        if self.eof and not self.final_done:
            return True
        if self.last_eval is not None and now - self.last_eval < self.options.every:
            return False
        if self.dirty:
            return True
        # No new data: the last result counts again while something awaits confirmation.
        return any(not t.announced or t.missing for t in self.debouncer.tracked.values())

    def evaluate(self, now: float) -> list[Change]:
        from ganlog.analysis import analyze

        final = self.eof
        if self.dirty or self.analysis is None:
            t0 = time.perf_counter()
            run = self.build_run()
            if run is not None and not run.frame.empty:
                self.analysis = analyze(run, self.config)
                self.findings = list(self.analysis.findings)
                df = run.frame
                self.records = len(df)
                self.last_step = float(df["step"].iloc[-1]) if "step" in df.columns else None
                self.rates.append((now, self.records))
                self.rates = self.rates[-20:]
            self.eval_seconds += time.perf_counter() - t0
            self.dirty = False
        self.last_eval = now
        self.evaluations += 1
        if final:
            self.final_done = True
        if self.analysis is None:
            return []
        return self.debouncer.update(self.findings, records=self.records, final=final)

    def rate(self) -> float | None:
        if len(self.rates) < 2:
            return None
        (t0, r0), (t1, r1) = self.rates[0], self.rates[-1]
        return (r1 - r0) / (t1 - t0) if t1 > t0 else None

    def status(self) -> Status:
        verdict = self.analysis.verdict if self.analysis is not None else "waiting"
        opened = [(t.finding.code, t.finding.severity.label) for t in self.debouncer.open]
        if self.stalled:
            opened.append((STALL_CODE, "warning"))
        return Status(self.name, verdict, self.last_step, self.records, self.rate(), opened, self.analysis)


def change_event(w: Watched, c: Change, now: float) -> Event:
    f = c.finding
    return Event(kind=c.kind, source=w.name, message=f.message, code=f.code, name=f.name,
                 severity=f.severity.label, onset_step=c.onset, last_step=w.last_step,
                 records=w.records, time=now,
                 extra={"confidence": round(float(f.confidence), 3)})


class Watcher:
    """Poll every watched input, evaluate when due, feed the sinks; return the exit code."""

    def __init__(self, watched: Sequence[Watched], sinks: Sequence[Any], options: WatchOptions, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 wall: Callable[[], float] = time.time) -> None:
        self.watched = list(watched)
        self.sinks = list(sinks)
        self.options = options
        self.clock, self.sleep, self.wall = clock, sleep, wall
        self.stop_requested = False
        self.failed: Event | None = None
        self.started = 0.0
        self.interrupted = False

    def emit(self, e: Event) -> None:
        if not e.time:
            e.time = self.wall()
        for s in self.sinks:
            try:
                s.event(e)
            except OSError as exc:  # a full disk or a closed pipe must not stop the watch
                print(f"ganlog: warning: {type(s).__name__}: {exc}", file=sys.stderr)

    def _status(self, w: Watched) -> None:
        st = w.status()
        for s in self.sinks:
            try:
                s.status(st)
            except OSError as exc:
                print(f"ganlog: warning: {type(s).__name__}: {exc}", file=sys.stderr)

    def _check_fail(self, e: Event) -> None:
        if self.failed is None and self.options.fail_on is not None and e.kind in ("finding", "escalated", "stall"):
            if Severity.parse(e.severity) >= self.options.fail_on:
                self.failed = e

    def tick(self) -> None:
        """One round: poll, evaluate what is due, check stalls."""
        now = self.clock()
        for w in self.watched:
            for note in w.poll(now):
                self.emit(Event("note", w.name, note))
            if w.due(now):
                for c in w.evaluate(now):
                    e = change_event(w, c, self.wall())
                    w.announced.append(e)
                    self.emit(e)
                    self._check_fail(e)
                if w.read_error and w.evaluations == 1 and w.eof:
                    self.emit(Event("note", w.name, f"nothing readable yet: {w.read_error}"))
                self._status(w)
            self._check_stall(w, now)

    def _check_stall(self, w: Watched, now: float) -> None:
        stall = self.options.stall
        if stall is None or w.eof:
            return
        since = w.last_data if w.seen_data else self.started
        quiet = now - since
        if not w.stalled and quiet >= stall:
            w.stalled = True
            e = Event("stall", w.name, f"no new record for {_duration(quiet)} (limit {_duration(stall)})"
                      + (f"; last step {w.last_step:,.0f}" if w.last_step is not None else ""),
                      code=STALL_CODE, name=STALL_NAME, severity="warning", onset_step=w.last_step,
                      last_step=w.last_step, records=w.records, time=self.wall())
            w.announced.append(e)
            self.emit(e)
            self._check_fail(e)
            self._status(w)
        elif w.stalled and quiet < stall:
            w.stalled = False
            self.emit(Event("cleared", w.name, "records are arriving again", code=STALL_CODE,
                            name=STALL_NAME, onset_step=w.last_step, last_step=w.last_step,
                            time=self.wall()))

    def done(self) -> bool:
        return all(w.eof and w.final_done for w in self.watched)

    def run(self) -> int:
        """Watch until a --fail-on finding (exit 1), every input ended, or SIGINT (exit 0)."""
        self.started = self.clock()
        old = None
        if _main_thread():
            old = signal.signal(signal.SIGINT, self._on_sigint)
        names = ", ".join(w.name for w in self.watched)
        self.emit(Event("start", names, f"ganlog watch: following {names} (evaluating at most every "
                        f"{_duration(self.options.every)}"
                        + (f", stall after {_duration(self.options.stall)}" if self.options.stall else "")
                        + (f", fail on {self.options.fail_on.label}" if self.options.fail_on else "") + ")"))
        try:
            while not self.stop_requested:
                self.tick()
                if self.failed is not None or self.done():
                    break
                self.sleep(self.options.poll)
        finally:
            if old is not None:
                signal.signal(signal.SIGINT, old)
        self.summary()
        for s in self.sinks:
            try:
                s.close()
            except OSError:
                pass
        for w in self.watched:
            w.follower.close()
        return 1 if self.failed is not None else 0

    def _on_sigint(self, signum: int, frame: Any) -> None:
        if self.stop_requested:  # a second Ctrl-C: stop now
            raise KeyboardInterrupt
        self.stop_requested = True
        self.interrupted = True

    def summary(self) -> None:
        elapsed = self.clock() - self.started
        lines = []
        why = ("stopped: " + f"{self.failed.code} {self.failed.severity} is at or above --fail-on"
               if self.failed is not None else
               "interrupted" if self.interrupted else "input ended")
        lines.append(f"ganlog watch {why} after {_duration(elapsed)}.")
        for w in self.watched:
            verdict = w.analysis.verdict.upper() if w.analysis is not None else "NOTHING READ"
            step = f"step {w.last_step:,.0f}" if w.last_step is not None else "no step"
            lines.append(f"  {w.name}: {verdict} at {step}, {w.records:,} records, "
                         f"{w.evaluations} evaluations ({w.eval_seconds:.2f} s of analysis)")
            for t in w.debouncer.open:
                f = t.finding
                onset = f" since step {t.onset:,.0f}" if t.onset is not None else ""
                lines.append(f"    open  {f.severity.label:<7} {f.code} {f.name}{onset}")
            if w.stalled:
                lines.append(f"    open  warning {STALL_CODE} {STALL_NAME}")
            cleared = [e for e in w.announced if e.kind == "finding"
                       and not any(t.finding.code == e.code for t in w.debouncer.open)]
            for e in cleared:
                lines.append(f"    was   {e.severity:<7} {e.code} {e.name} (cleared)")
            if w.read_error and w.analysis is None:
                lines.append(f"    {w.read_error}")
        self.emit(Event("end", ", ".join(w.name for w in self.watched), "\n".join(lines),
                        extra={"exit_code": 1 if self.failed is not None else 0,
                               "interrupted": self.interrupted}))


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _duration(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "?"
    if seconds < 90:
        return f"{seconds:.3g} s"
    if seconds < 5400:
        return f"{seconds / 60:.3g} min"
    return f"{seconds / 3600:.3g} h"


def parse_duration(text: str) -> float:
    """``30``, ``30s``, ``500ms``, ``5m``, ``2h`` -> seconds."""
    t = str(text).strip().lower()
    for suffix, mult in (("ms", 0.001), ("s", 1.0), ("m", 60.0), ("min", 60.0), ("h", 3600.0)):
        if t.endswith(suffix) and t[: -len(suffix)].replace(".", "", 1).isdigit():
            return float(t[: -len(suffix)]) * mult
    return float(t)


__all__ = ["Watched", "Watcher", "WatchOptions", "open_follower", "parse_duration",
           "WINDOW_BYTES", "ARCHIVE_ROWS", "STALL_CODE"]
