"""The local paste page: paste a log (or drop a file), get the HTML report back.

A small Flask app (``create_app``). It listens on 127.0.0.1 unless told
otherwise, because a log can hold paths and hostnames the user would not
publish. Pasted text is analyzed in memory and never written anywhere.
Input over the size limit gets a clear message (HTTP 413), and input that
cannot be read gets the same one-line error the CLI prints, on the page.

What keeps one page safe to leave running (issue 13):

- **Host and origin.** A request whose ``Host`` is not the address the page is bound to
  (``localhost``/``127.0.0.1``/``[::1]`` on loopback) is refused: a web site that rebinds its
  DNS name to 127.0.0.1 cannot reach the page. A POST whose ``Origin`` is another site, or
  whose ``Sec-Fetch-Site`` says ``cross-site``/``same-site``, is refused: another tab cannot
  submit logs to it.
- **Bounded cost.** Each log is analyzed in a child process (a fork server that already holds
  ganlog's imports) that is killed after ``time_limit`` seconds; at most ``max_concurrent`` are
  analyzed at once, and a request that cannot get a slot within the time limit is told the page
  is busy. The page says both limits to the user. :func:`make_bounded_server` adds a fixed pool
  of connection threads, a queue beyond which connections get ``503`` at once, and a socket
  timeout for clients that stop sending.
- **Every failure is one line.** A log that cannot be read shows the CLI's error line above the
  form with the pasted text kept in the box; an unexpected exception shows ganlog's
  "internal error" line, never a bare 500.
"""

from __future__ import annotations

import io
import threading
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
#: seconds of analysis one log may take on the page (the CLI has no such limit)
DEFAULT_TIME_LIMIT_S = 30.0
#: logs analyzed at once; more wait for a slot (up to the time limit), then are told to retry
DEFAULT_MAX_CONCURRENT = 2
#: a pasted log that fails is put back in the box up to this size
_ECHO_MAX_BYTES = 4 * 1024 * 1024
#: room for the multipart envelope around the log itself
_FORM_OVERHEAD = 64 * 1024
_LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]", "::1")


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
    from .errors import InputError, neutralize
    from .readers import ReadOptions, Source, load_runs
    from .report.html import render

    name = neutralize(name)
    run_name = PurePath(name).stem if "." in name else name
    runs = load_runs(Source.from_bytes(data, name), ReadOptions(run_name=run_name or "pasted log"))
    if not runs:
        raise InputError(name, "no run found", expected="a GAN training log")
    return render(analyze(runs[0]))


# ------------------------------------------------------------------ analysis in a child process

def _child(conn: Any, data: bytes, name: str, analyzer: Any = None, cpu_limit: float = 0.0) -> None:
    """Runs in the fork server's child: the outcome goes back as ("ok", html) or ("error", line).

    ``cpu_limit``: seconds of processor time; the kernel ends the child past it (SIGXCPU), so a
    busy machine (wall time) does not cut short an analysis that is merely waiting for a core.
    """
    from .errors import GanlogError, internal_error_line, out_of_memory_line

    if cpu_limit > 0:
        try:
            import math
            import resource

            used = resource.getrusage(resource.RUSAGE_SELF)
            soft = max(1, math.ceil(used.ru_utime + used.ru_stime + cpu_limit - 0.5))
            resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 2))
        except (ImportError, ValueError, OSError):  # pragma: no cover - not on this platform
            pass

    try:
        out = ("ok", (analyzer or analyze_bytes)(data, name))
    except GanlogError as exc:
        out = ("error", f"ganlog: error: {exc}")
    except MemoryError:
        out = ("error", out_of_memory_line())
    except Exception as exc:  # noqa: BLE001 - said on the page as one line
        out = ("error", internal_error_line(exc))
    try:
        conn.send(out)
    finally:
        conn.close()
        from .readers.base import remove_scratch

        remove_scratch()  # the child ends with os._exit: no atexit to do it


_PRELOAD = ["ganlog._servewarm"]
_ctx_lock = threading.Lock()
_ctx: Any = None


def _context() -> Any:
    """The fork server context, its children born with ganlog already imported."""
    global _ctx
    with _ctx_lock:
        if _ctx is None:
            import multiprocessing

            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(_PRELOAD)
            _ctx = ctx
        return _ctx


