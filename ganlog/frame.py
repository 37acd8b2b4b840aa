"""The normalized Run: one DataFrame with canonical columns, plus what we know about it.

Every reader, whatever it reads (stdout logs, event files, arrays, tables),
hands its records to :func:`build_run`, which

* folds logged names to a first canonical guess from the name alone
  (:func:`canonical_name`, the name half of :mod:`ganlog.roles`), so that the
  step/epoch/iter counters are found,
* derives a global ``step`` from ``epoch``/``iter`` when the log has no step,
* splits the log into ``segment`` s where it restarts or resumes (steps going back),
* and records the parse statistics.

It decides no semantics: what each column means (its role, confirmed by its
values), the derived D loss and the loss family are decided once, after reading,
by :func:`ganlog.roles.decide`. Detectors and reports only ever see a :class:`Run`;
they never know which reader produced it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping

if TYPE_CHECKING:  # pandas is imported lazily: `ganlog --help` must stay fast
    import pandas as pd

#: Index-like columns, in the order they lead the frame.
INDEX_COLUMNS: tuple[str, ...] = ("step", "epoch", "iter", "segment", "wall_time")

#: Canonical metric columns, with the meaning each has everywhere in ganlog.
CANONICAL_METRICS: dict[str, str] = {
    "loss_d": "discriminator (critic) total loss",
    "loss_g": "generator total loss",
    "d_x": "D(x): mean discriminator output on real data, in [0, 1] for sigmoid discriminators",
    "d_g_z1": "D(G(z)) during the D step, before D's update",
    "d_g_z2": "D(G(z)) during the G step, after D's update",
    "loss_d_real": "discriminator loss on real samples",
    "loss_d_fake": "discriminator loss on generated samples",
    "grad_norm_d": "gradient norm of the discriminator's parameters",
    "grad_norm_g": "gradient norm of the generator's parameters",
    "lr_d": "discriminator learning rate",
    "lr_g": "generator learning rate",
    "fid": "Frechet Inception Distance (lower is better)",
    "inception_score": "Inception Score (higher is better)",
}

#: canonical names the roles work added (loss parts, outputs as logits, accuracy, quality, ADA p,
#: time); kept apart so that CANONICAL_METRICS stays "the columns the core detectors read".
MORE_CANONICAL_METRICS: dict[str, str] = {
    "loss_g_total": "generator total loss, when its adversarial term is printed apart (then loss_g)",
    "loss_d_gp": "gradient penalty term of the D loss",
    "loss_d_r1": "R1 regularization term of the D loss",
    "loss_d_cls": "auxiliary classifier term of the D loss",
    "loss_g_pl": "path-length penalty of G (StyleGAN)",
    "loss_d_a": "D loss of domain A (two-domain models)",
    "loss_g_a": "G adversarial loss of domain A",
    "loss_d_b": "D loss of domain B",
    "loss_g_b": "G adversarial loss of domain B",
    "d_real_logit": "D's raw score on real data (logit)",
    "d_fake_logit": "D's raw score on generated data (logit)",
    "d_real_sign": "mean sign of D's score on real data",
    "d_fake_sign": "mean sign of D's score on generated data",
    "d_acc": "D accuracy, a fraction 0..1",
    "d_acc_real": "D accuracy on real data, a fraction 0..1",
    "d_acc_fake": "D accuracy on generated data, a fraction 0..1",
    "kid": "Kernel Inception Distance (lower is better)",
    "precision": "precision (sample quality, 0..1)",
    "recall": "recall (sample coverage, 0..1)",
    "psnr": "PSNR", "ssim": "SSIM", "lpips": "LPIPS distance",
    "diversity": "a diversity measure of the samples",
    "aug_p": "augmentation probability (ADA p)",
    "kimg": "thousands of images shown",
    "sec_per_step": "seconds per step",
    "sec_per_kimg": "seconds per thousand images",
}

CANONICAL_COLUMNS: tuple[str, ...] = INDEX_COLUMNS + tuple(CANONICAL_METRICS)

def alias_key(name: str) -> str:
    """Squash a logged name for alias lookup: lower case, letters and digits only."""
    from .roles.names import squash

    return squash(name)


class _AliasView(Mapping[str, str]):
    """The old flat alias table, kept as a read-only view: squashed name -> column.

    There is no table any more: names are tokenized and their token sets decide the
    role (:mod:`ganlog.roles.names`); this answers ``ALIASES[alias_key(name)]`` for old callers.
    """

    def __getitem__(self, key: str) -> str:
        col = canonical_name(key)
        if col == snake_case(key):
            raise KeyError(key)
        return col

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(())

    def __len__(self) -> int:
        return 0

    def __contains__(self, key: object) -> bool:
        try:
            self[str(key)]
        except KeyError:
            return False
        return True


#: squashed logged name -> canonical column (a view over the role resolver)
ALIASES: Mapping[str, str] = _AliasView()


def snake_case(name: str) -> str:
    """A logged name with no canonical column keeps a snake_case name of its own."""
    from .roles.names import snake_case as _snake

    return _snake(name)


def canonical_name(name: str, extra_aliases: Mapping[str, str] | None = None) -> str:
    """Map one logged name to its column name (canonical, or snake_case of itself), from the name alone.

    ``extra_aliases`` (from user config: aliases and role pins) win over the resolver.
    Values are not looked at here; :func:`ganlog.roles.decide` confirms or refutes.
    """
    from .roles.names import column_for_name, squash

    if extra_aliases:
        key = squash(name)
        for alias, target in extra_aliases.items():
            if squash(alias) == key:
                return target
    return column_for_name(name)


def flatten_record(obj: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten a nested JSON record into ``{"a/b": value}`` pairs.

    StyleGAN-style ``{"Loss/D/loss": {"num": 4, "mean": 0.5, "std": 0.1}}``
    becomes ``{"Loss/D/loss": 0.5, "Loss/D/loss/std": 0.1}``: the mean stands
    for the metric, the std keeps a column of its own.
    """
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = f"{prefix}/{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            if "mean" in value and not isinstance(value["mean"], Mapping):
                out[name] = value["mean"]
                if "std" in value:
                    out[name + "/std"] = value["std"]
            else:
                out.update(flatten_record(value, name))
        else:
            out[name] = value
    return out


