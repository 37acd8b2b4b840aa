"""Commands import only what they need: no matplotlib or scipy for `check` and `analyze`
without --html (a small log's analysis time is mostly imports)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_logs" / "forum_bce.log"

_PROBE = (
    "import sys, runpy\n"
    "sys.argv = ['ganlog'] + sys.argv[1:]\n"
    "import atexit\n"
    "atexit.register(lambda: print('HEAVY', sorted(m for m in ('matplotlib', 'scipy') if m in sys.modules),"
    " file=sys.stderr))\n"
    "from ganlog.cli import cli\n"
    "try:\n"
    "    cli.main(prog_name='ganlog')\n"
    "except SystemExit:\n"
    "    pass\n"
)


@pytest.mark.parametrize("command", ["check", "analyze"])
def test_no_matplotlib_or_scipy(command: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-c", _PROBE, command, str(SAMPLE)], capture_output=True,
                         text=True, env=env, cwd=ROOT, timeout=120)
    line = [ln for ln in out.stderr.splitlines() if ln.startswith("HEAVY")]
    assert line, out.stderr[-2000:]
    assert line[-1] == "HEAVY []", line[-1]
