"""Sinks: where watch says what it sees.

* :class:`TerminalSink`: on a terminal, one status line rewritten in place
  (verdict, last step, records/s, open findings) with announcements printed
  above it; elsewhere (a pipe, a CI log) plain lines, one per announcement.
* :class:`JsonlSink`: an append-only JSON-lines file of events, one object per
  line, flushed at once (``tail -f`` it, or parse it after the run).
* :class:`HtmlSink`: the HTML report of the latest evaluation, rewritten
  atomically (a browser never sees half a file) with a
  ``<meta http-equiv="refresh">`` so an open tab follows the run; no script.
* :class:`CommandSink`: ``--on-finding CMD`` runs CMD through the shell for each
  announced finding, with the finding in its environment: ``GANLOG_EVENT``
  (finding, escalated, cleared, stall), ``GANLOG_CODE``, ``GANLOG_NAME``,
  ``GANLOG_SEVERITY``, ``GANLOG_MESSAGE``, ``GANLOG_STEP`` (the onset step),
  ``GANLOG_LAST_STEP``, ``GANLOG_SOURCE``. It does not wait for the command.

Every sink gets :class:`Event` objects; the terminal and HTML sinks also get the
status after each evaluation.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from typing import IO, Any


@dataclass
class Event:
    """One thing watch announces."""

    kind: str  # start | finding | escalated | cleared | stall | note | end
    source: str
    message: str
    code: str = ""
    name: str = ""
    severity: str = ""
    onset_step: float | None = None
    last_step: float | None = None
    records: int | None = None
    time: float = 0.0  # time.time() when announced
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "time": _dt.datetime.fromtimestamp(self.time, _dt.timezone.utc).isoformat(timespec="milliseconds"),
            "event": self.kind,
            "source": self.source,
        }
        for k in ("code", "name", "severity"):
            if getattr(self, k):
                d[k] = getattr(self, k)
        for k in ("onset_step", "last_step", "records"):
            v = getattr(self, k)
            if v is not None:
                d[k] = int(v) if float(v).is_integer() else float(v)
        d["message"] = self.message
        d.update(self.extra)
        return d


@dataclass
class Status:
    """The state after an evaluation, for the status line and the HTML report."""

    source: str
    verdict: str
    last_step: float | None
    records: int
    rate: float | None  # records per second, recent
    open: list[tuple[str, str]]  # (code, severity) of open findings
    analysis: Any = None


def fmt_step(step: float | None) -> str:
    if step is None:
        return "?"
    return f"{int(step):,}" if float(step).is_integer() else f"{step:,.1f}"


def event_line(e: Event) -> str:
    """The plain-text line of an event (the terminal sink prints these)."""
    if e.kind in ("finding", "escalated"):
        head = f"{e.severity.upper():<7} {e.code} {e.name}"
        where = f" since step {fmt_step(e.onset_step)}" if e.onset_step is not None else ""
        tail = f" (now at step {fmt_step(e.last_step)})" if e.last_step is not None else ""
        verb = "escalated: " if e.kind == "escalated" else ""
        return f"{head}{where}{tail}: {verb}{e.message}"
    if e.kind == "cleared":
        return f"CLEARED {e.code} {e.name} (since step {fmt_step(e.onset_step)}), at step {fmt_step(e.last_step)}"
    if e.kind == "stall":
        return f"{e.severity.upper():<7} {e.code} {e.name}: {e.message}"
    return f"{e.kind}: {e.message}" if e.kind not in ("start", "end", "note") else e.message


class TerminalSink:
    def __init__(self, stream: IO[str] | None = None, *, tty: bool | None = None, color: bool = False,
                 multi: bool = False) -> None:
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty() if tty is None else tty
        self.color = color
        self.multi = multi  # several sources: prefix lines with the source
        self._status = ""
        self._statuses: dict[str, str] = {}

    def _clear(self) -> None:
        if self.tty and self._status:
            self.stream.write("\r\x1b[K")

    def _paint(self, text: str, severity: str) -> str:
        if not self.color:
            return text
        code = {"error": "31;1", "warning": "33;1", "info": "36"}.get(severity)
        return f"\x1b[{code}m{text}\x1b[0m" if code else text

    def event(self, e: Event) -> None:
        line = event_line(e)
        if self.multi and e.kind not in ("end",):
            line = f"[{e.source}] {line}"
        self._clear()
        sev = "info" if e.kind == "cleared" else e.severity
        self.stream.write(self._paint(line, sev) + "\n")
        if self.tty and self._status:
            self.stream.write(self._status)
        self.stream.flush()

    def status(self, s: Status) -> None:
        opened = ", ".join(f"{c} {sev}" for c, sev in s.open) or "none"
        rate = f"{s.rate:,.1f} rec/s" if s.rate is not None else "- rec/s"
        text = (f"{s.verdict.upper()} · step {fmt_step(s.last_step)} · {s.records:,} records · "
                f"{rate} · open: {opened}")
        if self.multi:
            self._statuses[s.source] = text
            text = " | ".join(f"{k}: {v}" for k, v in self._statuses.items())
        if not self.tty:
            return
        try:
            width = os.get_terminal_size(self.stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            width = 120
        text = text[: max(20, width - 1)]
        self._clear()
        self._status = text
        self.stream.write(text)
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self._status:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._status = ""


class JsonlSink:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = path
        self._fh = open(path, "a", encoding="utf-8")

    def event(self, e: Event) -> None:
        self._fh.write(json.dumps(e.to_dict(), allow_nan=False, default=str) + "\n")
        self._fh.flush()

    def status(self, s: Status) -> None:
        pass

    def close(self) -> None:
        self._fh.close()


REFRESH_SECONDS = 10


class HtmlSink:
    def __init__(self, path: str | os.PathLike[str], refresh: int = REFRESH_SECONDS) -> None:
        self.path = path
        self.refresh = max(1, int(refresh))

    def event(self, e: Event) -> None:
        pass

    def status(self, s: Status) -> None:
        if s.analysis is None:
            return
        from ganlog.atomic import write_text

        write_text(self.path, self.render(s))

    def render(self, s: Status) -> str:
        """The normal report with a refresh tag and a line saying it is live."""
        import html as _html

        try:
            from ganlog.report.html import render

            page = render(s.analysis)
        except Exception as exc:  # a report that cannot render must not stop watching
            page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>ganlog watch</title></head>"
                    f"<body><p>The report could not be rendered: {_html.escape(str(exc))}</p></body></html>")
        stamp = _dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        meta = f'<meta http-equiv="refresh" content="{self.refresh}">'
        banner = (f'<p class="ganlog-watch" style="font:13px sans-serif;margin:4px 8px">ganlog watch: '
                  f'live, updated {stamp} at step {_html.escape(fmt_step(s.last_step))}; '
                  f'this page reloads every {self.refresh} s.</p>')
        low = page.lower()
        i = low.find("<head>")
        page = page[: i + 6] + meta + page[i + 6:] if i >= 0 else meta + page
        j = page.lower().find("<body")
        if j >= 0:
            k = page.find(">", j) + 1
            page = page[:k] + banner + page[k:]
        return page

    def close(self) -> None:
        pass


class CommandSink:
    """Run a shell command per announcement (not waited for; reaped later)."""

    KINDS = ("finding", "escalated", "stall")

    def __init__(self, command: str) -> None:
        self.command = command
        self._procs: list[subprocess.Popen[bytes]] = []

    def event(self, e: Event) -> None:
        if e.kind not in self.KINDS:
            return
        env = dict(os.environ)
        env.update({
            "GANLOG_EVENT": e.kind,
            "GANLOG_CODE": e.code,
            "GANLOG_NAME": e.name,
            "GANLOG_SEVERITY": e.severity,
            "GANLOG_MESSAGE": e.message,
            "GANLOG_STEP": fmt_step(e.onset_step).replace(",", "") if e.onset_step is not None else "",
            "GANLOG_LAST_STEP": fmt_step(e.last_step).replace(",", "") if e.last_step is not None else "",
            "GANLOG_SOURCE": e.source,
        })
        try:
            self._procs.append(subprocess.Popen(self.command, shell=True, env=env, stdin=subprocess.DEVNULL))
        except OSError as exc:
            print(f"ganlog: warning: --on-finding command failed to start: {exc}", file=sys.stderr)
        self._procs = [p for p in self._procs if p.poll() is None]

    def status(self, s: Status) -> None:
        self._procs = [p for p in self._procs if p.poll() is None]

    def close(self, timeout: float = 10.0) -> None:
        for p in self._procs:
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass


__all__ = ["Event", "Status", "TerminalSink", "JsonlSink", "HtmlSink", "CommandSink", "event_line"]