def to_float(value: Any) -> float:
    """Parse a logged value. ``N/A``, ``nan``, ``-inf``, ``1.2e-3``, ``50.00%`` all work;
    anything else non-numeric is NaN."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if value is None:
        return math.nan
    s = str(value).strip().rstrip("%,;")
    if not s:
        return math.nan
    try:
        return float(s)
    except ValueError:
        low = s.lower()
        if low in {"n/a", "na", "none", "null", "-", "--"}:
            return math.nan
        if low in {"inf", "+inf", "infinity"}:
            return math.inf
        if low in {"-inf", "-infinity"}:
            return -math.inf
        return math.nan


@dataclass
class SkippedLine:
    """A line (or record) the reader could not use, kept as an example for the user."""

    line: int
    text: str
    reason: str = "not a record"


@dataclass
class ParseStats:
    """What the reader saw: the user's first question when a result looks wrong."""

    lines_read: int = 0
    records: int = 0
    lines_skipped: int = 0
    skipped_examples: list[SkippedLine] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: True when part of the input could not be read (truncated, corrupted):
    #: every result is then said to be partial.
    partial: bool = False
    max_examples: int = 5

    def skip(self, line: int, text: str, reason: str = "not a record") -> None:
        self.lines_skipped += 1
        if len(self.skipped_examples) < self.max_examples:
            self.skipped_examples.append(SkippedLine(line, text[:200], reason))

    def warn(self, message: str, *, partial: bool = False) -> None:
        self.warnings.append(message)
        self.partial = self.partial or partial


