"""``ganlog serve``: the local paste page."""

from __future__ import annotations

import click


@click.command(short_help="Start the local paste page on 127.0.0.1.")
@click.option("--port", type=int, default=8765, show_default=True, help="Port to listen on (0 picks a free one).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but 127.0.0.1 lets other machines send logs to it.")
@click.option("--max-size", type=float, default=50.0, show_default=True, metavar="MB",
              help="Largest log accepted, in megabytes.")
@click.option("--time-limit", type=float, default=30.0, show_default=True, metavar="SECONDS",
              help="Seconds of analysis one log may take; a longer one is stopped and the user told.")
@click.option("--jobs", type=int, default=2, show_default=True,
              help="Logs analyzed at once (each in its own process); more wait for a free slot.")
def serve(port: int, host: str, max_size: float, time_limit: float, jobs: int) -> None:
    """Serve a page where you paste a training log (or drop the file) and get the report.

    Logs are analyzed in memory and never stored. Stop with Ctrl+C.
    """
    import sys

    try:
        from ..serve import allowed_hosts, create_app, is_loopback, make_bounded_server
    except ImportError:  # pragma: no cover - depends on the install
        click.echo("ganlog: error: the paste page needs Flask: pip install 'ganlog[serve]'", err=True)
        sys.exit(2)
    if max_size <= 0:
        click.echo("ganlog: error: --max-size must be a positive number of megabytes", err=True)
        sys.exit(2)
    if time_limit <= 0 or jobs < 1:
        click.echo("ganlog: error: --time-limit must be positive and --jobs at least 1", err=True)
        sys.exit(2)
    if not is_loopback(host):
        click.echo(f"ganlog: warning: listening on {host}: other machines that can reach it can send logs "
                   "to this page and read the reports", err=True)
    hosts: set[str] = set()
    app = create_app(max_bytes=int(max_size * 1024 * 1024), time_limit=time_limit, max_concurrent=jobs,
                     hosts=hosts)
    try:
        server = make_bounded_server(host, port, app)
    except OSError as exc:
        click.echo(f"ganlog: error: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        sys.exit(2)
    # The Host header must name the address bound (port 0 is known only now).
    hosts.update(allowed_hosts(host, server.server_port))
    if host in ("0.0.0.0", "::", ""):  # every interface: any name that reaches it is "this host"
        import socket

        names = {socket.gethostname(), socket.getfqdn(), "localhost", "127.0.0.1"}
        try:
            names |= {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None)}
        except OSError:
            pass
        for n in names:
            hosts.update(allowed_hosts(n, server.server_port))
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"ganlog: paste page on http://{shown}:{server.server_port}/  (Ctrl+C to stop)", err=False)
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
