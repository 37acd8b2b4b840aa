"""Column roles and the loss family, decided once per run, with reasons.

Readers hand over a :class:`~ganlog.frame.Run` whose columns carry the names the
trainer printed (folded to a first canonical guess so that counters are found).
:func:`decide` then gives every column a :class:`ColumnRole` -- from its name
(:mod:`ganlog.roles.names`), confirmed or refuted by its values (probabilities in
[0, 1], percentages, counters that count, terms that are always 0) and by the other
columns (a G total beside a G adversarial term, D_real/D_fake that add up to the D
loss, one or two domains) -- renames the columns to the canonical names, derives the
D loss from its parts when no total is printed, pairs the domains of two-domain
models, and decides the loss family (:func:`ganlog.lossfamily.decide_family`).

Called once, between reading and analysis (``load_runs``); ``analyze`` calls it for a
Run that was built some other way. The user pins roles by name (``--role NAME=ROLE``,
``[tool.ganlog.roles]``, and the older ``[tool.ganlog.aliases]``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Mapping

from ..frame import unique_name
from .names import (
    CANONICAL_ROLES,
    D_WORDS,
    G_WORDS,
    ROLES,
    NameGuess,
    column_for_name,
    column_for_role,
    guess_from_name,
    looks_adversarial,
    snake_case,
    squash,
    tokenize,
)

if TYPE_CHECKING:
    from ..frame import Run

__all__ = [
    "CANONICAL_ROLES", "ROLES", "ColumnRole", "NameGuess", "check_role", "decide",
    "guess_from_name", "looks_adversarial", "snake_case", "tokenize", "unresolved",
]

#: columns ganlog fills itself; a role never moves a column into or out of them
_INDEX = ("step", "epoch", "iter", "segment", "wall_time")
_LOSS_ROLES = frozenset(r for r in ROLES if r.startswith("loss"))
_PROB_TO_LOGIT = {"d_x": "d_real_logit", "d_g_z1": "d_fake_logit", "d_g_z2": "d_fake_logit"}
#: trainers that print D's real and fake halves and optimize their mean
_HALVES = (
    ("cyclegan_loss_log", "pytorch-CycleGAN-and-pix2pix optimizes loss_D = (D_real + D_fake) * 0.5"),
    ("cyclegan", "pytorch-CycleGAN-and-pix2pix optimizes loss_D = (D_real + D_fake) * 0.5"),
    ("pix2pix", "pytorch-CycleGAN-and-pix2pix optimizes loss_D = (D_real + D_fake) * 0.5"),
    ("junyanz", "pytorch-CycleGAN-and-pix2pix optimizes loss_D = (D_real + D_fake) * 0.5"),
    ("keras_gan", "Keras-GAN optimizes d_loss = 0.5 * (d_loss_real + d_loss_fake)"),
    ("keras-gan", "Keras-GAN optimizes d_loss = 0.5 * (d_loss_real + d_loss_fake)"),
    ("pytorch_gan", "PyTorch-GAN optimizes d_loss = (real_loss + fake_loss) / 2"),
    ("pytorch-gan", "PyTorch-GAN optimizes d_loss = (real_loss + fake_loss) / 2"),
)


@dataclass(frozen=True)
class ColumnRole:
    """What one column of a run means, how sure ganlog is, and why.

    ``column`` is the column's name in ``run.frame`` (canonical where the role has one),
    ``printed`` the name the trainer printed (``"(derived)"`` for a computed column).
    """

    column: str
    role: str
    confidence: float
    reason: str
    printed: str


def check_role(role: str, where: str = "") -> str:
    """``role`` when ganlog knows it; else a one-line error naming ``where``."""
    from ..errors import ConfigError

    norm = role.strip().lower().replace("-", "_")
    if norm in ROLES or norm in _INDEX:
        return norm
    import difflib

    close = difflib.get_close_matches(norm, list(ROLES), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    prefix = f"{where}: " if where else ""
    if not norm:
        raise ConfigError(f"{prefix}empty role")
    raise ConfigError(f"{prefix}unknown role {role!r}{hint} (`ganlog parse --explain` and "
                      f"ganlog.roles.ROLES list them)")


@dataclass
class _Entry:
    col: str  # the column's name before decide
    printed: str
    role: str
    confidence: float
    reason: str
    kind: str = ""
    domain: str = ""
    pinned: bool = False
    target: str | None = None  # a pinned column name that is not a role (an old-style alias)
    constant_zero: bool = False
    order: int = 0


def decide(run: "Run", pins: Mapping[str, str] | None = None, family: str | None = None,
           *, force: bool = False) -> "Run":
    """Give every column of ``run`` its role, rename, derive, pair, and decide the family.

    ``pins`` maps a printed (or column) name to a role or, as old aliases did, to a
    column name. ``family`` is the user's word on the loss family. A run already
    decided is left as it is (only a ``family`` given now is applied), unless ``force``.
    """
    from ..lossfamily import decide_family

    family = family or run.meta.get("loss_family_override")
    if pins is None:
        pins = run.meta.get("role_pins")
    if getattr(run, "decided", False) and not force:
        if family:
            run.loss_family = decide_family(run, family)
        return run
    import numpy as np

    df = run.frame
    pin_table = {squash(k): v for k, v in (pins or {}).items()}
    scopes = {squash(k): str(v) for k, v in (run.meta.get("scopes") or {}).items()}
    entries: list[_Entry] = []
    roles: dict[str, ColumnRole] = {}
    for order, col in enumerate(df.columns):
        col = str(col)
        printed = run.original_names.get(col, col)
        if col in _INDEX:
            if col != "segment":
                roles[col] = ColumnRole(col, col, 1.0, _index_reason(col, printed), printed)
            continue
        pin = pin_table.get(squash(printed), pin_table.get(squash(col)))
        if pin is not None:
            role = pin.strip().lower().replace("-", "_")
            if role in ROLES:
                e = _Entry(col, printed, role, 1.0, "pinned by the user", pinned=True, order=order)
            else:  # an alias to a column name of the user's choosing
                e = _Entry(col, printed, "other", 1.0, f"named {pin!r} by the user's aliases",
                           pinned=True, target=pin, order=order)
        else:
            g = guess_from_name(printed)
            if g.role == "other" and col != snake_case(printed) and not g.kind:
                # a reader's field map already named it (a known print format): trust that
                g2 = guess_from_name(col)
                if g2.role != "other":
                    g = replace(g2, reason=g2.reason + f" (the reader's format names it {col})")
            g = _in_scope(g, printed, col, scopes)
            e = _Entry(col, printed, g.role, g.confidence, g.reason, g.kind, g.domain, order=order)
        entries.append(e)

    _outputs_beside_parts(entries)
    transforms: dict[str, float] = {}
    for e in entries:
        # One column at a time, read in place when it is float already: on a 10M-record run
        # every column's copy at once was the peak memory of the whole read.
        raw = df[e.col].to_numpy()
        if raw.dtype != np.float64:
            raw = df[e.col].to_numpy(dtype=float, na_value=np.nan)
        values = _finite(raw)
        if not e.pinned:
            if e.role in _PROB_TO_LOGIT:
                _probability_or_logit(e, raw)
            _check_values(e, values, transforms)
        else:
            e.constant_zero = bool(values.size) and bool(np.all(values == 0))
        del raw, values
    _context(entries, df, run)

    # -- columns: canonical names for the surest column of each role, own names for the rest
    used: set[str] = {c for c in df.columns if c in _INDEX}
    winners: dict[str, _Entry] = {}
    ranked = sorted(entries, key=lambda e: (-int(e.pinned), e.constant_zero, -e.confidence, e.order))
    final: dict[str, str] = {}
    for e in ranked:
        if e.target:
            want = e.target
        elif e.role in CANONICAL_ROLES and e.role not in _INDEX and e.role not in winners:
            want = e.role
            winners[e.role] = e
        else:
            if e.role in CANONICAL_ROLES and e.role in winners:
                w = winners[e.role]
                e.reason += f"; '{w.printed}' holds {e.role} (surer or printed first), this one keeps its own name"
            want = column_for_name(e.printed) if e.kind == "std" else snake_case(e.printed)
            if (want in CANONICAL_ROLES or want in _INDEX) and e.kind != "std":
                want = "logged_" + want
        final[e.col] = unique_name(want, used)
    frame = df.rename(columns=final)
    for col, factor in transforms.items():
        frame[final[col]] = frame[final[col]] * factor
    originals = {final.get(c, c): run.original_names.get(c, c) for c in df.columns}
    for e in entries:
        roles[final[e.col]] = ColumnRole(final[e.col], e.role, round(float(e.confidence), 2),
                                         e.reason, e.printed)

    run.frame = frame
    run.original_names = {k: v for k, v in originals.items() if k in frame.columns}
    _derive_loss_d(run, roles, entries, final)
    _pairs(run, roles)
    run.frame = _ordered(run.frame)
    run.roles = roles
    for e in entries:
        if e.kind != "std" and (e.role == "unresolved" or (looks_adversarial(e.printed) and e.role in {"other", "loss"})):
            msg = (f"column '{e.printed}' looks like a D/G loss but its role is unresolved ({e.reason}); "
                   f"pin it with --role '{e.printed}=ROLE'")
            if msg not in run.stats.warnings:
                run.stats.warnings.append(msg)
    run.decided = True
    run.loss_family = decide_family(run, family)
    return run


def unresolved(run: "Run") -> list[ColumnRole]:
    """Columns that look adversarial and got no role: named in --explain and the diagnostics."""
    return [r for r in run.roles.values()
            if r.role == "unresolved" or (looks_adversarial(r.printed) and r.role in {"other", "loss"}
                                          and tokenize(r.printed)[-1:] != ["std"])]


# -- helpers -----------------------------------------------------------------


def _index_reason(col: str, printed: str) -> str:
    if col == printed:
        return f"the {col} counter" if col != "wall_time" else "the wall-clock time"
    return f"'{printed}' is the {col} counter" if col != "wall_time" else f"'{printed}' is the wall-clock time"


def _in_scope(g: NameGuess, printed: str, col: str, scopes: Mapping[str, str]) -> NameGuess:
    """A name that names no network, printed inside one's bracket (``acc`` in ``[D loss: .., acc: ..]``):
    read it as that network's (the reader passes the scopes in ``run.meta["scopes"]``)."""
    scope = scopes.get(squash(printed)) or scopes.get(squash(col))
    if not scope or set(tokenize(printed)) & (D_WORDS | G_WORDS):
        return g
    word = scope.strip()
    if word.lower() in {"da", "db", "ga", "gb"}:  # StarGAN/CycleGAN scopes D_A, G_B ...
        word = f"{word[0]} {word[1]}"
    if not set(tokenize(word)) & (D_WORDS | G_WORDS):
        return g
    g2 = guess_from_name(f"{word} {printed}")
    if g2.role == g.role and g2.confidence <= g.confidence:
        return g
    return replace(g2, reason=f"'{printed}' is printed in {scope}'s group (the reader's scope): {g2.reason}")


