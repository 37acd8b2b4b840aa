"""The paste page, through Flask's test client and as a real `ganlog serve` process."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import urllib.request

import pytest

pytest.importorskip("flask")

from ganlog.analysis import analyze  # noqa: E402
from ganlog.serve import create_app, too_large_message  # noqa: E402


@pytest.fixture
def client():
    return create_app().test_client()


def test_page_offers_paste_and_file_and_is_self_contained(client) -> None:
    page = client.get("/").get_data(as_text=True)
    assert '<textarea id="log" name="log"' in page and 'type="file"' in page
    assert "not stored" in page and "50 MB" in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    # one small inline script (the "analyzing..." notice on submit), nothing loaded from anywhere
    assert page.count("<script") == 1 and "<script src" not in page


def test_paste_gives_the_report(client, samples) -> None:
    text = (samples / "forum_bce.log").read_text()
    resp = client.post("/report", data={"log": text})
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    expected = analyze(samples / "forum_bce.log")
    assert f">{expected.verdict.capitalize()}<" in page and "pasted log" in page
    for f in expected.findings:
        assert f.code in page


def test_uploaded_file_gives_the_report(client, samples) -> None:
    data = {"log": "", "file": (io.BytesIO((samples / "forum_bce.log").read_bytes()), "forum_bce.log")}
    resp = client.post("/report", data=data, content_type="multipart/form-data")
    assert resp.status_code == 200 and "forum_bce" in resp.get_data(as_text=True)


def test_uploads_are_kept_in_memory(samples, monkeypatch) -> None:
    import tempfile

    made: list[str] = []
    real = tempfile.SpooledTemporaryFile

    def spy(*args, **kwargs):  # werkzeug's default would spool a large upload to disk
        made.append("spooled")
        return real(*args, **kwargs)

    monkeypatch.setattr("werkzeug.formparser.SpooledTemporaryFile", spy)
    big = (samples / "forum_bce.log").read_bytes() * 150  # ~720 KB, above werkzeug's 500 KB spool limit
    resp = create_app().test_client().post(
        "/report", data={"file": (io.BytesIO(big), "big.log")}, content_type="multipart/form-data")
    assert resp.status_code == 200 and made == []


def test_unreadable_paste_shows_the_cli_error_line(client, run_ganlog, tmp_path) -> None:
    blob = "\x00\x01garbage" * 10
    resp = client.post("/report", data={"log": blob})
    assert resp.status_code == 400
    page = resp.get_data(as_text=True)
    shown = re.search(r'id="error">([^<]*)<', page).group(1)
    cli = run_ganlog("analyze", "-", "--no-html", input=blob).stderr.strip()
    assert cli.startswith("ganlog: error: ")
    assert shown.replace("pasted log", "X") == cli.replace("&lt;stdin&gt;", "X").replace("<stdin>", "X")


def test_empty_paste_is_a_message(client) -> None:
    resp = client.post("/report", data={"log": "   "})
    assert resp.status_code == 400 and "nothing to analyze" in resp.get_data(as_text=True)


def test_too_large_is_a_clear_message_not_a_crash(samples) -> None:
    client = create_app(max_bytes=1000).test_client()
    resp = client.post("/report", data={"log": "x" * 5000})
    assert resp.status_code == 413
    assert "larger than this page accepts (1000 bytes)" in resp.get_data(as_text=True)
    assert "larger than this page accepts (1000 bytes)" in too_large_message(1000)
    big = {"file": (io.BytesIO(b"y" * 200_000), "big.log")}
    resp = client.post("/report", data=big, content_type="multipart/form-data")
    assert resp.status_code == 413 and "larger than this page accepts" in resp.get_data(as_text=True)


def _start(args: list[str], repo_root) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(repo_root), MPLBACKEND="Agg")
    return subprocess.Popen([sys.executable, "-m", "ganlog", "serve", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def test_serve_prints_url_and_serves(repo_root) -> None:
    proc = _start(["--port", "0", "--max-size", "2"], repo_root)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        page = urllib.request.urlopen(url, timeout=10).read().decode()
        assert "2 MB" in page
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_warns_when_not_on_loopback(repo_root) -> None:
    proc = _start(["--port", "0", "--host", "0.0.0.0"], repo_root)
    try:
        assert "http://0.0.0.0:" in proc.stdout.readline()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "warning: listening on 0.0.0.0" in err