@dataclass(frozen=True)
class LossFamily:
    """The loss family decides what "near zero" and "chance level" mean for each detector.

    ``chance_d`` is the discriminator loss when D cannot tell real from fake
    (outputs 0.5 / logits 0): 2·ln2 for summed BCE, ln2 for averaged BCE,
    0.25 for LSGAN with the usual 1/2 factors, 2 for hinge. WGAN has none.
    """

    name: str
    reason: str
    decided_by: str = "inferred"  # "inferred" | "user" | "default" | "trainer"
    #: when ``name == "unknown"``: the families the evidence still allows (empty: nothing known)
    candidates: tuple[str, ...] = ()

    @property
    def chance_d(self) -> float | None:
        return CHANCE_LEVEL_D.get(self.name)

    @property
    def chance_g(self) -> float | None:
        return CHANCE_LEVEL_G.get(self.name)

    @property
    def bounded(self) -> bool:
        """True for families whose D loss cannot go below zero."""
        return self.name in {"bce_sum", "bce_mean", "lsgan", "hinge"}


LOSS_FAMILIES: tuple[str, ...] = ("bce_sum", "bce_mean", "lsgan", "hinge", "wgan", "unknown")

CHANCE_LEVEL_D: dict[str, float] = {
    "bce_sum": 2 * math.log(2),
    "bce_mean": math.log(2),
    "lsgan": 0.25,
    "hinge": 2.0,
}
CHANCE_LEVEL_G: dict[str, float] = {
    "bce_sum": math.log(2),
    "bce_mean": math.log(2),
    "lsgan": 0.125,
    "hinge": 0.0,
}


@dataclass
class Run:
    """One training run, normalized.

    ``frame`` is an ordinary DataFrame, one row per logged record, led by the
    index columns (``step``, ``epoch``, ``iter``, ``segment``, ``wall_time``
    where known) followed by the canonical metrics and every other logged
    value under a snake_case name. ``original_names`` maps each column back
    to the name the trainer printed.
    """

    frame: "pd.DataFrame"
    name: str
    source: str
    reader: str
    format: str
    loss_family: LossFamily
    stats: ParseStats = field(default_factory=ParseStats)
    original_names: dict[str, str] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    #: column -> :class:`ganlog.roles.ColumnRole`, filled by :func:`ganlog.roles.decide`
    roles: dict[str, Any] = field(default_factory=dict)
    #: True once roles and the loss family are decided (they are decided once)
    decided: bool = False

    # -- convenience -------------------------------------------------------
    @property
    def partial(self) -> bool:
        return self.stats.partial

    @property
    def metrics(self) -> list[str]:
        """Value columns (everything that is not an index column)."""
        return [c for c in self.frame.columns if c not in INDEX_COLUMNS]

    @property
    def n_segments(self) -> int:
        if "segment" not in self.frame or self.frame.empty:
            return 1 if not self.frame.empty else 0
        return int(self.frame["segment"].nunique())

    def has(self, *columns: str) -> bool:
        """True when every column exists and holds at least one finite value."""
        import numpy as np

        for c in columns:
            if c not in self.frame.columns:
                return False
            if not np.isfinite(self.frame[c].to_numpy(dtype=float, na_value=np.nan)).any():
                return False
        return True

    def describe_step(self, step: float) -> str:
        """Say a step the way the user's log says it: ``step 19,776 (epoch 3, iter 1,100)``."""
        return describe_step(self, step)

    @classmethod
    def from_frame(
        cls,
        frame: "pd.DataFrame",
        *,
        name: str = "run",
        source: str = "<frame>",
        loss_family: str | None = None,
        extra_aliases: Mapping[str, str] | None = None,
    ) -> "Run":
        """Build a Run from a DataFrame of logged columns (names folded as readers fold them).

        Roles and the loss family are not decided here: ``analyze`` decides them, or
        call :func:`ganlog.roles.decide` yourself. ``loss_family`` is kept for it.
        """
        stats = ParseStats(records=len(frame))
        meta: dict[str, Any] = {}
        if loss_family:
            meta["loss_family_override"] = loss_family
        if extra_aliases:
            meta["role_pins"] = dict(extra_aliases)
        return build_run(
            frame, name=name, source=source, reader="frame", format="dataframe",
            stats=stats, extra_aliases=extra_aliases, meta=meta,
        )


