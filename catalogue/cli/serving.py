"""``catalogue serve`` and ``catalogue demo``: the web server, with the admin channel beside it."""

from __future__ import annotations

import functools
import socket
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from catalogue.cli.common import (
    app,
    backends_for,
    fail,
    run_routed,
    settings,
)
from catalogue.cli.harvesting import run_harvests
from catalogue.config import load_settings
from catalogue.terminal import console

if TYPE_CHECKING:
    from catalogue.backends import Backends
    from catalogue.logs import LogFormat


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    log_format: Annotated[
        str, typer.Option("--log-format", help="text, or json: one JSON object per line on standard error")
    ] = "text",
    workers: Annotated[
        int | None,
        typer.Option(
            help="processes serving requests, one of them writing ([web] workers: the cores)", min=1
        ),
    ] = None,
) -> None:
    """Serve the website, the JSON API and the API docs."""
    if log_format not in ("text", "json"):
        fail("--log-format", f"must be text or json, not {log_format!r}")
    check_port(host, port)
    current = settings()
    run_server(backends_for(current), host, port, log_format, workers or current.web.workers)  # type: ignore[arg-type]


def check_port(host: str, port: int) -> None:
    """Stop with the fix named if the server could not listen there (uvicorn would say so only in its own words)."""
    try:
        for family, kind, proto, _, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
            with socket.socket(family, kind, proto) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
                probe.bind(address)
            break
    except OSError as error:
        reason = error.strerror or str(error)
        fail(
            f"Cannot listen on {host}:{port}",
            f"{reason}. Another program (perhaps another catalogue) uses it: "
            f"stop it, or choose another port with --port {port + 1 if port < 65535 else 8080}.",
        )


def check_writable(directory: Path, option: str) -> None:
    """Stop with the fix named if ``directory`` cannot hold the catalogue's data (before any long harvest)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as error:
        fail(
            f"Cannot write to {directory}",
            f"{error.strerror or error}. Choose a folder you can write to with {option}.",
        )


def run_server(
    backends: Backends, host: str, port: int, log_format: LogFormat = "text", workers: int = 1
) -> None:
    """Serve until SIGTERM or Ctrl+C, then close everything (the backends last, once no request runs).

    With ``workers`` > 1, reader processes share the listening socket (``catalogue/web/workers.py``);
    they need the config file to open the same catalogue, so without one there is a single worker.
    """
    import uvicorn

    from catalogue.admin import AdminServer
    from catalogue.logs import log_config
    from catalogue.web import create_app
    from catalogue.web.operations import share_between_processes
    from catalogue.web.workers import Readers, Server, tcp_listener, unix_listener, writer_socket

    config_path = backends.settings.config_path
    readers = max(0, workers - 1) if config_path is not None else 0
    console.print(
        escape(
            f"Serving {backends.settings.title} on http://{host}:{port}/ with {readers + 1} "
            f"worker{'s' if readers else ''} (Ctrl+C to stop)"
        )
    )
    # commands that write (harvest, token, reindex, check --repair, check-links) run here meanwhile
    channel = AdminServer(backends.settings.data_dir, functools.partial(run_routed, backends))
    listener = tcp_listener(host, port)
    sockets = [listener]
    if readers:
        sockets.append(unix_listener(writer_socket(backends.settings.data_dir)))
    pool = Readers(config_path, listener, readers, log_format) if config_path is not None else None
    if pool is not None:  # /metrics, answered here, counts the readers' requests too
        share_between_processes(backends.settings.data_dir / "metrics")
    app = create_app(backends, schedule=True, admin=channel)
    server = Server(uvicorn.Config(app, log_level="warning", log_config=log_config(log_format)))
    try:
        if pool is not None:
            pool.start()
        server.run(sockets=sockets)
    finally:
        if pool is not None:
            pool.stop()
        for each in sockets:
            each.close()
        writer_socket(backends.settings.data_dir).unlink(missing_ok=True)
        backends.close()
        console.print("Stopped.")


@app.command()
def demo(
    directory: Annotated[
        Path, typer.Option("--dir", help="where to write the demo nodes, config and data")
    ] = Path("demo-catalogue"),
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="start the web server afterwards")
    ] = True,
    nodes_only: Annotated[
        bool, typer.Option("--nodes-only", help="only write the demo nodes' documents to DIR/nodes")
    ] = False,
) -> None:
    """Generate demo national nodes, harvest them, and serve the catalogue."""
    from catalogue.demo.nodes import write_demo_config, write_demo_nodes

    if nodes_only:  # for a catalogue configured elsewhere (docker-compose.yml) to harvest
        nodes = write_demo_nodes(directory / "nodes")
        console.print(escape(f"Wrote {len(nodes)} demo nodes to {directory / 'nodes'}/"))
        return

    check_writable(directory, "--dir")
    if serve_after:
        check_port(host, port)  # now, not after the whole harvest
    config_path = write_demo_config(directory, base_url=f"http://{host}:{port}")
    console.print(escape(f"Demo nodes and config written to {directory}/ (config: {config_path})"))
    demo_settings = load_settings(config_path)
    check_writable(demo_settings.data_dir, "--dir")
    backends = backends_for(demo_settings)
    run_harvests(backends, [s.name for s in backends.settings.sources])
    if serve_after:
        run_server(backends, host, port)
    else:
        backends.close()
