"""Structure: the shared parser sits beneath both engines, and a log is detected once."""

from __future__ import annotations

import ast
from pathlib import Path

import ganlog.readers.fastpath as fastpath
import ganlog.readers.text as text
import ganlog.readers.textparse as textparse
from ganlog.readers import Source, load_runs, pick_reader
from ganlog.readers.base import ReadOptions

PKG = Path(textparse.__file__).parent


def _imports(mod: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(mod.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_engines_do_not_import_each_other() -> None:
    assert "text" not in _imports(PKG / "fastpath.py")
    assert not {"text", "fastpath"} & _imports(PKG / "textparse.py")


def test_pick_reader_returns_the_choice_with_its_sniff(samples) -> None:
    choice = pick_reader(Source.from_path(samples / "dcgan_tutorial.log"), ReadOptions())
    assert choice.name == "text"
    assert choice.sniff is not None and choice.sniff.detail.name == "dcgan"


def test_detection_runs_once_per_log(samples, monkeypatch) -> None:
    calls = []
    real = textparse.detect

    def counting(t: str):
        calls.append(len(t))
        return real(t)

    for mod in (text, fastpath):
        monkeypatch.setattr(mod, "detect", counting)
    monkeypatch.setattr(text, "FAST_PATH_MIN_BYTES", 0)
    for name in ("dcgan_tutorial.log", "keras_progress.log", "generic_asctime.log"):
        calls.clear()
        load_runs(samples / name)
        assert len(calls) == 1, (name, calls)
