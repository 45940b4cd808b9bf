"""The ``catalogue`` command: harvest, serve, demo, validate, reindex."""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from catalogue.config import ConfigError, Settings, load_settings, locate_config

if TYPE_CHECKING:
    import rdflib

    from catalogue.backends import Backends
    from catalogue.consistency import CheckReport, Drift
    from catalogue.store import Store

T = TypeVar("T")

app = typer.Typer(help="A FAIR dataset catalogue for DCAT-AP metadata.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


class State:
    config: str | None = None


@app.callback()
def main(
    config: Annotated[
        str | None,
        typer.Option(
            "--config", "-c", help="catalogue.toml to use (else $CATALOGUE_CONFIG, else ./catalogue.toml)"
        ),
    ] = None,
) -> None:
    State.config = config


def fail(title: str, error: object) -> NoReturn:
    """Say what went wrong and exit 2; the error's text is printed as it is (never read as markup)."""
    errors.print(f"[red]{title}:[/red] ", end="")
    errors.print(str(error), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def settings() -> Settings:
    try:
        return load_settings(locate_config(State.config))
    except ConfigError as error:
        fail("Configuration error", error)


def backends_for(current: Settings) -> Backends:
    from catalogue.backends import open_backends
    from catalogue.index import SearchBackendError
    from catalogue.store import RemoteStoreError, StoreLockedError

    try:
        return open_backends(current)
    except StoreLockedError as error:
        fail("Cannot open the store", error)
    except RemoteStoreError as error:  # [store] backend = "sparql": the server is down or refuses us
        fail("The SPARQL store cannot be used", error)
    except SearchBackendError as error:  # [search] backend = "elasticsearch": the same
        fail("The search index cannot be used", error)


@app.command()
def harvest(
    names: Annotated[list[str] | None, typer.Argument(help="sources to harvest (default: all)")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="withdraw however many datasets a source dropped (no brake)")
    ] = False,
) -> None:
    """Harvest sources: fetch, validate, store and index their datasets."""
    current = settings()
    unknown = [n for n in names or [] if n not in {s.name for s in current.sources}]
    if unknown:
        errors.print(f"[red]No source called {', '.join(unknown)} in {current.config_path}[/red]")
        raise typer.Exit(2)
    backends = backends_for(current)
    try:
        failed = run_harvests(backends, names or [s.name for s in current.sources], force)
    finally:
        backends.close()
    raise typer.Exit(1 if failed else 0)


def run_harvests(backends: Backends, names: list[str], force: bool = False) -> int:
    """Harvest with a progress bar and print the summary table; returns the number of failures."""
    from catalogue.harvest import harvest_source

    results = []
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[stage]}"),
        TimeElapsedColumn(), console=console, transient=True,
    ) as bar:  # fmt: skip
        for name in names:
            source = backends.settings.source(name)
            task = bar.add_task(f"{name:>6}", total=None, stage="")

            def progress(stage: str, done: int, total: int, task=task) -> None:
                bar.update(task, stage=stage, completed=done, total=total or None)

            results.append((source, harvest_source(source, backends, progress, force)))
            bar.update(task, visible=False)
    table = Table(title="Harvest summary")
    columns = (
        "pages",
        "found",
        "new",
        "changed",
        "unchanged",
        "withdrawn",
        "published",
        "flagged",
        "rejected",
    )
    table.add_column("source")
    for column in columns:
        table.add_column(column, justify="right")
    table.add_column("errors")
    for source, result in results:
        run = result.run
        counts = [f"{getattr(run, column):,}" for column in columns]
        table.add_row(source.name, *counts, "failed (below)" if run.error else "")
    console.print(table)
    for _, result in results:
        if result.run.error:
            errors.print("[red]error[/red] ", end="")
            errors.print(result.run.error, markup=False, highlight=False, soft_wrap=True)
    for source, result in results:
        for note in result.run.notes:  # claims on dataset IRIs another source publishes too
            console.print(f"[yellow]note[/yellow] {source.name}: ", end="")
            console.print(note, markup=False, highlight=False, soft_wrap=True)
        for record, report in result.rejected:
            console.print(f"[yellow]rejected[/yellow] {source.name}: {record.title} <{record.uri}>")
            for item in report.results:
                if item.severity == "Violation":
                    console.print(f"    {_short(item.path)}: {item.message}", markup=False, highlight=False)
    return sum(result.run.outcome != "ok" for _, result in results)


