"""Roles on the real-log corpus: is each role a case's case.toml expects mapped to the printed name?

    python benchmarks/roles_corpus.py [CORPUS_DIR] [-v]

For each case it reads the log with ganlog (no configuration) and checks every entry of
``[expect.roles]`` (canonical role -> name as printed): the column named by the role must
exist and its ColumnRole.printed must be that name (compared squashed: case and
punctuation aside). A reader that maps a known format's fields straight to canonical names
leaves no printed name; such a column counts as mapped ("by format"). Prints per case and
the totals, including the share of D/G loss pairs mapped (loss_d+loss_g, or each domain's
loss_d_x+loss_g_x).
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ganlog  # noqa: E402
from ganlog.roles.names import squash  # noqa: E402


def check_case(folder: Path) -> dict:
    meta = tomllib.loads((folder / "case.toml").read_text())
    expect = meta.get("expect", {}).get("roles", {})
    out = {"id": folder.name, "expect": expect, "ok": {}, "error": None, "family": None}
    try:
        files = meta.get("files") or ["train.log"]
        runs = ganlog.load_runs(folder / files[0])
        run = runs[0]
    except Exception as exc:  # a reader problem, not a role problem
        out["error"] = f"{type(exc).__name__}: {str(exc)[:120]}"
        return out
    out["family"] = (run.loss_family.name, meta.get("loss_family"), run.loss_family.candidates)
    for role, printed in expect.items():
        r = run.roles.get(role)
        if r is None:
            got = next((x for x in run.roles.values() if squash(x.printed) == squash(printed)), None)
            out["ok"][role] = (False, f"missing; '{printed}' -> {got.column}/{got.role}" if got else "missing")
        elif squash(r.printed).endswith(squash(printed)) or squash(r.printed) == squash(role):
            out["ok"][role] = (True, "")
        elif r.printed.startswith("(") and role == "loss_d":
            out["ok"][role] = (True, f"derived {r.printed}")
        else:
            out["ok"][role] = (False, f"holds '{r.printed}'")
    return out


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    verbose = "-v" in sys.argv
    corpus = Path(args[0]) if args else Path(__file__).resolve().parent.parent / "tests" / "corpus"
    cases = sorted(p for p in corpus.iterdir() if (p / "case.toml").is_file())
    roles_ok = roles_n = pairs_ok = pairs_n = unread = fam_ok = fam_n = 0
    for folder in cases:
        res = check_case(folder)
        if res["error"]:
            unread += 1
            print(f"UNREAD {res['id']}: {res['error']}")
            continue
        ok = res["ok"]
        roles_n += len(ok)
        roles_ok += sum(v[0] for v in ok.values())
        exp = res["expect"]
        for d, g in (("loss_d", "loss_g"), ("loss_d_a", "loss_g_a"), ("loss_d_b", "loss_g_b")):
            if d in exp or g in exp:
                pairs_n += 1
                dd = ok.get(d, (d == "loss_d" and "loss_d_real" in exp and ok.get("loss_d_real", (False,))[0]
                                and ok.get("loss_d_fake", (False,))[0], ""))[0]
                pairs_ok += bool(dd and ok.get(g, (False, ""))[0])
        fam, want, cands = res["family"]
        if want and want != "unknown":
            fam_n += 1
            fam_ok += fam == want or (fam == "unknown" and want in cands)
        bad = {k: v[1] for k, v in ok.items() if not v[0]}
        mark = "ok  " if not bad else "MISS"
        if bad or verbose:
            print(f"{mark} {res['id']}: {bad or ''} family={fam} (case: {want}; candidates {cands})")
    print(f"\n{len(cases)} cases, {unread} not read on this branch")
    print(f"roles mapped: {roles_ok}/{roles_n} = {roles_ok / max(roles_n, 1):.1%}")
    print(f"D/G loss pairs mapped: {pairs_ok}/{pairs_n} = {pairs_ok / max(pairs_n, 1):.1%}")
    print(f"loss family right (or among the candidates): {fam_ok}/{fam_n}")


if __name__ == "__main__":
    main()
