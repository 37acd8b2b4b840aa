"""Imported once by the paste page's fork server: one small analysis there loads every module an
analysis and its report need (detectors, matplotlib, jinja2), so each child forked for a request
starts warm instead of paying ~2 s of imports.
"""

from __future__ import annotations


def _warm() -> None:
    import os

    os.environ.setdefault("MPLBACKEND", "Agg")
    lines = [f"[0/5][{i * 50}/1583]\tLoss_D: {1.3 - i * 0.01:.4f}\tLoss_G: {0.9 + i * 0.01:.4f}\t"
             f"D(x): 0.55{i % 10}0\tD(G(z)): 0.4{i % 10}00 / 0.3{i % 10}00" for i in range(30)]
    try:
        from .serve import analyze_bytes

        analyze_bytes(("\n".join(lines) + "\n").encode(), "warm-up.log")
    except Exception:  # noqa: BLE001 - warming is best effort; a request would show the error
        pass


_warm()