token_app = typer.Typer(help="Bearer tokens with which a node pushes its own records.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="the source the token may push to")],
    label: Annotated[str, typer.Option(help="a note to recognise the token by")] = "",
) -> None:
    """Create a push token for a source; it is shown once and stored only as a hash."""
    from catalogue.tokens import create_token

    current = settings()
    if name not in {s.name for s in current.sources}:
        errors.print(f"[red]No source called {name} in {current.config_path}[/red]")
        raise typer.Exit(2)
    backends = backends_for(current)
    try:
        token = create_token(backends.store, name, label)
    finally:
        backends.close()
    console.print(f"Push token for [bold]{name}[/bold] (shown once; keep it secret):")
    print(token)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
) -> None:
    """Serve the website, the JSON API and the API docs."""
    run_server(backends_for(settings()), host, port)


def run_server(backends: Backends, host: str, port: int) -> None:
    import uvicorn

    from catalogue.web import create_app

    console.print(f"Serving {backends.settings.title} on http://{host}:{port}/ (Ctrl+C to stop)")
    try:
        uvicorn.run(create_app(backends, schedule=True), host=host, port=port, log_level="warning")
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
        console.print(f"Wrote {len(nodes)} demo nodes to {directory / 'nodes'}/")
        return

    config_path = write_demo_config(directory, base_url=f"http://{host}:{port}")
    console.print(f"Demo nodes and config written to {directory}/ (config: {config_path})")
    backends = backends_for(load_settings(config_path))
    run_harvests(backends, [s.name for s in backends.settings.sources])
    if serve_after:
        run_server(backends, host, port)
    else:
        backends.close()


@app.command()
def validate(
    location: Annotated[str, typer.Argument(help="file path or URL of an RDF document")],
    profile: Annotated[
        str | None, typer.Option(help="validation profile (default dcat-ap-3; with --shapes: added to them)")
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="text, json, or turtle (a SHACL sh:ValidationReport)")
    ] = "text",
    shapes: Annotated[
        list[Path] | None,
        typer.Option(
            "--shapes", help="validate with this SHACL shapes file instead of a profile (repeatable)"
        ),
    ] = None,
) -> None:
    """Validate a document; exit 0 if it conforms, 1 on violations, 2 if it or the shapes cannot be read.

    With --shapes, shapes that cannot be loaded are named and left out, the
    rest still validate, and the exit code is 2.
    """
    from catalogue import shapes as profiles
    from catalogue.config import Limits
    from catalogue.fetch import InputError, fetch
    from catalogue.reports import ShapeNotes, to_json, to_text, to_turtle, validate_document
    from catalogue.validate import ShapesError

    if output_format not in ("text", "json", "turtle"):
        errors.print("[red]--format must be text, json or turtle[/red]")
        raise typer.Exit(2)
    problems: list[str] = []
    configured = settings() if locate_config(State.config).is_file() else None  # for its [[profiles]]
    try:
        if profile:
            profiles.profile(profile, configured)  # an unknown name fails here, naming the known ones
        with _user_shapes(shapes or [], profile, problems, configured) as (shapes_path, shapes_graph):
            document = fetch(location, Limits(retries=0))  # a person is waiting
            if shapes_path is None:
                summary = validate_document(document, profile or "dcat-ap-3", settings=configured)
            else:
                notes = ShapeNotes.from_graph(shapes_graph)
                summary = validate_document(document, shapes=shapes_path, notes=notes)
    except (InputError, ShapesError, profiles.ShapesError, FileNotFoundError, KeyError) as error:
        _say_problems(problems)
        fail("Cannot validate", str(error).strip("'\""))
    if output_format == "json":
        typer.echo(json.dumps(to_json(summary), indent=2, ensure_ascii=False))
    elif output_format == "turtle":
        typer.echo(to_turtle(summary), nl=False)
    else:
        text = Text(to_text(summary))
        text.highlight_regex(r"(?m)^violations(?=:)|(?<=^    )Violation\b", "bold red")
        text.highlight_regex(r"(?m)(?<=^    )Warning\b", "yellow")
        text.highlight_regex(r"(?m)^conforms(?=:)", "green")
        console.print(text, highlight=False, soft_wrap=True)
    _say_problems(problems)
    raise typer.Exit(2 if problems else 0 if summary.conforms else 1)


