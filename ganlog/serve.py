"""The local paste page: paste a log (or drop a file), get the HTML report back.

A small Flask app (``create_app``). It listens on 127.0.0.1 unless told
otherwise, because a log can hold paths and hostnames the user would not
publish. Pasted text is analyzed in memory and never written anywhere.
Input over the size limit gets a clear message (HTTP 413), and input that
cannot be read gets the same one-line error the CLI prints, on the page.
"""

from __future__ import annotations

import io
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
#: room for the multipart envelope around the log itself
_FORM_OVERHEAD = 64 * 1024


def size_text(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.0f} MB" if n % (1024 * 1024) == 0 else f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} bytes"


def too_large_message(max_bytes: int) -> str:
    return (f"ganlog: error: the log is larger than this page accepts ({size_text(max_bytes)}); "
            f"run `ganlog report FILE` on it, or restart the page with a larger --max-size")


def analyze_bytes(data: bytes, name: str) -> str:
    """Read, analyze and render one log held in memory; raises GanlogError on bad input."""
    from pathlib import PurePath

    from .analysis import analyze
    from .errors import InputError
    from .readers import ReadOptions, Source, load_runs
    from .report.html import render

    run_name = PurePath(name).stem if "." in name else name
    runs = load_runs(Source.from_bytes(data, name), ReadOptions(run_name=run_name or "pasted log"))
    if not runs:
        raise InputError(name, "no run found", expected="a GAN training log")
    return render(analyze(runs[0]))


def create_app(max_bytes: int = DEFAULT_MAX_BYTES) -> "Flask":
    """The paste page app; ``max_bytes`` caps one pasted or uploaded log."""
    from flask import Flask, Request, Response, request
    from werkzeug.exceptions import RequestEntityTooLarge

    from .errors import GanlogError
    from .report.html import css, environment

    class MemoryRequest(Request):
        """Uploaded files stay in memory: werkzeug would spool large ones to a temporary file."""

        def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                             filename: str | None = None, content_length: int | None = None) -> IO[bytes]:
            return io.BytesIO()

    app = Flask("ganlog.serve")
    app.request_class = MemoryRequest
    app.config["MAX_CONTENT_LENGTH"] = max_bytes + _FORM_OVERHEAD
    # form fields are held in memory; lift werkzeug's 500 KB default to our own limit
    app.config["MAX_FORM_MEMORY_SIZE"] = max_bytes + _FORM_OVERHEAD

    def page(error: str | None = None, status: int = 200) -> Response:
        html = environment().get_template("paste.html.j2").render(
            css=css(), error=error, max_size=size_text(max_bytes),
        )
        return Response(html, status=status, mimetype="text/html")

    @app.get("/")
    def index() -> Response:
        return page()

    @app.post("/report")
    def report() -> Response:
        upload = request.files.get("file")
        data: bytes = b""
        name = "pasted log"
        if upload is not None and upload.filename:
            data = upload.read(max_bytes + 1)
            name = upload.filename
        if not data:
            data = request.form.get("log", "").encode("utf-8")
            name = "pasted log"
        if not data.strip():
            return page("ganlog: error: nothing to analyze: paste a log or choose a file", 400)
        if len(data) > max_bytes:
            return page(too_large_message(max_bytes), 413)
        try:
            html = analyze_bytes(data, name)
        except GanlogError as exc:
            return page(f"ganlog: error: {exc}", 400)
        except MemoryError:
            return page("ganlog: error: out of memory while reading the input", 400)
        return Response(html, mimetype="text/html")

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_: Any) -> Response:
        return page(too_large_message(max_bytes), 413)

    return app


def is_loopback(host: str) -> bool:
    return host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")
