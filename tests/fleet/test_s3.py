"""ganlog sweep over s3:// against moto's S3 server on 127.0.0.1 (skipped when moto or s3fs is missing)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from ganlog.cli import cli

from .fleetgen import write_fleet


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def s3_server():
    moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed (pip install 'moto[server]')")
    pytest.importorskip("s3fs", reason="s3fs is not installed (pip install s3fs)")
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def test_sweep_s3(s3_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import s3fs

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    local = tmp_path / "fleet"
    specs = write_fleet(local, 12, records=80, seed=2)
    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": s3_server}, key="testing", secret="testing")
    fs.mkdir("nightly")
    fs.put(str(local) + "/", "nightly/runs/", recursive=True)
    out = tmp_path / "out"
    args = ["sweep", "s3://nightly/runs", "--out", str(out), "--workers", "2", "--no-report",
            "--storage-option", f"endpoint_url={s3_server}", "--storage-option", "key=testing",
            "--storage-option", "secret=testing"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code in (0, 1), res.output + res.stderr
    runs = {r["run"]: r for r in pq.read_table(out / "runs.parquet").to_pylist()}
    assert sorted(runs) == sorted(s.rel for s in specs)
    runner = CliRunner()
    for s in specs:
        doc = json.loads(runner.invoke(cli, ["check", str(local / s.rel), "--format", "json"]).stdout)["runs"][0]
        row = runs[s.rel]
        assert row["error"] is None and row["path"].startswith("s3://nightly/runs/")
        assert (row["records"], row["verdict"], row["passed"]) == (doc["run"]["records"], doc["verdict"],
                                                                   doc["check"]["passed"])
        assert row["fingerprint"]
    # --since against the bucket: nothing changed, nothing re-analyzed
    res = CliRunner().invoke(cli, args[:3] + [str(tmp_path / "out2"), "--since", str(out)] + args[4:])
    assert "0 analyzed, 12 carried forward" in res.stdout, res.output
