"""Compare a run with reference runs and say, in plain words, how it differs.

``ganlog analyze my.log --compare runs/healthy-bce`` analyzes each reference
the same way as the run, keeps it in ``Analysis.comparisons`` (reports overlay
it) and adds sentences such as

    D loss fell below 0.1 at step 1,100; the healthy-bce reference never goes below 0.6

to ``analysis.extras["comparison_lines"]``, which the terminal summary prints.

Every statement compares smoothed series (a rolling median over about 2% of
the records, at least 5), so one noisy batch never makes a difference; levels
are rounded to "nice" numbers that sit between the two runs.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    import numpy as np

    from .analysis import Analysis
    from .config import Config
    from .frame import Run

#: (column, label, side): "low" statements say the run went below anything the
#: reference shows, "high" that it went above.
CHECKS: tuple[tuple[str, str, str], ...] = (
    ("loss_d", "D loss", "low"),
    ("loss_d", "D loss", "high"),
    ("loss_g", "G loss", "high"),
    ("loss_g", "G loss", "low"),
    ("d_x", "D(x)", "high"),
    ("grad_norm_g", "G gradient norm", "low"),
    ("grad_norm_d", "D gradient norm", "low"),
    ("diversity", "sample diversity", "low"),
    ("modes_covered", "modes covered", "low"),
)


@dataclass(frozen=True)
class Difference:
    """One way the run left the reference's range."""

    column: str
    side: str  # low | high | non-finite
    level: float
    step: float
    reference_extreme: float
    text: str


def reference_label(run: "Run") -> str:
    return str(run.meta.get("scenario") or run.name)


