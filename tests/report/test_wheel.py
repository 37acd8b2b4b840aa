"""The wheel carries the templates: install it apart from the repository and render a report."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest


@pytest.mark.slow
def test_installed_wheel_renders_a_report(repo_root, samples, tmp_path) -> None:
    dist = tmp_path / "dist"
    pytest.importorskip("hatchling", reason="hatchling (the build backend) is needed to build the wheel")
    build = subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(dist)],
                           cwd=repo_root, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(dist.glob("ganlog-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "ganlog/templates/report.html.j2" in names and "ganlog/templates/report.css" in names
    assert "ganlog/templates/sections/finding_card.html.j2" in names

    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(site),
                    str(wheel)], check=True, capture_output=True, timeout=300)
    out = tmp_path / "r.html"
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import ganlog, ganlog.report.html as h;"
        "assert ganlog.__file__.startswith(sys.argv[1]), ganlog.__file__;"
        "d = h.templates_dir(); assert str(d).startswith(sys.argv[1]), d;"
        "h.write(ganlog.analyze(sys.argv[2]), sys.argv[3]); print(d)"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    proc = subprocess.run([sys.executable, "-c", code, str(site), str(samples / "forum_bce.log"), str(out)],
                          cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == str(site / "ganlog" / "templates")
    page = out.read_text(encoding="utf-8")
    assert "forum_bce" in page and "<svg" in page and "What was read" in page