def describe_step(run: Run, step: float) -> str:
    """Render a global step with the epoch/iter the log printed for it, when they differ."""
    df = run.frame
    text = f"step {int(step):,}" if float(step).is_integer() else f"step {step:,.1f}"
    if "epoch" in df.columns and "iter" in df.columns and not df.empty:
        import numpy as np

        idx = int(np.searchsorted(df["step"].to_numpy(), step, side="left"))
        idx = min(max(idx, 0), len(df) - 1)
        row = df.iloc[idx]
        ep, it = row["epoch"], row["iter"]
        if np.isfinite(ep) and np.isfinite(it) and float(row["step"]) == float(step):
            if int(it) != int(step):
                text += f" (epoch {int(ep)}, iter {int(it):,})"
    return text


def unique_name(want: str, used: set[str]) -> str:
    """``want``, or ``want_2``, ``want_3`` ... whichever is not in ``used`` yet; it is added to ``used``."""
    name, k = want, 2
    while name in used:
        name = f"{want}_{k}"
        k += 1
    used.add(name)
    return name


def rename_columns(
    names: Iterable[str],
    extra_aliases: Mapping[str, str] | None = None,
    reserved: Iterable[str] = (),
) -> dict[str, str]:
    """Logged names -> unique column names (canonical where an alias exists).

    A name that maps onto a ``reserved`` column (one the reader fills itself, such
    as ``step``) keeps its values under ``logged_<name>`` instead.
    """
    mapping: dict[str, str] = {}
    used: set[str] = set(reserved)
    for n in names:
        col = canonical_name(n, extra_aliases)
        if col in used and col in reserved:
            col = "logged_" + col
        mapping[n] = unique_name(col, used)
    return mapping