@contextmanager
def _user_shapes(
    paths: list[Path], profile: str | None, problems: list[str], configured: Settings | None
) -> Iterator[tuple[Path | None, rdflib.Graph]]:
    """The --shapes files (after the profile's, with --profile) as one temporary file, and their graph.

    Yields (None, an empty graph) without --shapes: the profile is used as it is.
    Loading is tolerant: what cannot be loaded is added to ``problems`` and
    left out. Raises ShapesError when no shape is left at all.
    """
    import rdflib

    from catalogue.shapes import ShapesError, load_shapes, shapes_files

    if not paths:
        yield None, rdflib.Graph()
        return
    files = [*(shapes_files(profile, configured) if profile else []), *(path.absolute() for path in paths)]
    graph, found = load_shapes(files, tolerant=True)
    problems.extend(found)
    if not _has_targets(graph):
        raise ShapesError(f"no SHACL shapes with a target in {', '.join(str(f) for f in files)}")
    with tempfile.TemporaryDirectory(prefix="catalogue-shapes-") as folder:
        merged = Path(folder) / "shapes.ttl"
        graph.serialize(merged, format="turtle")
        yield merged, graph


def _has_targets(graph: rdflib.Graph) -> bool:
    """Whether any shape applies to anything: without one, every document would "conform"."""
    from rdflib.namespace import SH

    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    return any((None, target, None) in graph for target in targets)


def _say_problems(problems: list[str]) -> None:
    for problem in problems:
        errors.print("[yellow]Shapes left out:[/yellow] ", end="")
        errors.print(problem, markup=False, highlight=False, soft_wrap=True)


@app.command()
def reindex() -> None:
    """Rebuild the search index from the triple store."""
    from catalogue.harvest import reindex as rebuild

    backends = backends_for(settings())
    try:
        count = rebuild(backends.store, backends.index, backends.vocabularies)
    finally:
        backends.close()
    console.print(f"Indexed {count} datasets.")


