"""``ganlog watch``: diagnose a training while it runs.

:mod:`.followers` read only what is new, :mod:`.loop` re-runs the same
readers and detectors as ``ganlog analyze`` on the grown run, :mod:`.debounce`
decides what is announced, and :mod:`.sinks` say it (terminal, JSONL, HTML,
a command). The CLI is :mod:`ganlog.cli.watch`.
"""

from __future__ import annotations

__all__ = ["Watched", "Watcher", "WatchOptions", "open_follower", "parse_duration"]


def __getattr__(name: str):  # keep `import ganlog.watch` light
    if name in __all__:
        from . import loop

        return getattr(loop, name)
    raise AttributeError(name)
