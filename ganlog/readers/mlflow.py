"""MLflow file-store runs: ``mlruns/<experiment>/<run>/metrics/<metric name>``.

Each metric is a text file of ``<timestamp ms> <value> <step>`` lines, one per
``log_metric`` call (a metric named ``Loss/D`` lives in ``metrics/Loss/D``).
The metrics are aligned on step like event-file tags (:mod:`._align`); the
run's name comes from its ``mlflow.runName`` tag when there is one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from ..frame import ParseStats
from .base import ReadOptions

if TYPE_CHECKING:
    from ..frame import Run


def read_metric_file(path: Path, stats: ParseStats) -> "tuple[list[int], list[float], list[float]]":
    """Steps, values and wall times (s) of one metric file; bad lines are skipped and counted."""
    from ..frame import to_float

    steps: list[int] = []
    values: list[float] = []
    walls: list[float] = []
    try:
        text = path.read_text("utf-8", "replace")
    except OSError as exc:
        raise InputError(str(path), f"cannot be read ({exc.strerror or exc})") from None
    for i, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        stats.lines_read += 1
        if len(parts) not in (2, 3):
            stats.skip(i, f"{path.name}: {line}", "expected '<timestamp> <value> <step>'")
            continue
        try:
            ts = float(parts[0])
            step = int(parts[2]) if len(parts) == 3 else 0
        except (ValueError, OverflowError):
            stats.skip(i, f"{path.name}: {line}", "timestamp or step is not a number")
            continue
        if not -(2**63) <= step < 2**63:
            stats.skip(i, f"{path.name}: {line}", "step out of range")
            continue
        steps.append(step)
        values.append(to_float(parts[1]))
        walls.append(ts / 1000.0)
    return steps, values, walls


def read_mlflow_run(run_dir: Path, *, name: str, options: ReadOptions) -> "Run":
    import numpy as np

    from ._align import pivot, run_from_columns

    metrics_dir = run_dir / "metrics"
    stats = ParseStats()
    files = sorted(p for p in metrics_dir.rglob("*") if p.is_file() and not p.name.startswith("."))
    names: list[str] = []
    metric, step, value, wall = [], [], [], []
    for k, f in enumerate(files):
        s, v, w = read_metric_file(f, stats)
        names.append(f.relative_to(metrics_dir).as_posix())
        metric.append(np.full(len(s), k, dtype=np.int64))
        step.append(np.asarray(s, dtype=np.int64))
        value.append(np.asarray(v, dtype=float))
        wall.append(np.asarray(w, dtype=float))
    if stats.lines_skipped:
        ex = stats.skipped_examples[0]
        stats.warn(f"{metrics_dir}: skipped {stats.lines_skipped:,} line(s); first: line {ex.line} of {ex.text}")
    if not names or not sum(len(s) for s in step):
        raise InputError(str(metrics_dir), "no metric values in this MLflow run",
                         expected="files of '<timestamp> <value> <step>' lines")
    from .arrays import require_loss_column

    require_loss_column(names, str(metrics_dir), options, "metric")
    run_name = name
    tag = run_dir / "tags" / "mlflow.runName"
    if tag.is_file():
        run_name = f"{name} ({tag.read_text('utf-8', 'replace').strip()})"
    cols, dupes = pivot(np.concatenate(metric), np.concatenate(step), np.concatenate(value), names,
                        np.concatenate(wall))
    if dupes:
        stats.warn(f"{dupes:,} values repeated a step of their metric; the last was kept")
    return run_from_columns(cols, names, run_name=options.run_name or run_name, source=str(run_dir),
                            reader="directory", format="mlflow", stats=stats, options=options,
                            meta={"files": [str(f) for f in files]})
