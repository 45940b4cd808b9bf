"""``catalogue serve`` and ``catalogue demo``: the web server, with the admin channel beside it."""

from __future__ import annotations

import functools
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
) -> None:
    """Serve the website, the JSON API and the API docs."""
    if log_format not in ("text", "json"):
        fail("--log-format", f"must be text or json, not {log_format!r}")
    run_server(backends_for(settings()), host, port, log_format)  # type: ignore[arg-type]


def run_server(backends: Backends, host: str, port: int, log_format: LogFormat = "text") -> None:
    import uvicorn

    from catalogue.admin import AdminServer
    from catalogue.logs import log_config
    from catalogue.web import create_app

    console.print(escape(f"Serving {backends.settings.title} on http://{host}:{port}/ (Ctrl+C to stop)"))
    # commands that write (harvest, token, reindex, check --repair, check-links) run here meanwhile
    channel = AdminServer(backends.settings.data_dir, functools.partial(run_routed, backends))
    try:
        uvicorn.run(
            create_app(backends, schedule=True, admin=channel),
            host=host,
            port=port,
            log_level="warning",
            log_config=log_config(log_format),
        )
    finally:
        backends.close()


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
    from catalogue.demo import write_demo_config, write_demo_nodes

    if nodes_only:  # for a catalogue configured elsewhere (docker-compose.yml) to harvest
        nodes = write_demo_nodes(directory / "nodes")
        console.print(escape(f"Wrote {len(nodes)} demo nodes to {directory / 'nodes'}/"))
        return

    config_path = write_demo_config(directory, base_url=f"http://{host}:{port}")
    console.print(escape(f"Demo nodes and config written to {directory}/ (config: {config_path})"))
    backends = backends_for(load_settings(config_path))
    run_harvests(backends, [s.name for s in backends.settings.sources])
    if serve_after:
        run_server(backends, host, port)
    else:
        backends.close()