def analyze_isolated(data: bytes, name: str, time_limit: float, analyzer: Any = None) -> tuple[str, str]:
    """``("ok", html)``, ``("error", line)`` or ``("timeout", line)``; the child is killed at the limit."""
    from .errors import internal_error_line, neutralize

    ctx = _context()
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, data, name, analyzer, time_limit), daemon=True)
    proc.start()
    send.close()
    stopped = (f"ganlog: error: the analysis of {neutralize(name)} used more than {time_limit:g} s of "
               "processor time, this page's limit per log, and was stopped; run `ganlog analyze FILE` "
               "in a terminal (no limit there), or restart the page with a larger --time-limit")
    try:
        if receive.poll(wall_limit(time_limit)):
            try:
                return receive.recv()  # type: ignore[no-any-return]
            except EOFError:  # the child died without a word: the CPU limit, or the kernel (memory)
                proc.join(5)
                import signal

                if proc.exitcode == -signal.SIGXCPU:
                    return ("timeout", stopped)
                return ("error", f"ganlog: error: the analysis of {neutralize(name)} stopped unexpectedly "
                                 f"(exit code {proc.exitcode}; out of memory?); run `ganlog analyze FILE` "
                                 "in a terminal to see more")
        return ("timeout", f"ganlog: error: the analysis of {neutralize(name)} took longer than "
                           f"{wall_limit(time_limit):g} s and was stopped (this page's limit per log; the "
                           "machine may be busy); run `ganlog analyze FILE` in a terminal (no limit there), "
                           "or restart the page with a larger --time-limit")
    except Exception as exc:  # noqa: BLE001
        return ("error", internal_error_line(exc))
    finally:
        receive.close()
        if proc.is_alive():
            proc.kill()
        proc.join(5)


def wall_limit(time_limit: float) -> float:
    """Wall-clock backstop around the CPU limit: a child that waits (not computes) is stopped too."""
    return max(3 * time_limit, time_limit + 10)


def analyze_inline(data: bytes, name: str, time_limit: float, analyzer: Any = None) -> tuple[str, str]:
    """The same outcome without a child process (``create_app(isolate=False)``, for tests)."""
    from .errors import GanlogError, internal_error_line, out_of_memory_line

    try:
        return ("ok", (analyzer or analyze_bytes)(data, name))
    except GanlogError as exc:
        return ("error", f"ganlog: error: {exc}")
    except MemoryError:
        return ("error", out_of_memory_line())
    except Exception as exc:  # noqa: BLE001
        return ("error", internal_error_line(exc))


# ------------------------------------------------------------------------------ host and origin

def allowed_hosts(host: str, port: int) -> set[str]:
    """The Host header values that name the bound address (and its loopback names)."""
    names = {host, f"[{host}]"} if ":" in host else {host}
    if is_loopback(host):
        names |= set(_LOOPBACK_NAMES)
    return {f"{n}:{port}" for n in names} | ({n for n in names} if port == 80 else set())


def _host_ok(value: str, allowed: set[str] | None) -> bool:
    value = value.strip().lower()
    if allowed is not None:
        return value in {a.lower() for a in allowed}
    hostname = value.rsplit(":", 1)[0] if not value.endswith("]") else value
    return hostname in _LOOPBACK_NAMES


