"""Plots for the HTML report: inline SVG from matplotlib's object API.

Why these choices:

* ``matplotlib.figure.Figure`` with the SVG canvas, never ``pyplot``: no
  global figure state, safe in a server thread, nothing left open.
* Text stays text (``svg.fonttype = none``): the SVG is a fraction of the
  size of glyph paths, and the labels can be selected and searched.
* Deterministic bytes: a fixed ``svg.hashsalt`` per figure (so the ids in
  one page never collide between figures) and no ``Date`` metadata.
* Large runs are thinned *for plotting only* with the min and max of each
  bucket, so a single-step spike or NaN burst stays visible; the analysis
  itself always used every point.
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..analysis import Analysis
    from ..detectors.base import Finding
    from ..frame import Run

#: Points per line in the timeline (two per bucket: its min and its max).
TIMELINE_POINTS = 2400
#: Points per line in a finding's zoomed plot.
ZOOM_POINTS = 800

LOSS_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("loss_d", "D loss", "#1f5fa8"),
    ("loss_g", "G loss", "#d9720b"),
)
PROB_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("d_x", "D(x) on real", "#2a8a3e"),
    ("d_g_z1", "D(G(z)) before D step", "#7b3fa0"),
    ("d_g_z2", "D(G(z)) after D step", "#c0392b"),
)
#: Other canonical columns worth a panel of their own when logged.
EXTRA_PANELS: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...] = (
    ("Gradient norms", (("grad_norm_d", "D grad norm", "#1f5fa8"), ("grad_norm_g", "G grad norm", "#d9720b"))),
    ("Sample quality", (("fid", "FID (lower is better)", "#5b4a8b"), ("inception_score", "Inception score", "#2a8a3e"))),
)
SEVERITY_COLORS = {3: "#d62728", 2: "#f0a30a", 1: "#3b8bd0"}
COMPARE_COLORS = ("#6b6b6b", "#17becf", "#bcbd22", "#8c564b", "#e377c2")
REGIME_CODE = "GAN302"


# -- thinning -----------------------------------------------------------------
def thin(x: np.ndarray, y: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep at most ``max_points`` points: the min and the max of each bucket, in order.

    A spike survives because it is the max of its bucket. A gap (NaN or inf,
    e.g. after divergence) survives as a break in the line: a bucket that
    holds one keeps its first non-finite row too.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(y)
    if n <= max_points:
        return x, y
    finite_all = np.isfinite(y)
    per_bucket = 2 if finite_all.all() else 3
    buckets = max(1, max_points // per_bucket)
    size = -(-n // buckets)  # ceil
    total = buckets * size
    yp = np.concatenate([y, np.full(total - n, np.nan)]).reshape(buckets, size)
    real = (np.arange(total) < n).reshape(buckets, size)
    finite = np.isfinite(yp)
    any_finite = finite.any(axis=1)
    lo = np.where(finite, yp, np.inf).argmin(axis=1)
    hi = np.where(finite, yp, -np.inf).argmax(axis=1)
    gap = real & ~finite
    gap_first = np.where(gap.any(axis=1), gap.argmax(axis=1), hi)
    base = np.arange(buckets) * size
    rows = np.stack([lo, hi, gap_first], axis=1)
    rows[~any_finite] = 0  # an all-gap bucket keeps its first row (a NaN: the line breaks)
    idx = np.sort(rows[:, :per_bucket], axis=1) + base[:, None]
    idx = np.minimum(idx.ravel(), n - 1)
    idx = idx[np.concatenate([[True], np.diff(idx) != 0])]
    return x[idx], np.where(np.isfinite(y[idx]), y[idx], np.nan)


def _segment_slices(run: "Run", gaps: bool = False) -> list[slice]:
    """Row ranges of the segments; with ``gaps``, also split where the log skips many steps.

    A line drawn straight across an unlogged stretch (a log pasted from two
    epochs) would show values that were never logged, so it breaks there.
    """
    df = run.frame
    n = len(df)
    if n == 0:
        return []
    cuts: set[int] = set()
    if "segment" in df.columns:
        seg = df["segment"].to_numpy()
        cuts.update((np.flatnonzero(seg[1:] != seg[:-1]) + 1).tolist())
    if gaps and n > 2:
        steps = df["step"].to_numpy(dtype=float)
        d = np.diff(steps)
        pos = d[np.isfinite(d) & (d > 0)]
        if len(pos):
            typical = float(np.median(pos))
            cuts.update((np.flatnonzero(d > 20 * typical) + 1).tolist())
    bounds = [0, *sorted(cuts), n]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def line_data(run: "Run", column: str, max_points: int, rows: slice | None = None
              ) -> tuple[np.ndarray, np.ndarray] | None:
    """Thinned (x, y) of one column, with a NaN break where a segment restarts."""
    df = run.frame
    if column not in df.columns or df.empty:
        return None
    steps = df["step"].to_numpy(dtype=float)
    values = df[column].to_numpy(dtype=float, na_value=np.nan)
    values = np.where(np.isfinite(values), values, np.nan)
    if rows is not None:
        sparse = is_sparse(values[rows])
    else:
        sparse = is_sparse(values)
    slices = _segment_slices(run, gaps=True)
    if rows is not None:
        a, b = rows.start or 0, rows.stop if rows.stop is not None else len(df)
        slices = [slice(max(s.start, a), min(s.stop, b)) for s in slices if s.stop > a and s.start < b]
    total = sum(s.stop - s.start for s in slices) or 1
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    for s in slices:
        budget = max(4, int(max_points * (s.stop - s.start) / total))
        xs_, ys_ = steps[s], values[s]
        if sparse:  # a metric logged every k records (FID): join the logged points
            keep = np.isfinite(ys_)
            xs_, ys_ = xs_[keep], ys_[keep]
        x, y = thin(xs_, ys_, budget)
        if xs:
            xs.append(np.array([np.nan]))
            ys.append(np.array([np.nan]))
        xs.append(x)
        ys.append(y)
    if not xs:
        return None
    x, y = np.concatenate(xs), np.concatenate(ys)
    if not np.isfinite(y).any():
        return None
    return x, y


def is_sparse(values: np.ndarray) -> bool:
    """True for a column logged only on some records (most rows empty), like an eval metric."""
    if len(values) == 0:
        return False
    return float(np.isfinite(values).mean()) < 0.5


# -- scales -------------------------------------------------------------------
def _slog(v: np.ndarray) -> np.ndarray:
    return np.sign(v) * np.log1p(np.abs(v))


def _slog_inv(v: np.ndarray) -> np.ndarray:
    return np.sign(v) * np.expm1(np.abs(v))


def _log1p_ticks(limits: tuple[float, float]) -> list[float]:
    """0, 1, 2, 5, 10, 20, 50, ... (and the negatives) within the limits: readable on a log1p axis."""
    lo, hi = limits
    top = max(abs(lo), abs(hi))
    ticks = [0.0]
    k = 0
    while True:
        for m in (1, 2, 5):
            v = m * 10.0**k
            if v > top * 1.0001:
                break
            ticks += [v, -v]
        else:
            k += 1
            continue
        break
    return sorted(t for t in ticks if lo <= t <= hi)


def _step_formatter(top: float | None = None):  # type: ignore[no-untyped-def]
    """Step ticks as 250k / 1.5M instead of matplotlib's 1e6 offset; one unit per axis (``top``)."""
    from matplotlib.ticker import FuncFormatter

    def fmt(x: float, _pos: int) -> str:
        a = abs(x) if top is None else max(abs(top), 1e4 if abs(x) >= 1e4 else 0)
        if a >= 1e6:
            return f"{x / 1e6:g}M"
        if a >= 1e4:
            return f"{x / 1e3:g}k"
        return f"{x:,.0f}" if float(x).is_integer() else f"{x:g}"

    return FuncFormatter(fmt)