def _finite(v: "object") -> "object":
    import numpy as np

    a = np.asarray(v, dtype=float)
    ok = np.isfinite(a)
    return a if ok.all() else a[ok]


#: words that say a D output is a probability (a sigmoid's), not a raw score
_PROB_WORDS = frozenset({"prob", "probs", "probability", "sigmoid", "p"})


def _probability_or_logit(e: _Entry, raw: "object") -> None:
    """A D-output name whose values cannot be probabilities is D's raw score (a logit).

    A probability is never infinite; and a *score* name (``real_score``, ``out_d_fake``) with no
    finite value to show it stays in [0, 1] is taken as the raw score most trainers log
    (GFPGAN/BasicSR print ``mean(D(x))`` before any sigmoid). D(x)/D(G(z)) notation and
    ``prob``/``sigmoid`` names stay probabilities. Finite values that leave [0, 1] are judged
    by :func:`_check_values`.
    """
    import numpy as np

    a = np.asarray(raw, dtype=float)
    if a.size == 0:
        return
    new = _PROB_TO_LOGIT[e.role]
    if np.isinf(a).any():
        e.reason += "; it is printed as inf, which no probability can be: raw scores (logits)"
        e.role, e.confidence = new, min(e.confidence, 0.7)
        return
    toks = set(tokenize(e.printed))
    named_probability = bool(toks & _PROB_WORDS) or ({"d", "x"} <= toks) or ({"d", "g"} <= toks)
    if not np.isfinite(a).any() and not named_probability:
        e.reason += ("; no finite value shows it in [0, 1] (all NaN) and the name says score, not "
                     "probability: raw scores (logits), as GFPGAN/BasicSR log mean(D(x))")
        e.role, e.confidence = new, min(e.confidence, 0.6)