def create_app(max_bytes: int = DEFAULT_MAX_BYTES, *, time_limit: float = DEFAULT_TIME_LIMIT_S,
               max_concurrent: int = DEFAULT_MAX_CONCURRENT, hosts: set[str] | None = None,
               isolate: bool = True, analyzer: Any = None) -> "Flask":
    """The paste page app; ``max_bytes`` caps one pasted or uploaded log.

    ``hosts``: the Host header values accepted (``allowed_hosts(host, port)``); None accepts
    loopback names on any port. ``isolate``: analyze each log in a child process killed after
    ``time_limit`` seconds (False analyzes in the request thread, unbounded: for tests).
    ``analyzer``: a module-level ``f(data, name) -> html`` used instead of :func:`analyze_bytes`.
    """
    from flask import Flask, Request, Response, request
    from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

    from .errors import internal_error_line
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
    slots = threading.BoundedSemaphore(max(1, max_concurrent))
    run = analyze_isolated if isolate else analyze_inline

    def page(error: str | None = None, status: int = 200, text: str = "") -> Response:
        html = environment().get_template("paste.html.j2").render(
            css=css(), error=error, max_size=size_text(max_bytes), text=text,
            time_limit=f"{time_limit:g}", max_concurrent=max(1, max_concurrent),
            max_bytes=max_bytes,
        )
        resp = Response(html, status=status, mimetype="text/html")
        return _hardened(resp)

    def _hardened(resp: Response) -> Response:
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        # not "no-referrer": with it a browser sends "Origin: null" on the form's own POST
        resp.headers["Referrer-Policy"] = "same-origin"
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @app.before_request
    def check_host_and_origin() -> Response | None:
        host = request.headers.get("Host", "")
        if not _host_ok(host, hosts):
            return _hardened(Response(
                "ganlog: error: this page answers only to the address it listens on; the Host "
                f"header {host[:100]!r} is not it (a DNS-rebinding page?)\n",
                status=421, mimetype="text/plain"))
        if request.method == "POST":
            # Browsers set Sec-Fetch-Site themselves (a page cannot forge it): trust it when sent;
            # else the Origin must be this page's own. Clients that send neither (curl) are not
            # browsers another site could drive.
            site = request.headers.get("Sec-Fetch-Site")
            origin = request.headers.get("Origin")
            if site is not None:
                bad = site not in ("same-origin", "none")
            elif origin is not None:
                from urllib.parse import urlsplit

                parts = urlsplit(origin)
                bad = origin == "null" or parts.scheme not in ("http", "https") or \
                    not _host_ok(parts.netloc, hosts) or parts.netloc.lower() != host.lower()
            else:
                bad = False
            if bad:
                return page("ganlog: error: this page accepts logs only from its own form "
                            "(the request came from another site)", 403)
        return None

    @app.get("/")
    def index() -> Response:
        return page()

    @app.post("/report")
    def report() -> Response:
        upload = request.files.get("file")
        pasted = request.form.get("log", "")
        has_file = upload is not None and bool(upload.filename)
        if has_file and pasted.strip():
            return page("ganlog: error: both a pasted log and a file were given; clear the box or "
                        "remove the file, and analyze one log at a time", 400, text=pasted)
        if has_file:
            assert upload is not None
            data = upload.read(max_bytes + 1)
            name = upload.filename or "uploaded file"
        else:
            data = pasted.encode("utf-8", "surrogateescape")
            name = "pasted log"
        if not data.strip():
            return page("ganlog: error: nothing to analyze: paste a log or choose a file", 400)
        if len(data) > max_bytes:
            return page(too_large_message(max_bytes), 413)
        keep = pasted if not has_file and len(data) <= _ECHO_MAX_BYTES else ""
        if not slots.acquire(timeout=wall_limit(time_limit)):
            return page(f"ganlog: error: the page is busy analyzing {max(1, max_concurrent)} other log(s); "
                        "try again in a moment", 503, text=keep)
        try:
            kind, payload = run(data, name, time_limit, analyzer)
        finally:
            slots.release()
        if kind == "ok":
            return _hardened(Response(_with_back_link(payload), mimetype="text/html"))
        return page(payload, 504 if kind == "timeout" else 400, text=keep)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_: Any) -> Response:
        return page(too_large_message(max_bytes), 413)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        if isinstance(exc, HTTPException):
            return exc  # type: ignore[return-value]
        return page(internal_error_line(exc), 500)

    return app


def _with_back_link(html: str) -> str:
    """The report, with a link back to the paste form at its top."""
    link = ('<nav style="max-width:72rem;margin:.6rem auto 0;padding:0 1rem;font:inherit">'
            '<a href="/">&larr; Analyze another log</a></nav>')
    at = html.find("<body")
    if at < 0:
        return link + html
    end = html.find(">", at)
    return html[: end + 1] + link + html[end + 1:]


def is_loopback(host: str) -> bool:
    return host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")


# ----------------------------------------------------------------------------------- the server

def make_bounded_server(host: str, port: int, app: Any, *, workers: int = 16, backlog: int = 64,
                        socket_timeout: float = 20.0) -> Any:
    """A werkzeug server with ``workers`` connection threads, ``backlog`` connections queued
    beyond them (the rest get 503 at once), and a per-read socket timeout for stalled clients."""
    from concurrent.futures import ThreadPoolExecutor

    from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler

    class Handler(WSGIRequestHandler):
        timeout = socket_timeout

        def log_request(self, *args: Any, **kwargs: Any) -> None:  # keep the terminal quiet
            pass

    class Server(BaseWSGIServer):
        def __init__(self) -> None:
            super().__init__(host, port, app, handler=Handler)
            self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ganlog-serve")
            self.slots = threading.BoundedSemaphore(workers + backlog)

        def process_request(self, request: Any, client_address: Any) -> None:
            if not self.slots.acquire(blocking=False):
                try:
                    request.settimeout(1.0)
                    request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                                    b"Retry-After: 5\r\nConnection: close\r\n\r\n"
                                    b"ganlog: the paste page is busy; try again in a few seconds\n")
                except OSError:
                    pass
                self.shutdown_request(request)
                return
            self.pool.submit(self._work, request, client_address)

        def _work(self, request: Any, client_address: Any) -> None:
            try:
                self.finish_request(request, client_address)
            except Exception:  # noqa: BLE001 - one connection's trouble, not the server's
                pass
            finally:
                self.shutdown_request(request)
                self.slots.release()

        def server_close(self) -> None:
            super().server_close()
            self.pool.shutdown(wait=False, cancel_futures=True)

    return Server()