def spikes_squash(run: "Run", columns: Iterable[str] = ("loss_d", "loss_g"), rows: slice | None = None) -> bool:
    """True when a few huge values (typically early) would flatten the rest on a linear axis."""
    df = run.frame if rows is None else run.frame.iloc[rows]
    vals = [df[c].to_numpy(dtype=float, na_value=np.nan) for c in columns if c in df.columns]
    if not vals:
        return False
    v = np.abs(np.concatenate(vals))
    v = v[np.isfinite(v)]
    if len(v) < 10:
        return False
    top = float(v.max())
    typical = float(np.percentile(v, 95))
    return top > 8.0 * max(typical, 1e-9) and top > 1.0


# -- figures ------------------------------------------------------------------
@dataclass(frozen=True)
class Panel:
    title: str
    columns: tuple[tuple[str, str, str], ...]
    #: "linear", "log1p" (signed log(1 + |y|): early spikes) or "log" (a loss collapsing towards 0)
    scale: str = "linear"

    @property
    def log1p(self) -> bool:  # older callers
        return self.scale == "log1p"


@dataclass(frozen=True)
class Size:
    """One rendering of a figure: its width in inches and its font sizes in points.

    An inline SVG scales with its box, so text is as large as the figure is
    narrow. ``WIDE`` fills a desktop column (960 CSS px at 1:1, 8 pt = 10.7 px);
    ``NARROW`` is drawn for phones and for the finding cards (a 4.5 in figure
    shown at 348-432 CSS px keeps 10 pt text at 10.7-13 px).
    """

    name: str
    width: float
    font: float
    title: float
    legend_columns: int
    points: int


