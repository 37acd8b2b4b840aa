"""ganlog sweep: every run's row and findings equal what `ganlog check RUN` says about it, whatever
the engine (process pool, Dask) or the storage (a folder, fsspec's memory://)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from ganlog.cli import cli
from ganlog.fleet.discover import Root, discover, hive_config
from ganlog.fleet.engines import run_units
from ganlog.fleet.sweep import sweep
from ganlog.fleet.worker import Settings, analyze_unit

from .fleetgen import write_fleet

N_RUNS = 240
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    root = tmp_path_factory.mktemp("fleet")
    specs = write_fleet(root, N_RUNS, records=120, seed=1)
    return root, specs


@pytest.fixture(scope="module")
def checked(fleet: tuple[Path, list]) -> dict[str, dict]:
    """`ganlog check RUN_FOLDER --format json` for every run, alone, in-process."""
    root, specs = fleet
    runner = CliRunner()
    out = {}
    for s in specs:
        res = runner.invoke(cli, ["check", str(root / s.rel), "--format", "json"])
        assert res.exit_code in (0, 1), res.output
        doc = json.loads(res.stdout)
        assert len(doc["runs"]) == 1
        out[s.rel] = doc["runs"][0]
    return out


@pytest.fixture(scope="module")
def pooled(fleet: tuple[Path, list], tmp_path_factory: pytest.TempPathFactory):
    root, _ = fleet
    out = tmp_path_factory.mktemp("results")
    return sweep(str(root), out, workers=2, settings=Settings(frames_dir=str(out / "frames")), worst=3)


def _rows(out: Path) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    runs = {r["run"]: r for r in pq.read_table(out / "runs.parquet").to_pylist()}
    findings: dict[str, list[dict]] = {}
    for f in pq.read_table(out / "findings.parquet").to_pylist():
        findings.setdefault(f["run"], []).append(f)
    for v in findings.values():
        v.sort(key=lambda f: f["index"])
    return runs, findings


def _span(x: dict | None, key: str) -> float | None:
    return None if x is None else float(x[key])


def assert_same_as_check(out: Path, checked: dict[str, dict]) -> None:
    runs, findings = _rows(out)
    assert sorted(runs) == sorted(checked), "every run is a row, and only runs are"
    for rel, doc in checked.items():
        row = runs[rel]
        assert row["error"] is None
        assert row["records"] == doc["run"]["records"]
        assert (row["reader"], row["format"]) == (doc["run"]["reader"], doc["run"]["format"])
        assert row["family"] == doc["run"]["loss_family"]["name"]
        assert row["verdict"] == doc["verdict"]
        assert row["passed"] == doc["check"]["passed"]
        mine = findings.get(rel, [])
        theirs = doc["findings"]
        assert [(f["code"], f["severity"], f["confidence"], f["message"]) for f in mine] == \
            [(f["code"], f["severity"], f["confidence"], f["message"]) for f in theirs]
        assert [(f["span_start"], f["span_end"]) for f in mine] == \
            [(_span(f["span"], "start"), _span(f["span"], "end")) for f in theirs]
        assert [f["failing"] for f in mine] == [i in doc["check"]["failing"] for i in range(len(theirs))]


def test_hive_config() -> None:
    assert hive_config("sweep/lr=2e-4/seed=3/run") == (("lr", "2e-4"), ("seed", "3"))
    assert hive_config("plain/run") == ()


def test_discover_matches_the_generated_runs(fleet) -> None:
    root, specs = fleet
    units = discover(Root.parse(str(root)))
    assert sorted(u.rel for u in units) == sorted(s.rel for s in specs)


def test_pool_sweep_equals_check_per_run(pooled, checked, fleet) -> None:
    root, specs = fleet
    assert pooled.exit_code == 1  # generated failures, no unreadable run
    assert_same_as_check(pooled.out, checked)
    runs, _ = _rows(pooled.out)
    # the scenarios the generator wrote are what the sweep found
    for s in specs:
        row = runs[s.rel]
        codes = set(filter(None, row["codes"].split(",")))
        if s.scenario == "healthy":
            assert row["passed"], (s, row["codes"])
        elif s.scenario == "nan":
            assert "GAN401" in codes
        else:
            assert "GAN101" in codes
        assert row["lr"] == float(s.rel.split("lr=")[1].split("/")[0])
        assert row["seed"] == int(s.rel.rsplit("=", 1)[1])
    # frames: one zstd Parquet per run, the normalized table
    row = runs[specs[0].rel]
    frame = pq.read_table(pooled.out / "frames" / row["frame_file"])
    assert frame.num_rows == row["records"] and "loss_d" in frame.column_names
    assert pq.ParquetFile(pooled.out / "frames" / row["frame_file"]).metadata.row_group(0).column(0).compression == "ZSTD"


def test_fleet_report(pooled) -> None:
    html = (pooled.out / "fleet.html").read_text()
    assert "<script" not in html.lower() and "http://" not in html and "https://" not in html
    assert "Failure rate per code" in html and "GAN101" in html and "lr" in html
    assert len(pooled.reports) == 3
    for rel in pooled.reports.values():
        assert (pooled.out / rel).is_file() and f"href='{rel}'" in html
    md = (pooled.out / "summary.md").read_text()
    assert md.startswith("## ganlog sweep:") and "| GAN101 |" in md


def test_memory_filesystem_with_pool_and_dask(fleet, checked, tmp_path: Path) -> None:
    fsspec = pytest.importorskip("fsspec")
    pytest.importorskip("distributed")
    root, specs = fleet
    fs = fsspec.filesystem("memory")
    picked = specs[:45]
    for s in picked:
        for p in (root / s.rel).iterdir():
            fs.pipe(f"/fleet/{s.rel}/{p.name}", p.read_bytes())
    want = {s.rel: checked[s.rel] for s in picked}
    # the process pool forks: workers see the memory filesystem as it was
    res = sweep("memory://fleet", tmp_path / "pool", workers=2, report=False)
    assert_same_as_check(tmp_path / "pool", want)
    assert all(r["path"].startswith("memory://fleet/") for r in res.runs)
    # a real Dask LocalCluster, in-process threads (memory:// lives in this process)
    sweep("memory://fleet", tmp_path / "dask", dask="threads:2", report=False)
    assert_same_as_check(tmp_path / "dask", want)
    fs.rm("/fleet", recursive=True)


def test_dask_local_cluster_processes(fleet, checked, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    root, specs = fleet
    sub = tmp_path / "fleet"
    picked = specs[:30]
    for s in picked:
        shutil.copytree(root / s.rel, sub / s.rel)
    sweep(str(sub), tmp_path / "out", dask="local:2", report=False)
    assert_same_as_check(tmp_path / "out", {s.rel: checked[s.rel] for s in picked})


def test_unreadable_run_is_a_row_and_exit_2(fleet, tmp_path: Path) -> None:
    root, specs = fleet
    sub = tmp_path / "fleet"
    for s in specs[:6]:
        shutil.copytree(root / s.rel, sub / s.rel)
    bad = sub / "fmt=csv/lr=1e-3/seed=999"
    bad.mkdir(parents=True)
    (bad / "metrics.csv").write_bytes(bytes(range(256)) * 20)
    (sub / "README.txt").write_text("notes about this sweep\n")  # not a run: a note, not a row
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["sweep", str(sub), "--out", str(out), "--workers", "2", "-q"])
    assert res.exit_code == 2, res.output
    runs, _ = _rows(out)
    assert len(runs) == 7
    row = runs["fmt=csv/lr=1e-3/seed=999"]
    assert row["verdict"] == "error" and "metrics.csv" in row["error"] and not row["passed"]
    assert "could not be read" in (out / "fleet.html").read_text()


def _dies_on_marked_run(root, unit, settings):
    if unit.rel.endswith("seed=die"):
        os._exit(3)
    return analyze_unit(root, unit, settings)


def test_dead_worker_is_retried_once_then_reported(fleet, tmp_path: Path) -> None:
    root, specs = fleet
    sub = tmp_path / "fleet"
    for s in specs[:8]:
        shutil.copytree(root / s.rel, sub / s.rel)
    shutil.copytree(root / specs[0].rel, sub / "fmt=dcgan/lr=1e-4/seed=die")
    r = Root.parse(str(sub))
    units = discover(r)
    got: list[dict] = []
    run_units(_dies_on_marked_run, r, units, Settings(), workers=2, on_result=got.append)
    rows = {row["run"]: row for res in got for row in res["runs"]}
    assert len(rows) == 9
    dead = rows["fmt=dcgan/lr=1e-4/seed=die"]
    assert dead["error_kind"] == "WorkerDied" and "twice" in dead["error"]
    assert {k: row["error"] for k, row in rows.items() if k != "fmt=dcgan/lr=1e-4/seed=die" and row["error"]} == {}


def test_since_reanalyzes_only_changed_runs(fleet, tmp_path: Path) -> None:
    root, specs = fleet
    sub = tmp_path / "fleet"
    shutil.copytree(root, sub)
    first = sweep(str(sub), tmp_path / "r1", workers=2, report=False)
    assert first.analyzed == N_RUNS
    changed = specs[: N_RUNS // 100 or 1]  # 1%
    for s in changed:  # the run goes on: a NaN appears at the end
        p = sub / s.rel / s.file
        if s.fmt == "dcgan":
            p.write_text(p.read_text() + "[9/9][0/100]\tLoss_D: nan\tLoss_G: nan\tD(x): 0.5000\tD(G(z)): 0.5 / 0.5\n")
        elif s.fmt == "jsonl":
            p.write_text(p.read_text() + '{"step": 99999, "loss_D": NaN, "loss_G": NaN, "D_x": 0.5}\n')
        else:
            p.write_text(p.read_text() + "99999,nan,nan\n")
    second = sweep(str(sub), tmp_path / "r2", workers=2, since=tmp_path / "r1", report=False)
    assert second.analyzed == len(changed) and second.carried == N_RUNS - len(changed)
    r1, f1 = _rows(tmp_path / "r1")
    r2, f2 = _rows(tmp_path / "r2")
    assert sorted(r1) == sorted(r2)
    for s in changed:
        assert "GAN401" in r2[s.rel]["codes"]
        assert r2[s.rel]["records"] == r1[s.rel]["records"] + 1
    same = [k for k in r1 if k not in {s.rel for s in changed}]
    for k in same:
        assert {c: v for c, v in r1[k].items() if c != "seconds"} == {c: v for c, v in r2[k].items() if c != "seconds"}
        assert f1.get(k) == f2.get(k)


def test_query(pooled) -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["query", str(pooled.out),
                              "SELECT lr, count(*) AS runs, avg((NOT passed)::int) AS failure_rate "
                              "FROM runs GROUP BY lr ORDER BY lr", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert [r["lr"] for r in rows] == [1e-4, 2e-4, 1e-3]
    assert rows[2]["failure_rate"] > rows[0]["failure_rate"]  # the generator fails lr=1e-3 more
    res = runner.invoke(cli, ["query", str(pooled.out),
                              "SELECT code, count(DISTINCT run) AS n FROM findings GROUP BY code ORDER BY n DESC"])
    assert res.exit_code == 0 and "GAN101" in res.output and "rows)" in res.output
    res = runner.invoke(cli, ["query", str(pooled.out), "SELECT nope FROM runs", "--format", "csv"])
    assert res.exit_code == 2 and "query failed" in res.output


def test_fleet_exit_code_rules(fleet, tmp_path: Path) -> None:
    root, specs = fleet
    sub = tmp_path / "fleet"
    healthy = [s for s in specs if s.scenario == "healthy"][:3]
    broken = [s for s in specs if s.scenario == "collapse"][:2]
    for s in healthy + broken:
        shutil.copytree(root / s.rel, sub / s.rel)
    runner = CliRunner()
    base = ["sweep", str(sub), "--workers", "2", "-q", "--no-report"]
    assert runner.invoke(cli, base + ["--out", str(tmp_path / "a")]).exit_code == 1
    assert runner.invoke(cli, base + ["--out", str(tmp_path / "b"), "--max-failing-runs", "2"]).exit_code == 0
    assert runner.invoke(cli, base + ["--out", str(tmp_path / "c"), "--exit-zero"]).exit_code == 0
    res = runner.invoke(cli, base + ["--out", str(tmp_path / "d"), "--workers", "2", "--dask", "local:2"])
    assert res.exit_code == 2 and "not both" in res.output


def _modules_after(code: str) -> set[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    prog = code + "\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


HEAVY = ("dask", "distributed", "duckdb", "fsspec", "s3fs")


def test_sweep_imports_nothing_heavy_before_it_needs_to(fleet, tmp_path: Path) -> None:
    mods = _modules_after(
        "from ganlog.cli import cli\ntry:\n    cli.main(['sweep', '--help'], standalone_mode=False)\n"
        "except SystemExit:\n    pass")
    assert not {m.split(".")[0] for m in mods} & set(HEAVY + ("pandas", "pyarrow"))
    root, specs = fleet
    sub = tmp_path / "one"
    shutil.copytree(root / specs[0].rel, sub / specs[0].rel)
    mods = _modules_after(
        f"from ganlog.fleet.sweep import sweep\nsweep({str(sub)!r}, {str(tmp_path / 'o')!r}, workers=2)")
    assert not {m.split(".")[0] for m in mods} & set(HEAVY)


def test_missing_engine_is_one_line(monkeypatch, pooled) -> None:
    monkeypatch.setitem(sys.modules, "duckdb", None)
    res = CliRunner().invoke(cli, ["query", str(pooled.out), "SELECT 1"])
    assert res.exit_code == 2 and "pip install 'ganlog[fleet]'" in res.output


def test_missing_filesystem_is_one_line(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "fsspec", None)
    res = CliRunner().invoke(cli, ["sweep", "s3://bucket/runs", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "pip install 'ganlog[s3]'" in res.output and "Traceback" not in res.output


def test_dask_dead_worker_is_retried_once_then_reported(fleet, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    root, specs = fleet
    sub = tmp_path / "fleet"
    for s in specs[:4]:
        shutil.copytree(root / s.rel, sub / s.rel)
    shutil.copytree(root / specs[0].rel, sub / "fmt=dcgan/lr=1e-4/seed=die")
    r = Root.parse(str(sub))
    got: list[dict] = []
    run_units(_dies_on_marked_run, r, discover(r), Settings(), dask="local:2", on_result=got.append)
    rows = {row["run"]: row for res in got for row in res["runs"]}
    assert len(rows) == 5
    dead = rows["fmt=dcgan/lr=1e-4/seed=die"]
    assert dead["error_kind"] == "WorkerDied" and "retry" in dead["error"]
    assert {k: row["error"] for k, row in rows.items() if k != "fmt=dcgan/lr=1e-4/seed=die" and row["error"]} == {}


def test_sample_logs_same_runs_as_check_dir(tmp_path: Path) -> None:
    """Real print formats: the sweep finds the runs `ganlog check sample_logs/` finds, judged alike."""
    res = CliRunner().invoke(cli, ["check", str(REPO / "sample_logs"), "--format", "json"])
    docs = {Path(d["run"]["source"]).resolve(): d for d in json.loads(res.stdout)["runs"]}
    out = sweep(str(REPO / "sample_logs"), tmp_path / "o", workers=2, report=False)
    rows = {Path(r["path"]).resolve(): r for r in out.runs}
    assert sorted(rows) == sorted(docs) and not out.errors
    by_run: dict[str, list[dict]] = {}
    for f in out.findings:
        by_run.setdefault(f["run"], []).append(f)
    for src, doc in docs.items():
        row = rows[src]
        assert (row["records"], row["verdict"], row["passed"]) == \
            (doc["run"]["records"], doc["verdict"], doc["check"]["passed"]), src
        mine = sorted(by_run.get(row["run"], []), key=lambda f: f["index"])
        assert [(f["code"], f["message"]) for f in mine] == [(f["code"], f["message"]) for f in doc["findings"]]