@app.command()
def check(
    repair: Annotated[
        bool, typer.Option("--repair", help="re-index drifted records; rebuild the triple side if it drifted")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Compare the search index and the triple store with the record registry, per source.

    Exit status 0 when everything is in line, 1 when something drifted (after --repair: if it still does).
    """
    from catalogue.consistency import check as compare
    from catalogue.consistency import repair as bring_in_line
    from catalogue.index import open_index

    current = settings()
    if repair:  # writes: the store opened for writing (not beside a running `catalogue serve`)
        backends = backends_for(current)
        store, index = backends.store, backends.index
        close = backends.close
    else:  # reads only: works beside a running `catalogue serve`
        store = _read_only_store(current)
        index = _open_search(lambda: open_index(current.search, current.index_dir), store.close)

        def close() -> None:
            index.close()
            store.close()

    try:
        report = compare(store, index)
        if repair and not report.in_line:
            from catalogue.vocabularies import Vocabularies

            fixed, rebuilt = bring_in_line(store, index, Vocabularies.load(), report)
            console.print(f"Re-indexed {fixed} records" + ("; rebuilt the triple store." if rebuilt else "."))
            report = compare(store, index)
    finally:
        close()
    if as_json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        _print_check(report)
    raise typer.Exit(0 if report.in_line else 1)


@app.command()
def migrate(
    to: Annotated[str, typer.Option("--to", help="sparql, elasticsearch, or embedded (back to one machine)")],
) -> None:
    """Copy the catalogue into another backend from the store, then check the copy record by record.

    Give the target's settings in catalogue.toml first (e.g. [store] query_url, update_url, graph_store_url)
    while the current backend stays selected; the catalogue may keep serving meanwhile.
    """
    from catalogue.migrate import MigrationError
    from catalogue.migrate import migrate as copy_into
    from catalogue.store import RemoteStoreError, StoreLockedError
    from catalogue.vocabularies import Vocabularies

    current = settings()
    store = _read_only_store(current)
    try:
        done = _open_search(lambda: copy_into(current, store, to, Vocabularies.load()), store.close)
    except (MigrationError, StoreLockedError, RemoteStoreError) as error:
        fail("Cannot migrate", error)
    finally:
        store.close()
    if done.plan.store:
        console.print(f"Copied {done.records:,} records into the {done.plan.store} triple store.")
    if done.plan.search:
        console.print(f"Indexed {done.documents:,} datasets in the {done.plan.search} search index.")
    assert done.report is not None
    _print_check(done.report)
    if not done.report.in_line:
        raise typer.Exit(1)
    steps = " and ".join(done.next_steps())
    console.print(escape(f"Now set {steps} in {current.config_path} and restart the catalogue."))


def _read_only_store(current: Settings) -> Store:
    from catalogue.store import RemoteStoreError, open_store

    try:
        return open_store(current, read_only=True)
    except (OSError, RemoteStoreError) as error:
        fail(f"Cannot open the store at {current.store_dir}", error)


def _open_search(action: Callable[[], T], cleanup: Callable[[], None]) -> T:
    """Run an action that talks to the search backend; an unreachable one is a clear error."""
    from catalogue.index import SearchBackendError

    try:
        return action()
    except SearchBackendError as error:
        cleanup()
        fail("The search index cannot be used", error)


def _print_check(report: CheckReport) -> None:
    table = Table(title="Store, search index and triple store, per source")
    for column in ("source", "datasets", "indexed", "index drift", "records", "graphs", "triple drift"):
        table.add_column(column, justify="left" if column == "source" else "right")
    for source in report.sources:
        table.add_row(
            source.source, f"{source.datasets:,}", f"{source.indexed:,}", _drift(source.index),
            f"{source.records:,}", f"{source.graphs:,}", _drift(source.triples),
        )  # fmt: skip
    console.print(table)
    console.print("drift: missing / extra / stale (built from other content, status or quality)")
    for source in report.sources:
        for where, drift in (("index", source.index), ("triple store", source.triples)):
            for kind, ids in (("missing", drift.missing), ("extra", drift.extra), ("stale", drift.stale)):
                if ids:
                    shown = ", ".join(sorted(ids)[:20]) + (" …" if len(ids) > 20 else "")
                    console.print(f"[yellow]{source.source}[/yellow] {where}, {kind}: {shown}")
    if report.in_line:
        console.print("[green]In line:[/green] the index and the triple store match the registry.")
    else:
        console.print("[red]Drift found.[/red] `catalogue check --repair` brings it back in line.")


def _drift(drift: Drift) -> str:
    return "/".join(_count(len(ids)) for ids in (drift.missing, drift.extra, drift.stale))


def _count(n: int) -> str:
    return f"[red]{n:,}[/red]" if n else "0"


@app.command("check-links")
def check_links(
    limit: Annotated[int, typer.Option(help="URLs to check at most")] = 200,
    per_host: Annotated[float, typer.Option(help="seconds between two requests to one host")] = 2.0,
) -> None:
    """Check now whether datasets' access and download URLs answer, and update their quality scores.

    `catalogue serve` does this in the background; this runs one round in the foreground.
    """
    from catalogue.reachability import UrlChecker

    backends = backends_for(settings())
    try:
        checked = UrlChecker(backends, per_host_seconds=per_host, batch=limit).check_due()
    finally:
        backends.close()
    console.print(f"Checked {checked} URLs.")


@app.command()
def export(
    format: Annotated[
        str, typer.Option("--format", help="nq (a named graph per record) or ttl (merged)")
    ] = "nq",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="file to write (default: catalogue.FORMAT.gz)")
    ] = None,
) -> None:
    """Write every visible record to a gzip-compressed N-Quads or Turtle file (as /dump.FORMAT.gz)."""
    from catalogue.feed import DUMPS, dump

    if format not in DUMPS:
        errors.print(f"[red]--format must be one of {', '.join(DUMPS)}[/red]")
        raise typer.Exit(2)
    current = settings()
    target = output or Path(f"catalogue.{format}.gz")
    store = _read_only_store(current)  # read-only: works beside a running `catalogue serve`
    written = 0
    try:
        with open(target, "wb") as out:
            for chunk in dump(store, format):
                out.write(chunk)
                written += len(chunk)
    finally:
        store.close()
    console.print(f"Wrote {target} ({written:,} bytes, gzip-compressed {format}).")


def _short(iri: str | None) -> str:
    if not iri:
        return "(node)"
    for prefix, name in (
        ("http://purl.org/dc/terms/", "dct:"), ("http://www.w3.org/ns/dcat#", "dcat:"),
        ("http://xmlns.com/foaf/0.1/", "foaf:"), ("http://www.w3.org/2006/vcard/ns#", "vcard:"),
        ("http://spdx.org/rdf/terms#", "spdx:"), ("http://data.europa.eu/r5r/", "dcatap:"),
    ):  # fmt: skip
        if iri.startswith(prefix):
            return name + iri[len(prefix) :]
    return iri


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