def _check_values(e: _Entry, v: "object", transforms: dict[str, float]) -> None:
    """Values confirm or refute what the name said."""
    import numpy as np

    v = np.asarray(v, dtype=float)
    if v.size == 0:
        return
    lo, hi = float(v.min()), float(v.max())
    e.constant_zero = bool(np.all(v == 0))
    if e.role in _PROB_TO_LOGIT:
        if lo < -0.01 or hi > 1.01:
            new = _PROB_TO_LOGIT[e.role]
            e.reason += f"; its values {lo:.3g}..{hi:.3g} leave [0, 1]: raw scores (logits), not probabilities"
            e.role, e.confidence = new, min(e.confidence, 0.7)
        else:
            e.reason += "; values within [0, 1] (probabilities)"
            e.confidence = min(1.0, e.confidence + 0.03)
    elif e.role in {"d_acc", "d_acc_real", "d_acc_fake"}:
        if lo >= 0 and hi <= 1.0001:
            e.reason += "; values within [0, 1]"
        elif lo >= 0 and hi <= 100.0001:
            transforms[e.col] = 0.01
            e.reason += f"; printed as a percentage (up to {hi:g}): divided by 100 to a fraction"
        else:
            e.reason += f"; but its values {lo:.3g}..{hi:.3g} are no accuracy"
            e.role, e.confidence = "other", 0.3
    elif e.role == "aug_p" and e.confidence >= 0.7:
        if lo < -1e-6:
            e.reason += f"; but its values go negative ({lo:.3g})"
            e.role, e.confidence = "other", 0.3
        elif hi > 1.0001:
            e.reason += f"; it climbs to {hi:.3g}, above 1 (ADA clamps p at 0 only: a runaway augmentation)"
        else:
            e.reason += "; values within [0, 1]"
    elif e.role in {"aug_p", "precision", "recall"}:
        if lo < -1e-6 or hi > 1.0001:
            e.reason += f"; but its values {lo:.3g}..{hi:.3g} leave [0, 1]"
            e.role, e.confidence = "other", 0.3
        elif e.role == "aug_p":
            e.reason += "; values within [0, 1]"
            e.confidence = min(1.0, e.confidence + 0.1)
    elif e.role in {"lr", "lr_d", "lr_g"}:
        if lo < 0 or hi > 10:
            e.reason += f"; but its values {lo:.3g}..{hi:.3g} are unlike a learning rate"
            e.confidence = 0.4
    elif e.role in _LOSS_ROLES:
        if (e.confidence < 0.7 and v.size >= 5 and np.all(v == np.round(v)) and np.all(np.diff(v) > 0)
                and hi > 10):  # a weak name only: "d_loss" counting up is still a (strange) loss
            e.reason += "; but its values count up in whole numbers: a counter, not a loss"
            e.role, e.confidence = "unresolved", 0.0
        elif e.constant_zero:
            e.reason += "; exactly 0 in every record"
            if e.role not in {"loss_d", "loss_g"}:
                e.reason += " (the term looks switched off)"