WIDE = Size("wide", 10.0, 8.0, 9.0, 4, TIMELINE_POINTS)
NARROW = Size("narrow", 4.5, 10.0, 10.5, 2, ZOOM_POINTS)

#: logged values that say how fast training ran, never what it learned: no timeline of their own
TIMING_RE = re.compile(r"(^|_)(time|times|sec|secs|seconds|eta|kimg|tick|per_iter|per_step|it_s|fps)($|_)"
                       r"|^(wall_time|step_time|epoch|iter|lr|lr_d|lr_g|segment)$")


def _mpl_text(text: str) -> str:
    """Text for matplotlib: a ``$`` from a log must not start mathtext."""
    return text.replace("\\", "\\\\").replace("$", r"\$")


#: matplotlib settings for every report figure (set per figure, never globally)
RC = {
    "svg.fonttype": "none",
    "svg.image_inline": True,
    # a short font list: it is written into every <text> element
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "hatch.linewidth": 0.6,
}


_LOCK = threading.Lock()


@contextlib.contextmanager
def report_style(salt: str):  # type: ignore[no-untyped-def]
    """matplotlib's defaults plus :data:`RC`, for one figure from creation to SVG.

    Artists read rcParams when they are created, so the whole figure is built
    inside this context; starting from the defaults makes the bytes independent
    of any style the host program set. rcParams are process-wide, so figures
    are built one at a time (the paste page serves requests in threads).
    """
    import matplotlib

    with _LOCK, matplotlib.rc_context():
        matplotlib.rcdefaults()
        matplotlib.rcParams.update({**RC, "svg.hashsalt": f"ganlog-{salt}"})
        yield


def _short(name: str, limit: int = 28) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _new_figure(width: float, height: float) -> "Figure":
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=96)


LEGEND_COLUMNS = 4


def _panel_axes(fig: "Figure", rows: int, panel_height: float, legend_rows: int = 1,
                size: Size = WIDE) -> list["Axes"]:
    """Stacked panels with fixed margins in inches (constrained layout costs half the render time).

    ``legend_rows`` leaves room above each panel for a legend of that many rows.
    """
    width, height = fig.get_size_inches()
    k = size.font / 8.0
    head = header_inches(size, legend_rows)
    top, bottom, left, right, gap = head + 0.06, 0.5 * k, 0.62 * k, 0.15, head + 0.12
    axes = fig.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height,
                        bottom=bottom / height, hspace=gap / panel_height)
    return list(axes)


