"""The engine: same table as analyze, debounce, bounded memory, stall, sinks, stdin."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ganlog.detectors.base import Finding, Severity, Span
from ganlog.watch.debounce import Debouncer
from ganlog.watch.loop import Watched, Watcher, WatchOptions, open_follower, parse_duration
from ganlog.watch.sinks import CommandSink, Event, HtmlSink, JsonlSink, Status, TerminalSink

from .conftest import env

REPO = Path(__file__).resolve().parents[2]
FROZEN = "[{e}/5][{i}/500]\tLoss_D: 1.{d:04d}\tLoss_G: 0.6931\tD(x): 0.5000\tD(G(z)): 0.3000 / 0.3000\n"


def _log(n: int) -> str:
    return "".join(FROZEN.format(e=k // 500, i=k % 500, d=(k * 37) % 4000) for k in range(n))


def _f(code="GAN202", sev=Severity.ERROR, start=10.0, col="loss_d"):
    return Finding(code, "x", sev, 0.9, "msg", Span(start, start + 100, 0, 10_000), {"column": col})


def test_debounce_holds_keeps_onset_clears_and_does_not_flap():
    d = Debouncer(hold=2)
    assert d.update([_f(start=10)]) == []  # seen once: not yet
    (c,) = d.update([_f(start=40)])  # held twice: announced, with the first onset
    assert c.kind == "finding" and c.onset == 10
    assert d.update([]) == []  # one evaluation without it: no clearing yet
    assert d.update([_f(start=55)]) == []  # back: still the same open finding, nothing said
    assert d.update([_f(sev=Severity.WARNING)]) == []
    assert d.update([]) == [] and [x.kind for x in d.update([])] == ["cleared"]
    # a blip that comes and goes is never announced
    assert d.update([_f("GAN101")]) == [] and d.update([]) == [] and d.update([_f("GAN101")]) == []
    # escalation is said; infos are not announced
    d2 = Debouncer(hold=1)
    assert [c.kind for c in d2.update([_f(sev=Severity.WARNING)])] == ["finding"]
    assert [c.kind for c in d2.update([_f(sev=Severity.ERROR)])] == ["escalated"]
    assert [c.kind for c in d2.update([_f("GAN999", sev=Severity.INFO)])] == ["cleared"]  # no info said
    # at the end of input what holds is announced at once
    assert [c.kind for c in Debouncer(hold=3).update([_f()], final=True)] == ["finding"]


def test_a_warning_must_hold_while_the_run_grows_an_error_need_not():
    d = Debouncer(hold=2)
    w = _f("GAN301", sev=Severity.WARNING)
    assert d.update([w], records=68) == [] and d.update([w], records=80) == []
    assert d.update([], records=100) == []  # gone before the run grew by half: forgotten
    assert d.update([w], records=116) == [] and d.update([w], records=130) == []
    assert [c.kind for c in d.update([w], records=174)] == ["finding"]  # held from 116 to 174
    old = Finding("GAN301", "x", Severity.WARNING, 0.9, "m", Span(0, 130, 0, 66), {"column": "loss_g"})
    o = Debouncer(hold=2)
    assert o.update([old], records=70) == [] and o.update([old], records=122) == []  # left behind
    e = Debouncer(hold=2)
    assert e.update([_f()], records=270) == [] and [c.kind for c in e.update([_f()], records=271)] == ["finding"]


def _watched(path: Path, **kw) -> Watched:
    from ganlog.config import Config
    from ganlog.readers import ReadOptions

    opts = WatchOptions(every=0.0, **kw)
    return Watched(str(path), open_follower(str(path)), opts, ReadOptions(), Config())


def test_watched_run_gives_the_same_table_as_analyze(tmp_path):
    import ganlog

    p = tmp_path / "train.log"
    text = _log(300).encode()
    w = _watched(p)
    with open(p, "wb") as fh:
        for k in range(0, len(text), 997):  # uneven chunks, cut mid-record
            fh.write(text[k:k + 997])
            fh.flush()
            w.poll(0.0)
    w.evaluate(1.0)
    analyzed = ganlog.analyze(str(p))
    assert w.analysis.run.frame.equals(analyzed.run.frame)
    assert w.analysis.run.loss_family.name == analyzed.run.loss_family.name
    assert [f.code for f in w.findings] == [f.code for f in analyzed.findings]


def test_memory_is_bounded_by_the_window_and_the_float32_archive(tmp_path):
    import ganlog

    p = tmp_path / "train.log"
    text = _log(2000)
    p.write_text(text)
    w = _watched(p, window_bytes=20_000, archive_rows=1000)
    w.poll(0.0)
    w.evaluate(1.0)
    assert len(w.buffer) <= 20_000
    assert 0 < w.archive_rows <= 1000  # thinned: the oldest records lost resolution
    assert all(parts[0].dtype.name == "float32" for parts in w.archive.values())
    frame = w.analysis.run.frame
    full = ganlog.load(str(p)).frame
    # the recent window has every record, exactly as analyze reads it
    tail = full.tail(100).reset_index(drop=True)
    assert frame.tail(100).reset_index(drop=True)[["step", "loss_d"]].equals(tail[["step", "loss_d"]])
    assert frame["step"].is_monotonic_increasing
    assert "GAN202" in {f.code for f in w.findings}


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.t += s


def test_stall_is_announced_and_cleared(tmp_path):
    p = tmp_path / "train.log"
    p.write_text(_log(3))
    w = _watched(p, stall=5.0)
    clock = FakeClock()
    seen: list[Event] = []

    class Sink:
        def event(self, e): seen.append(e)
        def status(self, s): pass
        def close(self): pass

    watcher = Watcher([w], [Sink()], w.options, clock=clock, sleep=clock.sleep)
    watcher.started = 0.0
    for _ in range(4):  # data at t=0, quiet until t=6 > 5
        watcher.tick()
        clock.sleep(2.0)
    assert [e.kind for e in seen if e.code == "GAN901"] == ["stall"]
    with open(p, "a") as fh:
        fh.write(_log(4)[-200:].split("\n", 1)[1])
    watcher.tick()
    assert [e.kind for e in seen if e.code == "GAN901"] == ["stall", "cleared"]


def test_sinks_jsonl_html_command(tmp_path):
    import ganlog

    p = tmp_path / "train.log"
    p.write_text(_log(100))
    analysis = ganlog.analyze(str(p))
    e = Event("finding", str(p), "D frozen", code="GAN202", name="d-frozen", severity="error",
              onset_step=5, last_step=495, records=100, time=1.0)
    j = JsonlSink(tmp_path / "ev.jsonl")
    j.event(e)
    j.event(e)
    j.close()
    rows = [json.loads(x) for x in (tmp_path / "ev.jsonl").read_text().splitlines()]
    assert len(rows) == 2 and rows[0]["code"] == "GAN202" and rows[0]["onset_step"] == 5
    h = HtmlSink(tmp_path / "live.html", refresh=7)
    h.status(Status(str(p), "broken", 495, 100, None, [("GAN202", "error")], analysis))
    page = (tmp_path / "live.html").read_text()
    assert '<meta http-equiv="refresh" content="7">' in page and "<script" not in page.lower()
    assert not list(tmp_path.glob(".live.html.*"))  # written atomically: no temporary left
    out = tmp_path / "cmd.txt"
    c = CommandSink(f'{sys.executable} -c "import os; open(r\'{out}\', \'w\').write('
                    f'os.environ[\'GANLOG_CODE\'] + \' \' + os.environ[\'GANLOG_SEVERITY\'] + \' \' '
                    f'+ os.environ[\'GANLOG_STEP\'] + \' \' + os.environ[\'GANLOG_MESSAGE\'])"')
    c.event(e)
    c.close()
    assert out.read_text() == "GAN202 error 5 D frozen"
    import io

    buf = io.StringIO()
    t = TerminalSink(buf, tty=True)
    t.status(Status("x", "broken", 495, 100, 12.5, [("GAN202", "error")]))
    t.event(e)
    t.close()
    s = buf.getvalue()
    assert "BROKEN · step 495 · 100 records · 12.5 rec/s · open: GAN202 error" in s
    assert "\r\x1b[K" in s and "ERROR   GAN202 d-frozen since step 5" in s


def test_parse_duration():
    assert parse_duration("30s") == 30 and parse_duration("500ms") == 0.5
    assert parse_duration("5m") == 300 and parse_duration("2h") == 7200 and parse_duration("1.5") == 1.5


def test_stdin_is_followed_and_watch_exits_0_when_it_closes(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "ganlog", "watch", "-", "--every", "0.2s",
                           "--jsonl", str(tmp_path / "ev.jsonl")],
                          input=_log(120).encode(), capture_output=True, env=env(), timeout=120)
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode()
    assert "GAN202" in out and "input ended" in out and "120 records" in out


def test_fail_on_exits_1_and_on_finding_runs(tmp_path):
    log = tmp_path / "train.log"
    log.write_text(_log(120))
    marker = tmp_path / "called"
    proc = subprocess.run([sys.executable, "-m", "ganlog", "watch", str(log), "--every", "0.2s",
                           "--fail-on", "error", "--on-finding", f"echo $GANLOG_CODE >> {marker}"],
                          capture_output=True, env=env(), timeout=120)
    assert proc.returncode == 1, proc.stderr.decode()
    assert "GAN202" in marker.read_text()


def test_missing_option_value_is_a_usage_error():
    proc = subprocess.run([sys.executable, "-m", "ganlog", "watch", "x.log", "--every", "soon"],
                          capture_output=True, env=env(), timeout=60)
    assert proc.returncode == 2 and b"duration" in proc.stderr