def _outputs_beside_parts(entries: list[_Entry]) -> None:
    """A bare D_real/D_fake beside l_d_real/l_d_fake: the parts are printed apart, so these are outputs.

    (BasicSR and mmsr print ``l_d_real`` and ``D_real = mean(D(real))``.)
    """
    for part, output in (("loss_d_real", "d_x"), ("loss_d_fake", "d_g_z1")):
        group = [e for e in entries if e.role == part and not e.pinned]
        sure = [e for e in group if e.confidence > 0.7]
        if not sure:
            continue
        for e in group:
            if e.confidence <= 0.7:
                e.role, e.confidence = output, 0.75
                e.reason = (f"'{e.printed}' beside the loss part '{sure[0].printed}': D's mean output on "
                            f"{'real' if output == 'd_x' else 'generated'} data (BasicSR prints both)")


def _context(entries: list[_Entry], df: "object", run: "Run") -> None:
    """Rules that need the other columns: G total vs adversarial term, D parts vs outputs, domains."""
    import numpy as np

    by_role: dict[str, list[_Entry]] = {}
    for e in entries:
        by_role.setdefault(e.role, []).append(e)

    # D_real / D_fake printed without "loss" beside a D total: parts if they add up to it
    reals = [e for e in by_role.get("loss_d_real", []) if not e.pinned and e.confidence <= 0.7]
    fakes = [e for e in by_role.get("loss_d_fake", []) if not e.pinned and e.confidence <= 0.7]
    totals = by_role.get("loss_d", [])
    if reals and fakes and totals:
        r, f, t = (df[x.col].to_numpy(dtype=float, na_value=np.nan) for x in (reals[0], fakes[0], totals[0]))  # type: ignore[index]
        ok = np.isfinite(r) & np.isfinite(f) & np.isfinite(t) & (np.abs(t) > 1e-6)
        if ok.sum() >= 2:
            errs = {k: float(np.median(np.abs(t[ok] - k * (r[ok] + f[ok])) / np.abs(t[ok]))) for k in (1.0, 0.5)}
            k = min(errs, key=errs.get)  # type: ignore[arg-type]
            both_prob = all(
                np.all((x >= -1e-6) & (x <= 1 + 1e-6)) for x in (r[np.isfinite(r)], f[np.isfinite(f)]))
            if errs[k] < 0.1:
                for e in (reals[0], fakes[0]):
                    e.reason += f"; they add up to '{totals[0].printed}' ({'sum' if k == 1 else 'mean'})"
                    e.confidence = 0.9
            elif both_prob:
                for e, new in ((reals[0], "d_x"), (fakes[0], "d_g_z1")):
                    e.role, e.confidence = new, 0.6
                    e.reason = (f"'{e.printed}' beside a D total it does not add up to, with values in [0, 1]: "
                                f"D's output on {'real' if new == 'd_x' else 'generated'} data")

    # D: an explicit adversarial term beside a generic/total D loss (ACGAN's generation_loss beside
    # its loss, which adds the classifier term): the detectors judge the adversarial term
    ds = [e for e in entries if e.role == "loss_d" and not e.pinned]
    dadv = [e for e in ds if e.kind == "adv"]
    if dadv and any(e.kind in {"generic", "total"} for e in ds):
        best = max(dadv, key=lambda e: (e.confidence, -e.order))
        for e in ds:
            if e.kind in {"generic", "total"}:
                e.role = "loss_d_total"
                e.reason += f"; the adversarial term '{best.printed}' is printed apart, so this is D's total"
        best.reason += "; the detectors judge this adversarial term as loss_d"

    # G: an explicit adversarial term makes the generic/total G loss the G total
    gs = [e for e in entries if e.role == "loss_g" and not e.pinned]
    adv = [e for e in gs if e.kind == "adv"]
    if adv:
        best = max(adv, key=lambda e: (e.confidence, -e.order))
        for e in gs:
            if e.kind in {"generic", "total"}:
                e.role = "loss_g_total"
                e.reason += f"; the adversarial term '{best.printed}' is printed apart, so this is G's total"
        for e in adv:
            if e is best:
                e.reason += "; the detectors judge this adversarial term as loss_g"
    elif any(e.kind == "total" for e in gs) and any(e.kind == "generic" for e in gs):
        for e in gs:
            if e.kind == "total":
                e.role = "loss_g_total"
                e.reason += "; a G loss without 'total' is printed beside it and is taken as loss_g"

    _optimizer_indices(entries, df)

    # Two domains, or one: a single domain is the run's D/G pair
    dom = {e.domain for e in entries if e.role in {"loss_d_a", "loss_d_b", "loss_g_a", "loss_g_b"}}
    if len(dom) == 1:
        only = next(iter(dom))
        have = {e.role for e in entries}
        for e in entries:
            if e.role in {f"loss_d_{only}", f"loss_g_{only}"} and not e.pinned:
                plain = e.role[:-2]
                if plain not in have:
                    e.role = plain
                    e.reason += f"; only domain {only.upper()} is printed, so it is the run's {plain}"