def smooth(values: "np.ndarray") -> "np.ndarray":
    import numpy as np
    import pandas as pd

    window = max(5, len(values) // 50)
    return pd.Series(values).rolling(window, min_periods=max(1, window // 2), center=True).median().to_numpy(
        dtype=float, na_value=np.nan)


def nice_level(a: float, b: float) -> float:
    """A round number strictly between ``a`` and ``b`` (a < b), preferring fewer digits."""
    lo, hi = min(a, b), max(a, b)
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo == hi:
        return (lo + hi) / 2
    span = hi - lo
    exp = math.floor(math.log10(span)) if span > 0 else 0
    for e in range(exp + 1, exp - 3, -1):
        step = 10.0**e
        for mult in (1, 2, 5):
            unit = step * mult
            cand = math.ceil(lo / unit + 1e-9) * unit
            if lo < cand < hi:
                return float(f"{cand:.6g}")
    return float(f"{(lo + hi) / 2:.3g}")


def _fmt(v: float) -> str:
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 1:
        return f"{v:.3g}"
    return f"{v:.2g}"


def _step(run: "Run", step: float) -> str:
    return run.describe_step(step)


def differences(run: "Run", ref: "Run") -> list[Difference]:
    """How ``run`` leaves the range ``ref`` stays in, most telling first."""
    import numpy as np

    out: list[Difference] = []
    label = reference_label(ref)
    df, rf = run.frame, ref.frame
    # Non-finite values first: nothing else matters as much.
    for col, name in (("loss_d", "D loss"), ("loss_g", "G loss")):
        if col in df.columns and col in rf.columns:
            v = df[col].to_numpy(dtype=float, na_value=np.nan)
            bad = ~np.isfinite(v)
            if bad.any() and np.isfinite(rf[col].to_numpy(dtype=float, na_value=np.nan)).all():
                step = float(df["step"].to_numpy()[int(np.argmax(bad))])
                out.append(Difference(col, "non-finite", math.nan, step, math.nan,
                                      f"{name} became NaN/inf at {_step(run, step)}; "
                                      f"the {label} reference stays finite"))
    for col, name, side in CHECKS:
        if col not in df.columns or col not in rf.columns:
            continue
        rv = smooth(rf[col].to_numpy(dtype=float, na_value=np.nan))
        rv = rv[np.isfinite(rv)]
        v = smooth(df[col].to_numpy(dtype=float, na_value=np.nan))
        ok = np.isfinite(v)
        if rv.size < 3 or ok.sum() < 3:
            continue
        steps = df["step"].to_numpy(dtype=float)
        if side == "low":
            ref_ext, run_ext = float(rv.min()), float(v[ok].min())
            scale = max(abs(ref_ext), float(np.median(np.abs(rv))), 1e-12)
            if not (run_ext < ref_ext - 0.25 * scale):
                continue
            level = nice_level(run_ext, ref_ext)
            first = int(np.argmax(ok & (v < level)))
            text = (f"{name} fell below {_fmt(level)} at {_step(run, steps[first])}; "
                    f"the {label} reference never goes below {_fmt(ref_ext)}")
        else:
            ref_ext, run_ext = float(rv.max()), float(v[ok].max())
            scale = max(abs(ref_ext), float(np.median(np.abs(rv))), 1e-12)
            if not (run_ext > ref_ext + 0.25 * scale):
                continue
            level = nice_level(ref_ext, run_ext)
            first = int(np.argmax(ok & (v > level)))
            text = (f"{name} rose above {_fmt(level)} at {_step(run, steps[first])}; "
                    f"the {label} reference never goes above {_fmt(ref_ext)}")
        out.append(Difference(col, side, level, float(steps[first]), ref_ext, text))
    # Identical D(G(z)) before and after D's step: D is not being updated.
    if all(c in df.columns for c in ("d_g_z1", "d_g_z2")) and all(c in rf.columns for c in ("d_g_z1", "d_g_z2")):
        same = float(np.mean(df["d_g_z1"].to_numpy(dtype=float) == df["d_g_z2"].to_numpy(dtype=float)))
        ref_same = float(np.mean(rf["d_g_z1"].to_numpy(dtype=float) == rf["d_g_z2"].to_numpy(dtype=float)))
        if same >= 0.2 and same > ref_same + 0.15:
            out.append(Difference("d_g_z2", "frozen", same, math.nan, ref_same,
                                  f"D(G(z)) is identical before and after D's step in {same:.0%} of records; "
                                  f"in the {label} reference in {ref_same:.0%}"))
    return out


def comparison_lines(run: "Run", refs: Iterable["Run"], limit: int = 4) -> list[str]:
    """The sentences the terminal summary prints, a heading per reference."""
    lines: list[str] = []
    for ref in refs:
        label = reference_label(ref)
        diffs = differences(run, ref)
        if not diffs:
            lines.append(f"Compared with {label} ({ref.source}): within the reference's range "
                         f"on every shared column.")
            continue
        lines.append(f"Compared with {label} ({ref.source}):")
        lines += [f"  - {d.text}" for d in diffs[:limit]]
        if len(diffs) > limit:
            lines.append(f"  - and {len(diffs) - limit} more difference{'s' if len(diffs) - limit > 1 else ''}")
    return lines


def resolve_reference(path: "str | os.PathLike[str]") -> Path:
    """A trainer run directory stands for its richest file (``metrics.jsonl``, else ``train.log``)."""
    p = Path(path)
    manifest = p / "scenario.json"
    if p.is_dir() and manifest.is_file():
        try:
            files = json.loads(manifest.read_text(encoding="utf-8")).get("files", {})
        except (OSError, ValueError):
            files = {}
        for kind in ("jsonl", "log"):
            if kind in files and (p / files[kind]).is_file():
                return p / files[kind]
    return p


def load_reference(path: "str | os.PathLike[str]", config: "Config | None" = None) -> "Run":
    from .readers import ReadOptions, load_runs

    target = resolve_reference(path)
    opts = ReadOptions(loss_family=config.loss_family if config else None,
                       extra_aliases=dict(config.aliases) if config else {})
    runs = load_runs(target, opts)
    run = runs[0]
    manifest = Path(path) / "scenario.json"
    if Path(path).is_dir() and manifest.is_file():
        try:
            scenario = json.loads(manifest.read_text(encoding="utf-8")).get("scenario")
        except (OSError, ValueError):
            scenario = None
        if scenario:
            run.meta["scenario"] = scenario
            run.name = str(scenario)
    return run


def analyze_references(references: Iterable["str | os.PathLike[str]"],
                       config: "Config | None" = None) -> "list[Analysis]":
    """Read and analyze each reference run once, the same way as the run it is compared with."""
    from .analysis import analyze

    return [analyze(load_reference(p, config), config) for p in references]


def attach_comparisons(analysis: "Analysis", references: "list[Analysis]") -> "Analysis":
    """Keep the analyzed references on ``analysis`` and add the comparison sentences."""
    analysis.comparisons = list(references)
    analysis.extras["comparison_lines"] = comparison_lines(analysis.run, [r.run for r in references])
    return analysis
