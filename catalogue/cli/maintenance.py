"""Keeping derived copies in line: ``reindex``, ``check``, ``migrate``, ``check-links``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from catalogue.cli.common import (
    app,
    backends_for,
    fail,
    open_search,
    read_only_store,
    routed,
    settings,
)
from catalogue.terminal import console

if TYPE_CHECKING:
    from catalogue.consistency import CheckReport, Drift


@app.command()
@routed
def reindex() -> None:
    """Rebuild the search index from the triple store."""
    from catalogue.consistency import reindex as rebuild

    backends = backends_for(settings())
    try:
        count = rebuild(backends.store, backends.index, backends.vocabularies)
    finally:
        backends.close()
    console.print(f"Indexed {count} datasets.")


@app.command()
@routed
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
    from catalogue.index.opening import open_index

    current = settings()
    if repair:  # writes: the store opened for writing (not beside a running `catalogue serve`)
        backends = backends_for(current)
        store, index = backends.store, backends.index
        close = backends.close
    else:  # reads only: works beside a running `catalogue serve`
        store = read_only_store(current)
        index = open_search(lambda: open_index(current.search, current.index_dir), store.close)

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
        console.out(
            json.dumps(report.to_json(), indent=2), highlight=False
        )  # the caller's terminal, also when routed
    else:
        print_check(report)
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
    store = read_only_store(current)
    try:
        done = open_search(lambda: copy_into(current, store, to, Vocabularies.load()), store.close)
    except (MigrationError, StoreLockedError, RemoteStoreError) as error:
        fail("Cannot migrate", error)
    finally:
        store.close()
    if done.plan.store:
        console.print(f"Copied {done.records:,} records into the {done.plan.store} triple store.")
    if done.plan.search:
        console.print(f"Indexed {done.documents:,} datasets in the {done.plan.search} search index.")
    assert done.report is not None
    print_check(done.report)
    if not done.report.in_line:
        raise typer.Exit(1)
    steps = " and ".join(done.next_steps())
    console.print(escape(f"Now set {steps} in {current.config_path} and restart the catalogue."))


def print_check(report: CheckReport) -> None:
    table = Table(title="Store, search index and triple store, per source")
    for column in ("source", "datasets", "indexed", "index drift", "records", "graphs", "triple drift"):
        table.add_column(column, justify="left" if column == "source" else "right")
    for source in report.sources:
        table.add_row(
            Text(source.source), f"{source.datasets:,}", f"{source.indexed:,}", _drift(source.index),
            f"{source.records:,}", f"{source.graphs:,}", _drift(source.triples),
        )  # fmt: skip
    console.print(table)
    console.print("drift: missing / extra / stale (built from other content, status or quality)")
    for source in report.sources:
        for where, drift in (("index", source.index), ("triple store", source.triples)):
            for kind, ids in (("missing", drift.missing), ("extra", drift.extra), ("stale", drift.stale)):
                if ids:
                    shown = ", ".join(sorted(ids)[:20]) + (" …" if len(ids) > 20 else "")
                    console.print(
                        f"[yellow]{escape(source.source)}[/yellow] {where}, {kind}: {escape(shown)}"
                    )
    if report.in_line:
        console.print("[green]In line:[/green] the index and the triple store match the registry.")
    else:
        console.print("[red]Drift found.[/red] `catalogue check --repair` brings it back in line.")


def _drift(drift: Drift) -> str:
    return "/".join(_count(len(ids)) for ids in (drift.missing, drift.extra, drift.stale))


def _count(n: int) -> str:
    return f"[red]{n:,}[/red]" if n else "0"


@app.command("check-links")
@routed
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