_NET_LOSSES = {"loss_g_total": "g", "loss_g": "g", "loss_d": "d", "loss_d_total": "d"}


def _optimizer_indices(entries: list[_Entry], df: "object") -> None:
    """Per-optimizer columns ``loss_0``, ``grad_norm_0``, ``current_lr_0`` (Coqui's trainer, Lightning's
    ``lr-Adam-0``): optimizer *i* is the network whose loss ``loss_i`` equals, and its gradient norm
    and learning rate are that network's.

    Decided by the values, not by the index: which optimizer is first is a choice of the model's
    code (Coqui's GAN vocoders put G first in 2021 and D first later).
    """
    import re

    import numpy as np

    def split(e: _Entry) -> tuple[str, str] | None:
        m = re.fullmatch(r"(.*?)[_\-/ ]?(\d)", e.printed.strip())
        if not m:
            return None
        base = [t for t in tokenize(m.group(1)) if t not in {"current", "curr", "train"}]
        kind = {("loss",): "loss", ("grad", "norm"): "grad_norm", ("lr",): "lr", ("learning", "rate"): "lr"}.get(tuple(base))
        return (kind, m.group(2)) if kind else None

    indexed = [(e, *k) for e in entries if not e.pinned and (k := split(e)) is not None]
    if not indexed:
        return
    nets = [e for e in entries if e.role in _NET_LOSSES]
    owner: dict[str, tuple[str, str]] = {}
    for e, kind, idx in indexed:
        if kind != "loss":
            continue
        v = df[e.col].to_numpy(dtype=float, na_value=np.nan)  # type: ignore[index]
        found = set()
        for n in nets:
            w = df[n.col].to_numpy(dtype=float, na_value=np.nan)  # type: ignore[index]
            ok = np.isfinite(v) & np.isfinite(w)
            if ok.any() and np.allclose(v[ok], w[ok], rtol=1e-3, atol=1e-6) and np.any(np.abs(w[ok]) > 1e-6):
                found.add((_NET_LOSSES[n.role], n.printed))
        if len({net for net, _p in found}) == 1:
            owner[idx] = sorted(found)[0]
    indices = {idx for _e, _k, idx in indexed}
    if len(indices) == 2 and len(owner) == 1:  # a GAN's two optimizers: the other one is the other network's
        (known, (net, printed)), = owner.items()
        other = next(iter(indices - {known}))
        owner[other] = ("d" if net == "g" else "g", f"not optimizer {known} (G's: its loss equals '{printed}')"
                        if net == "g" else f"not optimizer {known} (D's: its loss equals '{printed}')")
    for e, kind, idx in indexed:
        if idx not in owner or kind == "loss":
            if kind == "loss" and idx in owner:
                e.reason += f"; equal to '{owner[idx][1]}': the loss of optimizer {idx}, {owner[idx][0].upper()}'s"
            continue
        net, printed = owner[idx]
        what = "learning rate" if kind == "lr" else "gradient norm"
        if printed.startswith("not "):
            e.role, e.confidence = f"{kind}_{net}", 0.7
            e.reason = f"the {what} of optimizer {idx} of two, {printed}: {net.upper()}'s"
        else:
            e.role, e.confidence = f"{kind}_{net}", 0.8
            e.reason = f"the {what} of optimizer {idx}, whose loss loss_{idx} equals '{printed}': {net.upper()}'s"