def header_inches(size: "Size", legend_rows: int) -> float:
    """Room above a panel: its title and, on a narrow figure, the legend rows under the title."""
    title = size.title * 1.45 / 72
    if size.legend_columns >= 4:  # wide: the legend sits on the title's line, to the right
        return title + max(0, legend_rows - 1) * size.font * 1.4 / 72 + 0.04
    return title + legend_rows * size.font * 1.4 / 72 + 0.06


def to_svg(fig: "Figure", size: Size = WIDE) -> str:
    """The figure as an inline ``<svg>`` element: no XML prolog, stable ids, no date.

    Call inside :func:`report_style` (which sets the hash salt for the ids)."""
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    buf = io.StringIO()
    FigureCanvasSVG(fig)
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "ganlog"})
    svg = buf.getvalue()
    start = svg.find("<svg")
    svg = svg[start:]
    # a responsive element: CSS sets the width; the viewBox keeps the aspect ratio
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1', svg, count=1)
    svg = svg.replace("<svg", f'<svg role="img" class="plot {size.name}"', 1)
    # metadata block (rdf) is noise in an inline figure
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    return svg


def _style_axes(ax: "Axes", title: str, size: Size = WIDE) -> None:
    ax.set_title(_mpl_text(title), loc="left", fontsize=size.title, fontweight="bold")
    ax.grid(True, color="#e3e3e3", linewidth=0.6)
    ax.tick_params(labelsize=size.font)
    if size is NARROW:
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        if ax.get_yscale() == "linear":
            ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _plot_panel(ax: "Axes", run: "Run", panel: Panel, max_points: int, rows: slice | None,
                comparisons: Sequence["Analysis"] = (), size: Size = WIDE) -> bool:
    drawn = False
    for col, label, color in panel.columns:
        data = line_data(run, col, max_points, rows)
        if data is None:
            continue
        sparse = len(data[1]) < 200 and is_sparse(run.frame[col].to_numpy(dtype=float, na_value=np.nan))
        ax.plot(data[0], data[1], color=color, linewidth=0.9 if size is WIDE else 1.1, label=_mpl_text(label),
                marker="o" if sparse else None, markersize=2.5, zorder=3)
        drawn = True
    for k, comp in enumerate(comparisons):
        ccolor = COMPARE_COLORS[k % len(COMPARE_COLORS)]
        for (col, label, _), style in zip(panel.columns, ("--", ":", "-.")):
            data = line_data(comp.run, col, max_points)
            if data is None:
                continue
            ax.plot(data[0], data[1], color=ccolor, linewidth=0.8, linestyle=style, alpha=0.85, zorder=2,
                    label=_mpl_text(f"{label} · {_short(comp.run.name, 18 if size is NARROW else 28)} (ref.)"))
            drawn = True
    if not drawn:
        return False
    panel_title = panel.title
    if panel.scale == "log1p":
        from matplotlib.ticker import FixedLocator

        ax.set_yscale("function", functions=(_slog, _slog_inv))
        ax.yaxis.set_major_locator(FixedLocator(_log1p_ticks(ax.get_ylim())))
        panel_title += " (log1p scale)"
    elif panel.scale == "log":
        ax.set_yscale("log", nonpositive="mask")
        panel_title += " (log scale)"
    _style_axes(ax, panel_title, size)
    n_lines = len(ax.get_lines())
    if size.legend_columns >= 4:
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=size.font, frameon=False,
                  ncol=min(size.legend_columns, n_lines), borderaxespad=0.1, handlelength=1.4, columnspacing=0.9)
    else:  # narrow: the legend goes under the title, which moves up to make room
        rows = -(-n_lines // size.legend_columns)
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=size.font, frameon=False,
                  ncol=min(size.legend_columns, n_lines), borderaxespad=0.1, handlelength=1.4, columnspacing=0.9,
                  borderpad=0.1, labelspacing=0.25)
        ax.set_title(ax.get_title(loc="left"), loc="left", fontsize=size.title, fontweight="bold",
                     pad=rows * size.font * 1.4 + 4)
    return True


