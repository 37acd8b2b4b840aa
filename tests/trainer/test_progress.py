"""`ganlog train` progress: plain lines off a terminal, a bar on one; one thread for tiny models."""

from __future__ import annotations

import io

from ganlog.trainer.progress import Progress, default_threads


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_plain_lines_every_tenth_with_rate_and_eta() -> None:
    out, clock = io.StringIO(), Clock()
    p = Progress("gated-d", 1000, out, tty=False, clock=clock)
    for step in range(1000):
        clock.t = step * 0.01  # 100 steps/s
        p(step)
    p.close()
    lines = out.getvalue().splitlines()
    assert 9 <= len(lines) <= 11 and "\r" not in out.getvalue()
    assert lines[0].startswith("gated-d: step 100/1,000 ( 10%) 100 steps/s ETA 9s"), lines[0]
    assert lines[-1].startswith("gated-d: step 1,000/1,000 (100%)")


def test_bar_on_a_terminal_redraws_in_place() -> None:
    out, clock = io.StringIO(), Clock()
    p = Progress("healthy-bce", 200, out, tty=True, clock=clock)
    for step in range(200):
        clock.t = step * 0.005
        p(step)
    p.close()
    text = out.getvalue()
    assert "\n" not in text and text.count("\r") >= 5 and "[####" in text and "ETA" in text


def test_one_thread_for_the_tiny_models() -> None:
    assert default_threads("mixture", cpus=2) == 1 and default_threads("mixture", cpus=64) == 1
    assert default_threads("image", cpus=2) == 1 and default_threads("image", cpus=16) == 2