def _halves(run: "Run") -> str | None:
    where = f"{run.format} {run.meta.get('trainer', '')}".lower()
    for key, why in _HALVES:
        if key in where:
            return why
    return None


def _derive_loss_d(run: "Run", roles: dict[str, ColumnRole], entries: list[_Entry],
                   final: dict[str, str]) -> None:
    """No D total printed, but its real and fake parts are: loss_d from them, formula stated."""
    df = run.frame
    if "loss_d" in df.columns or not {"loss_d_real", "loss_d_fake"} <= set(df.columns):
        return
    real, fake = roles["loss_d_real"], roles["loss_d_fake"]
    halves = _halves(run)
    factor = 0.5 if halves else 1.0
    formula = (f"({real.printed} + {fake.printed}) * 0.5" if halves else f"{real.printed} + {fake.printed}")
    why = halves or ("no convention of this trainer is known; the usual one sums the halves "
                     "(PyTorch DCGAN errD = errD_real + errD_fake, BasicSR l_d_real + l_d_fake, "
                     "StarGAN D/loss_real + D/loss_fake)")
    left = [r.printed for r in roles.values() if r.role in {"loss_d_gp", "loss_d_r1", "loss_d_cls", "loss_d_part"}]
    if left:
        why += (f"; {', '.join(left)} not added: regularizers and classifier terms are weighted by factors "
                "the log does not print, and the chance level is the adversarial part's")
    df.insert(0, "loss_d", factor * (df["loss_d_real"] + df["loss_d_fake"]))
    reason = f"derived: loss_d = {formula} ({why})"
    roles["loss_d"] = ColumnRole("loss_d", "loss_d", 0.8 if halves else 0.7, reason, f"({formula})")
    run.original_names["loss_d"] = f"({formula})"
    derived = dict(run.meta.get("derived", {}))
    derived["loss_d"] = {"formula": formula, "parts": [real.printed, fake.printed], "factor": factor,
                         "why": why}
    run.meta["derived"] = derived


def _pairs(run: "Run", roles: dict[str, ColumnRole]) -> None:
    cols = set(run.frame.columns)
    pairs = {}
    for dom in ("a", "b"):
        d, g = f"loss_d_{dom}", f"loss_g_{dom}"
        if d in cols and g in cols:
            pairs[dom.upper()] = {"loss_d": d, "loss_g": g}
    if pairs:
        run.meta["pairs"] = pairs
    else:
        run.meta.pop("pairs", None)


def _ordered(frame: "object") -> "object":
    from ..frame import CANONICAL_METRICS, INDEX_COLUMNS, MORE_CANONICAL_METRICS

    cols = list(frame.columns)  # type: ignore[attr-defined]
    lead = [c for c in INDEX_COLUMNS if c in cols]
    canon = [c for c in (*CANONICAL_METRICS, *MORE_CANONICAL_METRICS) if c in cols]
    rest = [c for c in cols if c not in lead and c not in canon]
    return frame[lead + canon + rest]  # type: ignore[index]