def finding_spans(finding: "Finding") -> list[tuple[float, float]]:
    """Each stretch a finding holds over: ``evidence["spans"]`` when merged, else its span."""
    spans = finding.evidence.get("spans") if finding.evidence else None
    if isinstance(spans, (list, tuple)) and spans:
        try:
            return [(float(a), float(b)) for a, b in spans]
        except (TypeError, ValueError):
            pass
    if finding.span is None:
        return []
    return [(float(finding.span.start), float(finding.span.end))]


def _mark_findings(axes: Sequence["Axes"], findings: Sequence["Finding"], x_range: tuple[float, float],
                   label_axis: "Axes", size: Size = WIDE) -> None:
    """Shade each finding's stretches (labelled once with its code); regime changes are a dashed line."""
    from matplotlib.transforms import blended_transform_factory

    lo, hi = x_range
    width = max(hi - lo, 1e-9)
    trans = blended_transform_factory(label_axis.transData, label_axis.transAxes)
    row_end: list[float] = []  # per label row, where its last label ends (data units)
    axes_inches = label_axis.get_position().width * label_axis.figure.get_size_inches()[0]
    for f in findings:
        spans = [(a, b) for a, b in finding_spans(f) if not (b < lo or a > hi)]
        if not spans:
            continue
        color = SEVERITY_COLORS.get(int(f.severity), "#888888")
        regime = f.code == REGIME_CODE
        for a, b in spans:
            for ax in axes:
                if regime or (b - a) < width * 0.004:
                    ax.axvline(a, color=color, linestyle="--" if regime else "-", linewidth=1.1, alpha=0.9)
                else:
                    ax.axvspan(a, b, color=color, alpha=0.09, linewidth=0)
        # labels that would overlap go on the next row down
        label_width = width * (len(f.code) + 1.5) * 0.62 * size.font / 72 / max(axes_inches, 0.5)
        a = spans[0][0]
        x = min(max(a, lo), hi - label_width)
        level = next((i for i, end in enumerate(row_end) if end <= x), len(row_end))
        if level == len(row_end):
            row_end.append(x + label_width)
        else:
            row_end[level] = x + label_width
        label_axis.text(x, 1.0 - 0.12 * level * size.font / 8, f" {f.code}", transform=trans,
                        fontsize=size.font, color=color, fontweight="bold", va="top", ha="left", clip_on=False,
                        bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none",
                              "alpha": 0.75})


def record_gaps(run: "Run", factor: float = 20.0) -> list[tuple[float, float]]:
    """Stretches of steps with no record: a step difference over ``factor`` times the typical one.

    A log pasted from two epochs, or a run that logged rarely for a while,
    leaves such holes; the timeline hatches them and the page says so, so
    nobody reads the straight line across as logged values.
    """
    df = run.frame
    if len(df) < 3:
        return []
    steps = df["step"].to_numpy(dtype=float)
    seg = df["segment"].to_numpy() if "segment" in df.columns else np.zeros(len(df))
    d = np.diff(steps)
    pos = d[np.isfinite(d) & (d > 0)]
    if not len(pos):
        return []
    typical = float(np.median(pos))
    idx = np.flatnonzero((d > factor * typical) & (seg[1:] == seg[:-1]))
    return [(float(steps[i]), float(steps[i + 1])) for i in idx]