def build_run(
    records: "pd.DataFrame | list[dict[str, Any]]",
    *,
    name: str,
    source: str,
    reader: str,
    format: str,
    stats: ParseStats | None = None,
    loss_family: str | None = None,  # accepted for old callers; decided by ganlog.roles.decide
    extra_aliases: Mapping[str, str] | None = None,
    epoch_base: int | None = None,
    iters_per_epoch: float | None = None,
    meta: dict[str, Any] | None = None,
    renamed: bool = False,
) -> Run:
    """Normalize raw records (logged names as keys) into a :class:`Run`.

    ``epoch_base`` is 0 when the trainer counts epochs from 0 (the PyTorch DCGAN
    example) and 1 when it counts from 1 (``Epoch 1/5``); with
    ``iters_per_epoch`` it turns ``epoch``/``iter`` into a global ``step``.
    A column ``iters_per_epoch`` in the records (the ``N`` of ``i/N``) does the same
    per row. ``segment`` is kept when the reader set it (a resumed-launch header)
    and a new segment also starts wherever the step goes back.
    """
    import numpy as np
    import pandas as pd

    stats = stats or ParseStats()
    df = records if isinstance(records, pd.DataFrame) else pd.DataFrame.from_records(records)
    original: dict[str, str] = {}
    if not renamed:
        mapping = rename_columns([str(c) for c in df.columns], extra_aliases)
        df = df.rename(columns=mapping)
        original = {v: k for k, v in mapping.items()}
    else:
        original = {str(c): str(c) for c in df.columns}

    # Numbers everywhere: a value column that is not numeric is parsed per value.
    for c in list(df.columns):
        if c in ("segment",):
            continue
        col = df[c]
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            df[c] = np.array([to_float(v) for v in col], dtype=float)
        elif pd.api.types.is_bool_dtype(col.dtype):
            df[c] = col.astype(float)
    for c in df.columns:
        if c != "segment" and not pd.api.types.is_float_dtype(df[c].dtype):
            df[c] = df[c].astype(float)

    # Drop columns that never hold a value.
    # A D/G loss printed as nan in every record stays: that is what went wrong; so does any
    # column the reader saw printed as nan (meta["nan_columns"]).
    empty = [c for c in df.columns if c not in INDEX_COLUMNS and df[c].isna().all()
             and not _keeps_when_empty(c, original.get(c, c))
             and original.get(c, c) not in (meta or {}).get("nan_columns", ())]
    if empty:
        df = df.drop(columns=empty)

    n = len(df)
    per_epoch = df.pop("iters_per_epoch") if "iters_per_epoch" in df.columns else None
    if "step" not in df.columns or df["step"].isna().all():
        if "epoch" in df.columns and "iter" in df.columns and (per_epoch is not None or iters_per_epoch):
            base = epoch_base if epoch_base is not None else _guess_epoch_base(df["epoch"])
            if per_epoch is None:  # one number for the whole run: in numpy, one temporary
                arr = df["epoch"].to_numpy(dtype=float, copy=True)
                arr -= base
                arr *= float(iters_per_epoch)
                arr += df["iter"].to_numpy(dtype=float)
                step = pd.Series(arr, index=df.index, copy=False)
            else:
                per = per_epoch.ffill().bfill()
                step = (df["epoch"] - base) * per + df["iter"]
        elif "iter" in df.columns:
            step = df["iter"].copy()
        else:
            step = pd.Series(np.arange(n, dtype=float), index=df.index)
        if step.isna().any():  # records without position: continue the previous one
            step = _fill_missing_steps(step.astype(float))
        df["step"] = step.astype(float)

    # Segments: what the reader said, plus every place the step goes back.
    seg_reader = df["segment"].fillna(0).astype(int).to_numpy() if "segment" in df.columns else np.zeros(n, int)
    steps = df["step"].to_numpy(dtype=float)
    back = np.zeros(n, dtype=bool)
    if n > 1:
        back[1:] = steps[1:] < steps[:-1]
    reader_new = np.zeros(n, dtype=bool)
    if n > 1:
        reader_new[1:] = seg_reader[1:] != seg_reader[:-1]
    df["segment"] = np.cumsum(back | reader_new).astype(int)

    # Whole-number index columns become integers when they can.
    for c in ("step", "epoch", "iter"):
        if c in df.columns and n:
            v = df[c].to_numpy(dtype=float)
            if np.isfinite(v).all() and -2**62 < v.min() and v.max() < 2**62:
                iv = v.astype(np.int64)
                if np.array_equal(iv, v):  # whole numbers (no round() temporary)
                    df[c] = iv
                del iv

    lead = [c for c in INDEX_COLUMNS if c in df.columns]
    canon = [c for c in CANONICAL_METRICS if c in df.columns]
    rest = [c for c in df.columns if c not in lead and c not in canon]
    df = df[lead + canon + rest].reset_index(drop=True)
    stats.records = len(df)

    run = Run(
        frame=df,
        name=name,
        source=source,
        reader=reader,
        format=format,
        loss_family=LossFamily("unknown", "not decided yet", "default"),
        stats=stats,
        original_names={k: v for k, v in original.items() if k in df.columns},
        meta=dict(meta or {}),
    )
    return run


def _keeps_when_empty(col: str, printed: str) -> bool:
    from .roles.names import looks_adversarial

    return col in ("loss_d", "loss_g", "loss_d_real", "loss_d_fake") or looks_adversarial(printed)


def _guess_epoch_base(epoch: "pd.Series") -> int:
    """0 when any epoch printed is 0, else 1 (``Epoch 1/5`` style)."""
    vals = epoch.dropna()
    return 0 if len(vals) and float(vals.min()) == 0.0 else 1


def _fill_missing_steps(step: "pd.Series") -> "pd.Series":
    """Records with no position take the previous record's step plus one."""
    import numpy as np

    values = step.to_numpy(dtype=float, copy=True)
    last = -1.0
    for i, v in enumerate(values):
        if np.isnan(v):
            values[i] = last + 1
        last = values[i]
    step[:] = values
    return step
