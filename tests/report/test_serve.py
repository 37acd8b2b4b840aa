"""The paste page, through Flask's test client and as a real `ganlog serve` process."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import urllib.error
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


# ------------------------------------------------------------------ issue 13 and 12: the page holds up

def test_foreign_host_header_is_refused(client) -> None:
    """DNS rebinding: a site that points its name at 127.0.0.1 sends its own Host header."""
    resp = client.get("/", headers={"Host": "evil.example:8765"})
    assert resp.status_code == 421 and "Host header" in resp.get_data(as_text=True)
    assert client.get("/", headers={"Host": "127.0.0.1:8765"}).status_code == 200
    bound = create_app(hosts={"127.0.0.1:9999"}, isolate=False).test_client()
    assert bound.get("/", headers={"Host": "127.0.0.1:9999"}).status_code == 200
    assert bound.get("/", headers={"Host": "localhost:1234"}).status_code == 421


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site", "Origin": "http://localhost"},
], ids=["foreign-origin", "null-origin", "cross-site", "same-site"])
def test_cross_origin_posts_are_refused(client, samples, headers) -> None:
    resp = client.post("/report", data={"log": (samples / "forum_bce.log").read_text()}, headers=headers)
    assert resp.status_code == 403 and "only from its own form" in resp.get_data(as_text=True)


def test_same_origin_post_is_answered(client, samples) -> None:
    resp = client.post("/report", data={"log": (samples / "forum_bce.log").read_text()},
                       headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"})
    assert resp.status_code == 200


def test_a_failed_paste_keeps_its_text_in_the_box(client) -> None:
    text = "this is not a log <b>but</b> it is mine\nline two"
    resp = client.post("/report", data={"log": text})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'id="error"' in page
    box = re.search(r'<textarea id="log"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert box == "this is not a log &lt;b&gt;but&lt;/b&gt; it is mine\nline two"


def test_the_report_links_back_to_the_form(client, samples) -> None:
    page = client.post("/report", data={"log": (samples / "forum_bce.log").read_text()}).get_data(as_text=True)
    assert '<a href="/">' in page and "Analyze another log" in page


def test_paste_and_file_together_is_an_error(client, samples) -> None:
    text = (samples / "forum_bce.log").read_text()
    data = {"log": text, "file": (io.BytesIO(text.encode()), "other.log")}
    resp = client.post("/report", data=data, content_type="multipart/form-data")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "both a pasted log and a file" in page
    assert "Loss_D" in page  # the pasted text is still in the box


def test_binary_and_utf16_uploads_get_words_a_person_understands(client, samples) -> None:
    png = {"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(500)), "loss.png")}
    page = client.post("/report", data=png, content_type="multipart/form-data").get_data(as_text=True)
    assert "a PNG image, by its first bytes), not a training log" in page and "TFRecord" not in page
    u16 = {"file": (io.BytesIO((samples / "forum_bce.log").read_text().encode("utf-16")), "ps.log")}
    resp = client.post("/report", data=u16, content_type="multipart/form-data")
    assert resp.status_code == 200


def test_the_page_says_its_limits_and_shows_a_busy_notice(client) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "up to 30 s of processor time" in page and "2 are analyzed at once" in page
    assert 'class="busy"' in page and "Analyzing" in page


def test_a_slow_analysis_is_stopped_at_the_time_limit_and_said(monkeypatch) -> None:
    """The analysis runs in a child process, killed at the limit; the text stays in the box."""
    import time

    from tests.report.slow_analyzer import sleep_30

    app = create_app(time_limit=1.0, analyzer=sleep_30)
    t0 = time.monotonic()
    resp = app.test_client().post("/report", data={"log": "Loss_D: 1 Loss_G: 2"})
    took = time.monotonic() - t0
    page = resp.get_data(as_text=True)
    assert resp.status_code == 504 and took < 25
    assert "took longer than 11 s and was stopped" in page and "Loss_D: 1 Loss_G: 2" in page


def test_a_busy_analysis_is_stopped_at_its_cpu_limit(monkeypatch) -> None:
    """The limit is processor time: a loaded machine does not cut a waiting analysis short."""
    import time

    from tests.report.slow_analyzer import spin_30

    app = create_app(time_limit=1.0, analyzer=spin_30)
    t0 = time.monotonic()
    resp = app.test_client().post("/report", data={"log": "Loss_D: 1 Loss_G: 2"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 504 and time.monotonic() - t0 < 25
    assert "used more than 1 s of processor time" in page


def test_an_unexpected_exception_shows_the_internal_error_line_not_a_bare_500(monkeypatch) -> None:
    def boom(data, name):
        raise RuntimeError("surprise")

    monkeypatch.setattr("ganlog.serve.analyze_bytes", boom)
    resp = create_app(isolate=False).test_client().post("/report", data={"log": "x: 1 y: 2"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "ganlog: internal error" in page and "RuntimeError: surprise" in page
    assert "Traceback" not in page


def test_file_names_cannot_reorder_or_drive_the_page(client, samples) -> None:
    data = {"file": (io.BytesIO((samples / "forum_bce.log").read_bytes()), "run\u202egol.\x1b[2J.log")}
    page = client.post("/report", data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert "\u202e" not in page and "\x1b" not in page and "\\u202e" in page


def test_the_server_bounds_its_threads_and_answers_503_beyond(repo_root) -> None:
    """Idle connections hold at most workers + backlog slots; the next ones get 503 at once."""
    import socket
    import threading

    from ganlog.serve import make_bounded_server

    app = create_app(isolate=False)
    server = make_bounded_server("127.0.0.1", 0, app, workers=2, backlog=1, socket_timeout=3)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    port = server.server_port
    before = threading.active_count()
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
    try:
        import time

        time.sleep(0.5)
        assert threading.active_count() - before <= 2
        extra = socket.create_connection(("127.0.0.1", port), timeout=5)
        assert extra.recv(100).startswith(b"HTTP/1.1 503")
        extra.close()
    finally:
        for s in idle:
            s.close()
        server.shutdown()
        server.server_close()


def test_serve_accepts_its_own_address_and_refuses_others(repo_root) -> None:
    proc = _start(["--port", "0"], repo_root)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        port = url.group(1)
        ok = urllib.request.urlopen(url.group(0), timeout=10)
        assert ok.status == 200
        req = urllib.request.Request(url.group(0), headers={"Host": f"attacker.example:{port}"})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(req, timeout=10)
        assert info.value.code == 421
    finally:
        proc.terminate()
        proc.wait(timeout=10)