def _mark_gaps(axes: Sequence["Axes"], gaps: Sequence[tuple[float, float]], size: Size) -> None:
    for a, b in gaps:
        for ax in axes:
            ax.axvspan(a, b, facecolor="#f3f4f6", edgecolor="#9aa0aa", hatch="////", linewidth=0, zorder=1)
        axes[-1].text(0.5 * (a + b), 0.5, "no records", transform=axes[-1].get_xaxis_transform(), ha="center",
                      va="center", fontsize=size.font, color="#5c6475", rotation=90,
                      bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none"})


GAP_SHARE = 0.04


def compress_gaps(axes: Sequence["Axes"], lo: float, hi: float, gaps: Sequence[tuple[float, float]],
                  size: Size) -> list[tuple[float, float]]:
    """Shrink each stretch without records to a sliver of the x-axis (a broken axis), hatched.

    Drawn to scale, a pasted log's two epochs would sit at the two edges with
    nine tenths of the plot empty. The axis keeps true step numbers on its ticks;
    the page says where the gaps are. Returns the gaps inside ``lo..hi``.
    """
    gaps = sorted((max(a, lo), min(b, hi)) for a, b in gaps if b > lo and a < hi and b > a)
    if not gaps or hi <= lo:
        return []
    data = (hi - lo) - sum(b - a for a, b in gaps)
    if data <= 0:
        return []
    sliver = GAP_SHARE * data / max(1e-9, 1 - GAP_SHARE * len(gaps))
    xs, ys = [lo], [0.0]
    for a, b in gaps:
        ys.append(ys[-1] + (a - xs[-1]))
        xs.append(a)
        ys.append(ys[-1] + sliver)
        xs.append(b)
    ys.append(ys[-1] + (hi - xs[-1]))
    xs.append(hi)
    kx, ky = np.array(xs), np.array(ys)
    slope_lo = 1.0

    def fwd(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return np.where(x < lo, (x - lo) * slope_lo, np.where(x > hi, ky[-1] + (x - hi), np.interp(x, kx, ky)))

    def inv(y: np.ndarray) -> np.ndarray:
        y = np.asarray(y, dtype=float)
        return np.where(y < 0, lo + y, np.where(y > ky[-1], hi + (y - ky[-1]), np.interp(y, ky, kx)))

    from matplotlib.ticker import FixedLocator, MaxNLocator

    axes[0].set_xscale("function", functions=(fwd, inv))
    # ticks per stretch with records, in proportion to its share of the axis
    ticks: list[float] = []
    pieces = [(lo, gaps[0][0]), *((gaps[i][1], gaps[i + 1][0]) for i in range(len(gaps) - 1)), (gaps[-1][1], hi)]
    budget = 4 if size is NARROW else 9
    for a, b in pieces:
        share = (b - a) / data
        n = max(1, int(round(budget * share)))
        if share < 0.08:
            ticks.append(a)
            continue
        ticks += [t for t in MaxNLocator(nbins=n).tick_values(a, b) if a <= t <= b]
    axes[0].xaxis.set_major_locator(FixedLocator(sorted(set(ticks))))
    return gaps


def loss_columns(run: "Run") -> tuple[tuple[str, str, str], ...]:
    """The loss curves of the timeline: D and G, each domain's pair (CycleGAN), else other logged values.

    Timing columns (seconds per iteration, data time, ETA, kimg) never stand in
    for losses: they say how fast the run went, not what it learned.
    """
    if run.has("loss_d") or run.has("loss_g"):
        return LOSS_COLUMNS
    pairs = (getattr(run, "meta", {}) or {}).get("pairs") or {}
    palette = ("#1f5fa8", "#d9720b", "#2a8a3e", "#c0392b", "#7b3fa0", "#5b4a8b")
    cols: list[tuple[str, str]] = []
    for dom, roles in sorted(pairs.items()):
        for role in ("loss_d", "loss_g"):
            c = roles.get(role) if isinstance(roles, dict) else None
            if c and run.has(c):
                cols.append((c, f"{role[-1].upper()} loss ({dom})"))
    if not cols:
        elsewhere = {c for p in (PROB_COLUMNS, *(cols for _, cols in EXTRA_PANELS)) for c, _, _ in p}
        metrics = [c for c in run.metrics
                   if c not in elsewhere and run.has(c) and not TIMING_RE.search(c.lower())]
        lossy = [c for c in metrics if "loss" in c.lower() or re.match(r"^(d|g|dis|gen)(_|$)", c.lower())]
        chosen = (lossy or metrics)[:4]
        cols = [(c, run.original_names.get(c, c)) for c in chosen]
    return tuple((c, label, palette[i % len(palette)]) for i, (c, label) in enumerate(cols))


def _panels(run: "Run", scale: str, size: "Size | None" = None) -> list[Panel]:
    losses = loss_columns(run)
    title = "Losses" if losses is LOSS_COLUMNS or any("loss" in c for c, _, _ in losses) else "Logged values"
    panels = [Panel(title, losses, scale)] if losses else []
    if any(run.has(c) for c, _, _ in PROB_COLUMNS):
        panels.append(Panel("D(x) and D(G(z))" if size is NARROW else
                            "Discriminator outputs: D(x) and D(G(z)) before / after the D step", PROB_COLUMNS))
    for ptitle, cols in EXTRA_PANELS:
        if any(run.has(c) for c, _, _ in cols):
            panels.append(Panel(ptitle, cols))
    return panels


def _x_range(run: "Run") -> tuple[float, float]:
    s = run.frame["step"].to_numpy(dtype=float)
    s = s[np.isfinite(s)]
    return (float(s.min()), float(s.max())) if len(s) else (0.0, 1.0)


def _segment_starts(run: "Run") -> list[float]:
    steps = run.frame["step"].to_numpy(dtype=float)
    return [float(steps[s.start]) for s in _segment_slices(run)[1:]]


def collapse_view(analysis: "Analysis") -> bool:
    """True when a log-scale view of the losses shows what a linear one hides: D loss sinking towards 0."""
    run = analysis.run
    if not run.has("loss_d"):
        return False
    v = run.frame["loss_d"].to_numpy(dtype=float, na_value=np.nan)
    v = v[np.isfinite(v)]
    if len(v) < 5 or float(v.min()) <= 0:
        return False
    if any(f.code == "GAN101" for f in analysis.findings):
        return True
    lo, hi = np.percentile(v, [5, 95])
    return bool(hi / max(lo, 1e-12) > 30)


def timeline_svg(analysis: "Analysis", *, log1p: bool = False, max_points: int = TIMELINE_POINTS,
                 scale: str | None = None, size: Size = WIDE) -> str | None:
    """The whole run: one panel per group of curves, findings shaded, regime changes marked."""
    scale = scale or ("log1p" if log1p else "linear")
    with report_style(f"timeline-{scale}-{size.name}"):
        return _timeline_svg(analysis, scale, min(max_points, size.points), size)


def _timeline_svg(analysis: "Analysis", scale: str, max_points: int, size: Size) -> str | None:
    run = analysis.run
    if run.frame.empty:
        return None
    panels = _panels(run, scale, size)
    if not panels:
        return None
    entries = max(len(p.columns) * (1 + (len(analysis.comparisons) if p is panels[0] else 0)) for p in panels)
    legend_rows = -(-entries // size.legend_columns)
    k = size.font / 8.0
    panel_h = 2.5 if size is WIDE else 2.6
    fig = _new_figure(size.width, (panel_h + 0.19 * k * (legend_rows - 1)) * len(panels) + 0.4 * k)
    axes = _panel_axes(fig, len(panels), panel_h, legend_rows, size)
    used = []
    for ax, panel in zip(axes, panels):
        # reference runs on the losses only: more curves on D(x) would bury the run itself
        comps = analysis.comparisons if panel is panels[0] else ()
        if _plot_panel(ax, run, panel, max_points, None, comps, size):
            used.append(ax)
        else:
            ax.set_visible(False)
    if not used:
        return None
    lo, hi = _x_range(run)
    pad = (hi - lo) * 0.01 or 0.5
    used[0].set_xlim(lo - pad, hi + pad)  # the run's own steps: a longer reference is cut, not squeezed in
    _mark_gaps(used, compress_gaps(used, lo, hi, record_gaps(run), size), size)
    _mark_findings(used, analysis.findings, (lo, hi), used[0], size)
    for s in _segment_starts(run):
        for ax in used:
            ax.axvline(s, color="#555555", linewidth=0.8, linestyle=":")
    used[-1].set_xlabel("step", fontsize=size.font)
    used[-1].xaxis.set_major_formatter(_step_formatter(hi))
    return to_svg(fig, size)


#: per code, the columns its card plots first: what the detector judged
JUDGED_COLUMNS: dict[str, tuple[str, tuple[tuple[str, str, str], ...]]] = {
    "GAN502": ("Diversity (what GAN502 judged)", (
        ("diversity", "diversity", "#5b4a8b"), ("modes_covered", "modes covered", "#2a8a3e"),
        ("recall", "recall", "#d9720b"))),
    "GAN501": EXTRA_PANELS[1],
    "GAN403": EXTRA_PANELS[0],
    "GAN404": EXTRA_PANELS[0],
}


def _zoom_panels(run: "Run", finding: "Finding", rows: slice) -> list[Panel]:
    mentioned = " ".join([finding.code, finding.name, *map(str, finding.evidence)]).lower()
    panels: list[Panel] = []
    judged = JUDGED_COLUMNS.get(finding.code)
    if judged and any(run.has(c) for c, _, _ in judged[1]):
        panels.append(Panel(judged[0], judged[1]))
    column = finding.evidence.get("column") if finding.evidence else None
    known = {c for p in (LOSS_COLUMNS, PROB_COLUMNS, *(c for _, c in EXTRA_PANELS)) for c, _, _ in p}
    if isinstance(column, str) and column not in known and run.has(column):
        panels.append(Panel(column, ((column, run.original_names.get(column, column), "#5b4a8b"),)))
    losses = loss_columns(run)
    if losses:
        if finding.code == "GAN101" and collapse_view_rows(run, rows):
            scale = "log"
        else:
            scale = "log1p" if spikes_squash(run, rows=rows) else "linear"
        panels.append(Panel("Losses", losses, scale))
    if any(run.has(c) for c, _, _ in PROB_COLUMNS) and (
        finding.code.startswith("GAN2") or re.search(r"d_x|d_g_z|dx|d\(x\)", mentioned)
    ):
        panels.append(Panel("D(x) and D(G(z))", PROB_COLUMNS))
    for title, cols in EXTRA_PANELS:
        if any(p.columns == cols for p in panels):
            continue
        if any(run.has(c) and (c in mentioned or c.split("_")[0] in mentioned) for c, _, _ in cols):
            panels.append(Panel(title, cols))
    return panels[:3]


def collapse_view_rows(run: "Run", rows: slice) -> bool:
    v = run.frame["loss_d"].iloc[rows].to_numpy(dtype=float, na_value=np.nan) if "loss_d" in run.frame else []
    v = np.asarray(v)[np.isfinite(v)]
    return bool(len(v) and float(v.min()) > 0)


def zoom_svg(analysis: "Analysis", finding: "Finding", key: str, max_points: int = ZOOM_POINTS) -> str | None:
    """The finding's span with some context either side, its stretches shaded (one narrow figure)."""
    with report_style(f"zoom-{key}"):
        return _zoom_svg(analysis, finding, max_points, NARROW)


def _zoom_svg(analysis: "Analysis", finding: "Finding", max_points: int, size: Size) -> str | None:
    run = analysis.run
    if finding.span is None or run.frame.empty:
        return None
    n = len(run.frame)
    a = max(0, min(int(finding.span.start_index), n - 1))
    b = max(a, min(int(finding.span.end_index), n - 1))
    pad = max((b - a) // 2, 10)
    rows = slice(max(0, a - pad), min(n, b + pad + 1))
    panels = _zoom_panels(run, finding, rows)
    if not panels:
        return None
    legend_rows = max(-(-len(p.columns) // size.legend_columns) for p in panels)
    panel_h = 2.1
    fig = _new_figure(size.width, (panel_h + 0.24 * (legend_rows - 1)) * len(panels) + 0.5)
    axes = _panel_axes(fig, len(panels), panel_h, legend_rows, size)
    used = []
    for ax, panel in zip(axes, panels):
        if _plot_panel(ax, run, panel, max_points, rows, size=size):
            used.append(ax)
        else:
            ax.set_visible(False)
    if not used:
        return None
    steps = run.frame["step"].to_numpy(dtype=float)
    lo, hi = float(np.nanmin(steps[rows])), float(np.nanmax(steps[rows]))
    _mark_gaps(used, compress_gaps(used, lo, hi, record_gaps(run), size), size)
    _mark_findings(used, [finding], (lo, hi), used[0], size)
    used[-1].set_xlabel("step", fontsize=size.font)
    used[-1].xaxis.set_major_formatter(_step_formatter(hi))
    return to_svg(fig, size)
